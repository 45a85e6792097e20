/**
 * The simple-signing payload cosign would sign for an image (for signing elsewhere and attaching
 * with `attach signature`), as `cosign generate` prints it. A tag is resolved to its digest.
 *
 * @example
 * ```ts
 * const payload = await generatePayload(ctx, "localhost:5000/app:v1", { env: "prod" });
 * ```
 * @module
 */
import type { Context } from "../../core/plugin.ts";
import { parseReference, repositoryString } from "../../oci/reference.ts";
import { registryClientFor } from "../../oci/registry_options.ts";
import { simpleSigningPayload } from "./simple_signing.ts";

/**
 * The payload for `image` with optional `annotations` (null: none). Throws CosignError
 * INVALID_INPUT (bad reference), NOT_FOUND (no such image), and the registry client's errors.
 */
export async function generatePayload(
  ctx: Context,
  image: string,
  annotations: Record<string, string> | null,
): Promise<Uint8Array> {
  const ref = parseReference(image);
  const client = registryClientFor(ctx);
  const digest = await client.resolveDigest(ref);
  return simpleSigningPayload(repositoryString(ref), digest, annotations);
}
