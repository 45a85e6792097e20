/**
 * Storing a signature made elsewhere (e.g. over the payload from `generate`) in the image's
 * signature image (`sha256-<hex>.sig`, race-free append), as `cosign attach signature` does.
 *
 * @example
 * ```ts
 * await attachSignature(ctx, { image: "localhost:5000/app:v1", signature: b64 });
 * ```
 * @module
 */
import type { Context } from "../../core/plugin.ts";
import { parseReference, repositoryString, withDigest } from "../../oci/reference.ts";
import { registryClientFor } from "../../oci/registry_options.ts";
import { newSignatureLayer } from "./layout.ts";
import { appendSignatureLayer } from "./sign_image.ts";
import { signatureReference } from "./signature_location.ts";
import { simpleSigningPayload } from "./simple_signing.ts";

/** What {@link attachSignature} attaches. */
export interface AttachSignatureOptions {
  /** The image reference. */
  image: string;
  /** The base64 signature. */
  signature: string;
  /** The signed payload (default: the simple-signing payload `generate` gives). */
  payload?: Uint8Array;
  /** PEM certificate of the signing key. */
  certificate?: string;
  /** PEM certificate chain. */
  chain?: string;
}

/**
 * Appends the signature layer to the image's signature image. Throws CosignError
 * INVALID_INPUT (bad reference), NOT_FOUND (no such image), and the registry client's errors.
 */
export async function attachSignature(
  ctx: Context,
  options: AttachSignatureOptions,
): Promise<void> {
  const ref = parseReference(options.image);
  const client = registryClientFor(ctx);
  const digest = await client.resolveDigest(ref);
  const payload = options.payload ?? simpleSigningPayload(repositoryString(ref), digest, null);
  const layer = newSignatureLayer(payload, options.signature, {
    certificate: options.certificate,
    chain: options.chain ? [options.chain.trimEnd()] : undefined,
  });
  const at = signatureReference(withDigest(ref, digest), digest, "sig", (n) => ctx.env(n));
  await appendSignatureLayer(client, at, layer, { env: (n) => ctx.env(n), log: ctx.log });
}
