/**
 * Attestations made elsewhere, in and out of an image's store (`cosign attach attestation`,
 * `download attestation`):
 *
 * - {@link attachAttestationEnvelope}: a signed DSSE envelope (payload type in-toto) becomes a
 *   layer of the image's `sha256-<hex>.att` (as cosign's `static.NewAttestation`: DSSE media
 *   type, empty signature annotation), appended race-free without duplicates;
 * - {@link downloadAttestations}: every attestation stored for the image, in both layouts (the
 *   `.att` layers and cosign v3 bundle referrers), as its DSSE envelope JSON, optionally only
 *   those of one predicate type.
 *
 * @example
 * ```ts
 * await attachAttestationEnvelope(ctx, "localhost:5000/app:v1", envelopeBytes);
 * for (const line of await downloadAttestations(ctx, "localhost:5000/app:v1")) out(line);
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { Context } from "../../core/plugin.ts";
import { parseReference, referenceString } from "../../oci/reference.ts";
import { registryClientFor } from "../../oci/registry_options.ts";
import { newSignatureLayer } from "./layout.ts";
import { signatureReference } from "./signature_location.ts";

/**
 * Appends `envelope` to the image's `.att` layers (see the module documentation) and returns
 * where. Throws INVALID_INPUT for an empty file, something that is not a DSSE envelope, another
 * payload type or no signatures (cosign's checks), NOT_FOUND (no such image), and the registry's
 * errors.
 *
 * @example
 * ```ts
 * await attachAttestationEnvelope(ctx, "localhost:5000/app@sha256:…", bytes, "att.json");
 * ```
 */
export async function attachAttestationEnvelope(
  ctx: Context,
  image: string,
  envelope: Uint8Array,
  source = "(input)",
): Promise<string> {
  const { INTOTO_PAYLOAD_TYPE, DSSE_ENVELOPE_MEDIA_TYPE, parseEnvelope } = await import(
    "../../core/dsse.ts"
  );
  if (envelope.length === 0) {
    throw new CosignError("INVALID_INPUT", `${source} payload is empty`);
  }
  const env = parseEnvelope(envelope, `"${source}"`);
  if (env.payloadType !== INTOTO_PAYLOAD_TYPE) {
    throw new CosignError(
      "INVALID_INPUT",
      `invalid payloadType ${env.payloadType} on envelope. Expected ${INTOTO_PAYLOAD_TYPE}`,
      { hint: `"${source}" must be a DSSE envelope over an in-toto statement.` },
    );
  }
  const ref = parseReference(image);
  const client = registryClientFor(ctx);
  const digest = await client.resolveDigest(ref);
  const at = signatureReference(ref, digest, "att", (n) => ctx.env(n));
  const { appendSignatureLayer } = await import("./sign_image.ts");
  const layer = newSignatureLayer(envelope, "", { mediaType: DSSE_ENVELOPE_MEDIA_TYPE });
  await appendSignatureLayer(client, at, layer, { env: (n) => ctx.env(n), log: ctx.log });
  return referenceString(at);
}

/**
 * The DSSE envelope JSON of every attestation stored for `image` in both layouts, one string
 * each, in store order (`.att` layers, then referrers); with `predicateType` (a URI) only those
 * whose statement has it. Unreadable items are skipped with a debug note. Throws NO_SIGNATURES
 * when there is none, INVALID_INPUT, NOT_FOUND and the registry's errors.
 *
 * @example
 * ```ts
 * const lines = await downloadAttestations(ctx, ref, "https://slsa.dev/provenance/v1");
 * ```
 */
export async function downloadAttestations(
  ctx: Context,
  image: string,
  predicateType?: string,
): Promise<string[]> {
  const [{ envelopeJSON, parseEnvelope }, { parseStatement }] = await Promise.all([
    import("../../core/dsse.ts"),
    import("../../core/intoto.ts"),
  ]);
  const artifact = await ctx.plugins.resolve(image, ctx);
  const out: string[] = [];
  for await (const s of artifact.signatures?.(ctx, { kind: "attestation" }) ?? []) {
    try {
      if (s.problem !== undefined) throw new Error(s.problem);
      const field = (s.bundle as { dsseEnvelope?: unknown } | undefined)?.dsseEnvelope;
      const env = parseEnvelope(JSON.stringify(field ?? null), `of ${s.location}`);
      if (predicateType !== undefined) {
        const st = parseStatement(env.payload, s.location);
        if (st.predicateType !== predicateType) continue;
      }
      out.push(envelopeJSON(env));
    } catch (e) {
      ctx.log.debug(`skipping attestation ${s.id ?? s.location}: ${(e as Error).message}`);
    }
  }
  if (out.length === 0) {
    throw new CosignError(
      "NO_SIGNATURES",
      `no attestations${predicateType ? ` of type ${predicateType}` : ""} found for ${image}`,
      { hint: "Attest it with `cosign-ts attest`, or check COSIGN_REPOSITORY." },
    );
  }
  return out;
}
