/**
 * Removing an image's signatures, attestations or SBOMs by deleting the
 * `sha256-<hex>.sig|.att|.sbom` manifests, as `cosign clean` does. A kind that is absent is not
 * an error.
 *
 * @example
 * ```ts
 * await cleanAttachments(ctx, "localhost:5000/app:v1", ["sig", "att", "sbom"]);
 * ```
 * @module
 */
import { isCosignError } from "../../core/errors.ts";
import type { Context } from "../../core/plugin.ts";
import { parseReference, referenceString } from "../../oci/reference.ts";
import { registryClientFor } from "../../oci/registry_options.ts";
import type { SignatureSuffix } from "./layout.ts";
import { signatureReference } from "./signature_location.ts";

/**
 * Deletes the attachments of `kinds` stored for `image`, logging each removal on `ctx.log`.
 * Throws CosignError INVALID_INPUT (bad reference), NOT_FOUND (no such image), UNSUPPORTED (the
 * registry forbids deletes), and the registry client's errors.
 */
export async function cleanAttachments(
  ctx: Context,
  image: string,
  kinds: readonly SignatureSuffix[],
): Promise<void> {
  const ref = parseReference(image);
  const client = registryClientFor(ctx);
  const digest = await client.resolveDigest(ref);
  for (const suffix of kinds) {
    const at = signatureReference(ref, digest, suffix, (n) => ctx.env(n));
    try {
      await client.deleteManifest(at);
      ctx.log.info(`Removed ${referenceString(at)} from ${image}`);
    } catch (e) {
      if (isCosignError(e, "NOT_FOUND")) continue; // nothing of that kind: not an error
      throw e;
    }
  }
}

/**
 * Checks that `image` is a valid image reference, before a command asks questions or reads
 * other inputs. Throws CosignError("INVALID_INPUT") naming the reference.
 *
 * @example
 * ```ts
 * checkImageReference("localhost:5000/app:v1");
 * ```
 */
export function checkImageReference(image: string): void {
  parseReference(image);
}
