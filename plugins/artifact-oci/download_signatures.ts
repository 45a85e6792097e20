/**
 * The signatures stored for an image at `sha256-<hex>.sig` (or in `COSIGN_REPOSITORY`), as
 * `cosign download signature` prints them: one JSON object a line (`Base64Signature`,
 * `Payload`, `Cert`, `Chain`, `Bundle`, `RFC3161Timestamp`).
 *
 * @example
 * ```ts
 * process.stdout.write(await downloadSignatures(ctx, "localhost:5000/app:v1"));
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { Context } from "../../core/plugin.ts";
import { parseReference, referenceString } from "../../oci/reference.ts";
import { registryClientFor } from "../../oci/registry_options.ts";
import { readSignatures } from "./read_signatures.ts";
import { signatureReference } from "./signature_location.ts";
import { signedPayloadJson } from "./stored_signature.ts";

/**
 * The signatures of `image`, one JSON line each. Throws CosignError NO_SIGNATURES when there is
 * none, INVALID_INPUT (bad reference), NOT_FOUND (no such image), TOO_LARGE (over the signature
 * budget), and the registry client's errors.
 */
export async function downloadSignatures(ctx: Context, image: string): Promise<string> {
  const ref = parseReference(image);
  const client = registryClientFor(ctx);
  const digest = await client.resolveDigest(ref);
  const sigs = await readSignatures(
    client,
    signatureReference(ref, digest, "sig", (n) => ctx.env(n)),
  );
  if (sigs.length === 0) {
    throw new CosignError(
      "NO_SIGNATURES",
      `no signatures associated with ${referenceString(ref)}`,
      { hint: "Sign it first, or check COSIGN_REPOSITORY." },
    );
  }
  return sigs.map((s) => signedPayloadJson(s) + "\n").join("");
}
