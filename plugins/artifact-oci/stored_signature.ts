/**
 * A signature as read back from a signature image: the layer's payload plus what its
 * annotations carry (base64 signature, certificate, chain, Rekor bundle, RFC 3161 timestamp),
 * and cosign's `download signature` JSON line for it.
 *
 * @example
 * ```ts
 * const sig = storedSignature(descriptor, payloadBytes);
 * console.log(signedPayloadJson(sig)); // {"Base64Signature":"…","Payload":"…","Cert":null,…}
 * ```
 * @module
 */
import { base64 } from "@scure/base";
import { CosignError } from "../../core/errors.ts";
import { goJson } from "../../core/go_json.ts";
import {
  BUNDLE_ANNOTATION,
  CERTIFICATE_ANNOTATION,
  CHAIN_ANNOTATION,
  type Descriptor,
  RFC3161_ANNOTATION,
  SIGNATURE_ANNOTATION,
} from "./layout.ts";
import { base64Decode } from "../../core/encoding.ts";

/** One stored signature. */
export interface StoredSignature {
  /** The layer descriptor (digest, media type, annotations). */
  descriptor: Descriptor;
  /** The payload bytes (digest already checked against the descriptor). */
  payload: Uint8Array;
  /** The `dev.cosignproject.cosign/signature` annotation, or undefined when missing. */
  base64Signature?: string;
  /** PEM certificate annotation, when present. */
  certificate?: string;
  /** PEM chain annotation, when present. */
  chain?: string;
  /** Rekor bundle JSON annotation, when present. */
  bundle?: string;
  /** RFC 3161 timestamp JSON annotation, when present. */
  rfc3161Timestamp?: string;
}

/**
 * Builds a {@link StoredSignature} from a layer descriptor and its content.
 *
 * @example
 * ```ts
 * const s = storedSignature(manifest.layers[0], bytes);
 * ```
 */
export function storedSignature(descriptor: Descriptor, payload: Uint8Array): StoredSignature {
  const a = descriptor.annotations ?? {};
  const s: StoredSignature = { descriptor, payload };
  if (SIGNATURE_ANNOTATION in a) s.base64Signature = a[SIGNATURE_ANNOTATION];
  if (a[CERTIFICATE_ANNOTATION]) s.certificate = a[CERTIFICATE_ANNOTATION];
  if (a[CHAIN_ANNOTATION]) s.chain = a[CHAIN_ANNOTATION];
  if (a[BUNDLE_ANNOTATION]) s.bundle = a[BUNDLE_ANNOTATION];
  if (a[RFC3161_ANNOTATION]) s.rfc3161Timestamp = a[RFC3161_ANNOTATION];
  return s;
}

/**
 * The raw signature bytes. Throws CosignError("VERIFY") when the annotation is missing or is
 * not base64 (cosign: `signature layer … is missing "dev.cosignproject.cosign/signature"
 * annotation`).
 *
 * @example
 * ```ts
 * const raw = signatureBytes(sig);
 * ```
 */
export function signatureBytes(sig: StoredSignature): Uint8Array {
  const b64 = sig.base64Signature;
  if (b64 === undefined) {
    throw new CosignError(
      "VERIFY",
      `signature layer ${sig.descriptor.digest} is missing "${SIGNATURE_ANNOTATION}" annotation`,
    );
  }
  const clean = b64.replace(/[\r\n]/g, "");
  if (clean === "" || !/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) {
    throw new CosignError(
      "VERIFY",
      `signature layer ${sig.descriptor.digest} has a signature annotation that is not base64`,
    );
  }
  return base64Decode(clean);
}

function pemBlocksDer(pem: string): string[] {
  const out: string[] = [];
  const re = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
  for (const m of pem.matchAll(re)) out.push(m[1].replace(/\s+/g, ""));
  return out;
}

/** Re-encodes a Rekor bundle annotation as Go marshals cosign's `bundle.RekorBundle`. */
function rekorBundleObject(text: string): unknown {
  let b: Record<string, unknown>;
  try {
    b = JSON.parse(text);
  } catch {
    return null;
  }
  return goRekorBundle(b);
}

/**
 * A parsed Rekor bundle annotation as Go marshals cosign's `bundle.RekorBundle`: its
 * `SignedEntryTimestamp` and `Payload` fields in Go's order, missing ones as Go's zero values.
 *
 * @example
 * ```ts
 * const out = goRekorBundle(JSON.parse(sig.bundle!)); // { SignedEntryTimestamp, Payload }
 * ```
 */
export function goRekorBundle(b: Record<string, unknown>): {
  SignedEntryTimestamp: unknown;
  Payload: { body: unknown; integratedTime: unknown; logIndex: unknown; logID: unknown };
} {
  const p = (b?.Payload ?? {}) as Record<string, unknown>;
  return {
    SignedEntryTimestamp: b.SignedEntryTimestamp ?? null,
    Payload: {
      body: p.body ?? null,
      integratedTime: p.integratedTime ?? 0,
      logIndex: p.logIndex ?? 0,
      logID: p.logID ?? "",
    },
  };
}

/**
 * cosign's `download signature` line for a signature: Go's json.Marshal of
 * `cosign.SignedPayload` (`Base64Signature`, `Payload` as base64, `Cert`, `Chain`, `Bundle`,
 * `RFC3161Timestamp`), without the trailing newline. Certificates are given as `{"Raw": DER
 * base64}` (cosign writes Go's whole x509.Certificate struct, whose other fields no other
 * tool reads).
 *
 * @example
 * ```ts
 * await io.out(signedPayloadJson(sig) + "\n");
 * ```
 */
export function signedPayloadJson(sig: StoredSignature): string {
  const certs = sig.certificate ? pemBlocksDer(sig.certificate) : [];
  const chain = sig.chain ? pemBlocksDer(sig.chain) : [];
  let ts: unknown = null;
  if (sig.rfc3161Timestamp) {
    try {
      ts = JSON.parse(sig.rfc3161Timestamp);
    } catch {
      ts = null;
    }
  }
  return goJson({
    Base64Signature: sig.base64Signature ?? "",
    Payload: base64.encode(sig.payload),
    Cert: certs.length ? { Raw: certs[0] } : null,
    Chain: sig.chain ? chain.map((c) => ({ Raw: c })) : null,
    Bundle: sig.bundle ? rekorBundleObject(sig.bundle) : null,
    RFC3161Timestamp: ts,
  });
}
