/**
 * Picks one platform's manifest out of an index (`--platform os/arch[/variant]`), as cosign's
 * `copy --platform` and `save --platform` do. A plain image manifest is returned unchanged.
 *
 * @example
 * ```ts
 * const img = await selectPlatform(client, ref, await client.getManifest(ref), "linux/arm64");
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { ManifestResult, RegistryClient } from "../../oci/client.ts";
import { isIndexMediaType } from "../../oci/media_types.ts";
import { type Repository, withDigest } from "../../oci/reference.ts";
import { manifestChildren } from "../../oci/transfer.ts";

/**
 * The manifest of `platform` in `root` (an index), fetched from `repo`. Throws
 * CosignError("USAGE") for a malformed platform, CosignError("NOT_FOUND") when the index has no
 * such platform.
 */
export async function selectPlatform(
  client: RegistryClient,
  repo: Repository,
  root: ManifestResult,
  platform: string,
): Promise<ManifestResult> {
  const [os, architecture, variant, ...rest] = platform.split("/");
  if (!os || !architecture || rest.length) {
    throw new CosignError("USAGE", `Bad --platform "${platform}": expected OS/ARCH[/VARIANT]`, {
      hint: "For example --platform linux/amd64 or --platform linux/arm/v7.",
    });
  }
  if (!isIndexMediaType(root.mediaType)) return root;
  const match = manifestChildren(root).manifests.find((d) => {
    const p = d.platform as Record<string, unknown> | undefined;
    return p?.os === os && p?.architecture === architecture &&
      (variant === undefined || p?.variant === variant);
  });
  if (!match) {
    throw new CosignError(
      "NOT_FOUND",
      `The index ${root.digest} has no image for platform ${platform}`,
      { hint: "List the platforms with `cosign-ts tree` or pick another --platform." },
    );
  }
  return await client.getManifest(withDigest(repo, match.digest));
}
