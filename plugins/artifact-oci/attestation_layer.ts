/**
 * cosign's legacy attestation layers (the `sha256-<hex>.att` image, `cosign attest` without
 * `--new-bundle-format`): each layer is a DSSE envelope JSON (media type
 * `application/vnd.dsse.envelope.v1+json`) with the annotations cosign's `static.NewAttestation`
 * writes: an empty `dev.cosignproject.cosign/signature`, `predicateType`, and the signer's
 * certificate and chain, Rekor bundle (a dsse or intoto entry) and RFC 3161 timestamp when
 * there are any.
 *
 * Read back, a layer becomes the equivalent Sigstore bundle v0.1 with that envelope
 * ({@link attestationOfLayer}), so the one verify path checks it like any DSSE bundle: the
 * signature over the PAE, the in-toto subject against the image digest, the certificate, the
 * log entry through its plugin.
 *
 * @example
 * ```ts
 * const layer = attestationLayer(envelopeJson, "https://slsa.dev/provenance/v1", {});
 * const back = attestationOfLayer(storedSignature(layerDescriptor(layer), layer.payload), where);
 * ```
 * @module
 */
import { DSSE_ENVELOPE_MEDIA_TYPE, parseEnvelope } from "../../core/dsse.ts";
import { checkStatement, parseStatement } from "../../core/intoto.ts";
import { legacySignatureBundleJson } from "../../core/legacy_signature.ts";
import type { LegacySignature, StoredSignature as CoreStoredSignature } from "../../core/plugin.ts";
import { newSignatureLayer, type SignatureLayer } from "./layout.ts";
import type { StoredSignature } from "./stored_signature.ts";

/** Layer annotation naming an attestation's predicate type. */
export const PREDICATE_TYPE_LAYER_ANNOTATION = "predicateType";

/** What a legacy attestation layer carries besides the envelope. */
export interface AttestationEvidence {
  /** PEM signing certificate. */
  certificate?: string;
  /** PEM chain above it (cosign joins the PEM blocks). */
  chain?: string;
  /** cosign's Rekor bundle JSON text. */
  rekorBundle?: string;
  /** cosign's RFC 3161 annotation JSON text. */
  rfc3161Timestamp?: string;
}

/**
 * The `.att` layer cosign writes for a signed DSSE envelope (see the module documentation).
 *
 * @example
 * ```ts
 * const layer = attestationLayer(envelope, predicateType, { certificate, chain });
 * ```
 */
export function attestationLayer(
  envelope: Uint8Array,
  predicateType: string,
  evidence: AttestationEvidence,
): SignatureLayer {
  const layer = newSignatureLayer(envelope, "", {
    certificate: evidence.certificate,
    chain: evidence.certificate ? [evidence.chain ?? ""] : undefined,
    bundle: evidence.rekorBundle,
    rfc3161Timestamp: evidence.rfc3161Timestamp,
    mediaType: DSSE_ENVELOPE_MEDIA_TYPE,
  });
  layer.annotations[PREDICATE_TYPE_LAYER_ANNOTATION] = predicateType;
  return layer;
}

/**
 * A legacy attestation layer as the core's stored signature: a bundle v0.1 JSON with the
 * layer's envelope and evidence, or a `problem` saying why the layer cannot be used.
 *
 * @example
 * ```ts
 * for (const s of await readSignatures(client, attRef)) yield attestationOfLayer(s, where);
 * ```
 */
export function attestationOfLayer(sig: StoredSignature, location: string): CoreStoredSignature {
  const out: CoreStoredSignature = {
    kind: "attestation",
    location,
    id: sig.descriptor.digest,
    annotations: { ...(sig.descriptor.annotations ?? {}) },
  };
  const legacy: LegacySignature = { signature: new Uint8Array(0) };
  if (sig.certificate) legacy.certificate = sig.certificate;
  if (sig.chain) legacy.chain = sig.chain;
  if (sig.bundle) legacy.rekorBundle = sig.bundle;
  if (sig.rfc3161Timestamp) legacy.rfc3161Timestamp = sig.rfc3161Timestamp;
  try {
    const env = parseEnvelope(sig.payload, `in attestation layer ${sig.descriptor.digest}`);
    out.bundle = legacySignatureBundleJson(legacy, new Uint8Array(32), {
      publicKey: true,
      envelope: env,
    });
    // cosign timestamps an attestation's envelope JSON (the layer), not its signature.
    if (sig.rfc3161Timestamp) out.timestamped = sig.payload;
  } catch (e) {
    out.problem = (e as Error).message;
  }
  return out;
}

/**
 * Checks a verified attestation payload of the image `digest` (cosign's
 * IntotoSubjectClaimVerifier): an in-toto statement one of whose subjects carries the digest.
 * Any predicate type is accepted here (verify-attestation filters by `--type`). Throws
 * CosignError("VERIFY", check "claims" or "digest").
 *
 * @example
 * ```ts
 * checkAttestationClaims(verified.payload!, "sha256:…");
 * ```
 */
export function checkAttestationClaims(payload: Uint8Array, digest: string): void {
  const statement = parseStatement(payload, "the attestation", { code: "VERIFY" });
  const [alg, hex] = digest.split(":");
  checkStatement(statement, { digests: { [alg]: hex } });
}
