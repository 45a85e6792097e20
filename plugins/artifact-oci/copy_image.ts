/**
 * Copying an image (or index, recursively) and its signatures, attestations and SBOMs
 * (`sha256-<hex>.sig|.att|.sbom`, and OCI 1.1 referrers such as cosign v3's bundles, for the
 * image and every manifest of an index) to another repository, as `cosign copy` does: each
 * manifest is also tagged `sha256-<hex>` in the destination (where that tag is free: it may hold
 * a referrers fallback index), blobs are mounted across repositories of one registry (else
 * streamed), blobs and manifests the destination already has are skipped, and DST's tag is moved
 * last. An existing different destination is an error unless `force`.
 *
 * @example
 * ```ts
 * await copyImage(ctx, { src: "localhost:5000/a:v1", dst: "localhost:5000/b:v1" });
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { Context } from "../../core/plugin.ts";
import type { RegistryClient } from "../../oci/client.ts";
import {
  parseReference,
  type Reference,
  referenceString,
  type Repository,
  withDigest,
  withTag,
} from "../../oci/reference.ts";
import { registrySink, registrySource } from "../../oci/registry_endpoint.ts";
import { registryClientFor } from "../../oci/registry_options.ts";
import { type ManifestData, transferImage } from "../../oci/transfer.ts";
import { copyReferrers } from "./copy_referrers.ts";
import { walkManifests } from "./manifest_walk.ts";
import type { SignatureSuffix } from "./layout.ts";
import { selectPlatform } from "./select_platform.ts";
import { signatureReference } from "./signature_location.ts";
import { progressSource } from "../../oci/progress_source.ts";

/** What {@link copyImage} copies. */
export interface CopyImageOptions {
  /** Source image reference. */
  src: string;
  /** Destination image reference. */
  dst: string;
  /**
   * Only these kinds of attachments, and not the image itself (cosign's `--only`); empty or
   * absent: the image and every kind.
   */
  only?: readonly SignatureSuffix[];
  /** Overwrite a different destination (cosign's `-f`). */
  force?: boolean;
  /** Only this platform's image of an index (`os/arch[/variant]`). */
  platform?: string;
}

/**
 * Parses cosign's `--only` values (comma-separated, repeatable) and `--sig-only`. Throws
 * CosignError("USAGE") for an unknown kind, worded as cosign words it.
 *
 * @example
 * ```ts
 * parseCopyKinds(["sig,att"], false); // ["sig", "att"]
 * ```
 */
export function parseCopyKinds(only: readonly string[], sigOnly: boolean): SignatureSuffix[] {
  const set = new Set(only.flatMap((o) => o.split(",")).map((s) => s.trim()).filter(Boolean));
  if (sigOnly) set.add("sig");
  const valid: SignatureSuffix[] = ["sig", "sbom", "att"];
  for (const t of set) {
    if (!valid.includes(t as SignatureSuffix)) {
      throw new CosignError(
        "USAGE",
        `invalid value for --only: ${t}, only the following values are supported: [sig sbom att]`,
      );
    }
  }
  return valid.filter((v) => set.has(v));
}

/** Copies `src` to `dst` unless dst already holds it; 404 on src is skipped (as cosign). */
async function remoteCopy(
  client: RegistryClient,
  src: Reference,
  dst: Reference,
  force: boolean,
  ctx: Context,
  known?: ManifestData,
): Promise<boolean> {
  const source = registrySource(client, src);
  const got = known ?? await source.manifest(src.digest ?? src.tag ?? "latest");
  if (!got) return false;
  if (!force) {
    const have = await client.headManifest(dst);
    if (have) {
      if (have.digest === got.digest) return false;
      throw new CosignError(
        "INVALID_INPUT",
        `image "${referenceString(dst)}" already exists. Use \`-f\` to overwrite`,
        { hint: "Pass -f to replace it." },
      );
    }
  }
  ctx.log.info(`Copying ${referenceString(src)} to ${referenceString(dst)}...`);
  const progress = ctx.progress?.(`Copying ${referenceString(src)}`);
  try {
    await transferImage(progressSource(source, progress), registrySink(client, dst), got, {
      tag: dst.digest ? undefined : dst.tag,
    });
  } finally {
    progress?.done();
  }
  return true;
}

/**
 * Copies one manifest of the graph by digest and tags it `sha256-<hex>` in DST as cosign does,
 * but only where that tag is free: it is a mere anchor, and on registries without the referrers
 * API the same tag holds the OCI 1.1 referrers index, which must not be clobbered.
 */
async function copyEntity(
  client: RegistryClient,
  src: Repository,
  dst: Repository,
  m: ManifestData,
  ctx: Context,
): Promise<void> {
  const anchor = withTag(dst, m.digest.replace(":", "-"));
  const have = await client.headManifest(anchor);
  if (have?.digest === m.digest) return;
  if (have && await client.headManifest(withDigest(dst, m.digest))) return;
  ctx.log.info(
    `Copying ${referenceString(withDigest(src, m.digest))} to ${referenceString(anchor)}...`,
  );
  await transferImage(registrySource(client, src), registrySink(client, dst), m, {
    tag: have ? undefined : anchor.tag,
  });
}

/**
 * Copies an image and its attachments (see the module doc), logging each copy on `ctx.log`.
 * Throws CosignError INVALID_INPUT (bad reference; destination exists without `force`), USAGE
 * (bad platform), NOT_FOUND, and the registry client's errors.
 */
export async function copyImage(ctx: Context, options: CopyImageOptions): Promise<void> {
  const only = options.only ?? [];
  const suffixes: readonly SignatureSuffix[] = only.length ? only : ["sig", "att", "sbom"];
  const force = options.force === true;
  const src = parseReference(options.src);
  const dst = parseReference(options.dst);
  const client = registryClientFor(ctx);
  let root = await client.getManifest(src);
  if (options.platform) root = await selectPlatform(client, src, root, options.platform);
  const env = (n: string) => ctx.env(n);
  for (const m of await walkManifests(client, src, root)) {
    for (const suffix of suffixes) {
      const from = signatureReference(src, m.digest, suffix, env);
      await remoteCopy(client, from, withTag(dst, from.tag!), force, ctx);
    }
    // OCI 1.1 referrers (cosign v3 bundles) first: on registries without the referrers API
    // their index takes the sha256-<hex> tag, which the entity copy then leaves alone.
    await copyReferrers(client, src, dst, m.digest, only.length ? only : undefined, ctx);
    await copyEntity(client, src, dst, m, ctx);
  }
  if (only.length) return;
  await remoteCopy(client, withDigest(src, root.digest), dst, force, ctx, root);
}
