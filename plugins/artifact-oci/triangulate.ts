/**
 * Where cosign stores an image's signatures, attestations or SBOM
 * (`repo:sha256-<hex>.sig|.att|.sbom`, honouring `COSIGN_REPOSITORY`), or the image's digest
 * reference, as `cosign triangulate` prints it.
 *
 * @example
 * ```ts
 * console.log(await triangulate(ctx, "localhost:5000/app:v1", "sig"));
 * ```
 * @module
 */
import type { Context } from "../../core/plugin.ts";
import { parseReference, referenceString, withDigest } from "../../oci/reference.ts";
import { registryClientFor } from "../../oci/registry_options.ts";
import type { SignatureSuffix } from "./layout.ts";
import { signatureReference } from "./signature_location.ts";

/**
 * The reference where `kind` attachments of `image` live, or with "digest" the image by digest.
 * Throws CosignError INVALID_INPUT (bad reference), NOT_FOUND (no such image), and the
 * registry client's errors.
 */
export async function triangulate(
  ctx: Context,
  image: string,
  kind: SignatureSuffix | "digest",
): Promise<string> {
  const ref = parseReference(image);
  const client = registryClientFor(ctx);
  const digest = await client.resolveDigest(ref);
  const out = kind === "digest"
    ? withDigest(ref, digest)
    : signatureReference(ref, digest, kind, (n) => ctx.env(n));
  return referenceString(out);
}
