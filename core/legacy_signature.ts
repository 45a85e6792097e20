/**
 * cosign's legacy signature form ({@link LegacySignature}: a signature, maybe a certificate and
 * chain, cosign's Rekor bundle and RFC 3161 annotation) and its Sigstore equivalents, both ways:
 *
 * - a log entry (`TransparencyLogEntry` JSON) as cosign's Rekor bundle
 *   (`{"SignedEntryTimestamp","Payload":{"body","integratedTime","logIndex","logID"}}`), and back;
 * - a legacy signature as the equivalent Sigstore bundle v0.1 JSON (message signature over the
 *   signed bytes), which the Sigstore verification engine checks (certificate chain, SCTs,
 *   identity, log entry, timestamps);
 * - cosign's legacy blob bundle file (`LocalSignedPayload`) for a legacy signature, and back.
 *
 * @example
 * ```ts
 * const text = rekorBundleText(legacyRekorBundleOf(entry)!);
 * const entry2 = tlogEntryFromRekorBundle(text); // the same entry (without proofs)
 * ```
 * @module
 */
import { base64, hex } from "@scure/base";
import { CosignError } from "./errors.ts";
import { pemCertificates } from "./fulcio.ts";
import { type Envelope, envelopeBundleField } from "./dsse.ts";
import {
  type LegacyBundle,
  type LegacyRekorBundle,
  serializeLegacyBundle,
} from "./legacy_bundle.ts";
import type { LegacySignature, SignatureKind, StoredSignature, TlogEntry } from "./plugin.ts";

/**
 * cosign's Rekor bundle for an entry with an inclusion promise (Rekor v1); undefined for
 * entries without one (Rekor v2 gives no signed entry timestamp).
 *
 * @example
 * ```ts
 * const legacy = legacyRekorBundleOf(entry); // undefined for a Rekor v2 entry
 * ```
 */
export function legacyRekorBundleOf(entry: TlogEntry): LegacyRekorBundle | undefined {
  const e = entry as {
    inclusionPromise?: { signedEntryTimestamp?: string };
    canonicalizedBody?: string;
    integratedTime?: string;
    logIndex?: string;
    logId?: { keyId?: string };
  };
  const set = e.inclusionPromise?.signedEntryTimestamp;
  if (!set || !e.canonicalizedBody || !e.logId?.keyId) return undefined;
  return {
    SignedEntryTimestamp: set,
    Payload: {
      body: e.canonicalizedBody,
      integratedTime: Number(e.integratedTime),
      logIndex: Number(e.logIndex),
      logID: hex.encode(base64.decode(e.logId.keyId)),
    },
  };
}

/**
 * The JSON text of a Rekor bundle as cosign's `json.Marshal(bundle.RekorBundle)` writes it (its
 * strings are base64/hex, so Go's HTML escaping never applies).
 *
 * @example
 * ```ts
 * layerAnnotations["dev.sigstore.cosign/bundle"] = rekorBundleText(b);
 * ```
 */
export function rekorBundleText(b: LegacyRekorBundle): string {
  return JSON.stringify({
    SignedEntryTimestamp: b.SignedEntryTimestamp,
    Payload: {
      body: b.Payload.body,
      integratedTime: b.Payload.integratedTime,
      logIndex: b.Payload.logIndex,
      logID: b.Payload.logID,
    },
  });
}

function bad(what: string): never {
  throw new CosignError("VERIFY", `the Rekor bundle is malformed: ${what}`, {
    check: "tlog-entry",
  });
}

/**
 * The Sigstore `TransparencyLogEntry` JSON equivalent of cosign's Rekor bundle JSON text (an
 * inclusion promise, no proof). Throws CosignError("VERIFY", check "tlog-entry") when it is
 * malformed.
 *
 * @example
 * ```ts
 * const entry = tlogEntryFromRekorBundle(legacy.rekorBundle!);
 * ```
 */
export function tlogEntryFromRekorBundle(text: string): TlogEntry {
  let b: Record<string, unknown>;
  try {
    b = JSON.parse(text);
  } catch {
    return bad("not JSON");
  }
  const p = b?.Payload as Record<string, unknown> | undefined;
  if (!p || typeof p !== "object") bad("Payload is missing");
  const str = (v: unknown, what: string): string => {
    if (typeof v !== "string") bad(`${what} is missing`);
    try {
      base64.decode(v as string);
    } catch {
      bad(`${what} is not base64`);
    }
    return v as string;
  };
  const body = str(p!.body, "Payload.body");
  let parsed: { kind?: unknown; apiVersion?: unknown };
  try {
    parsed = JSON.parse(new TextDecoder().decode(base64.decode(body)));
  } catch {
    return bad("Payload.body is not JSON");
  }
  const logID = p!.logID;
  if (typeof logID !== "string" || !/^([0-9a-f]{2})+$/i.test(logID)) {
    bad("Payload.logID is not hex");
  }
  const int = (v: unknown, what: string): string => {
    if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return String(v);
    return bad(`${what} is not an integer`);
  };
  return {
    logIndex: int(p!.logIndex, "Payload.logIndex"),
    logId: { keyId: base64.encode(hex.decode((logID as string).toLowerCase())) },
    kindVersion: { kind: String(parsed.kind ?? ""), version: String(parsed.apiVersion ?? "") },
    integratedTime: int(p!.integratedTime, "Payload.integratedTime"),
    inclusionPromise: {
      signedEntryTimestamp: str(b.SignedEntryTimestamp, "SignedEntryTimestamp"),
    },
    canonicalizedBody: body,
  };
}

/**
 * The Sigstore bundle v0.1 JSON equivalent to a certificate-bearing legacy signature whose
 * signed bytes have SHA-256 `sha256`: certificate and chain, the Rekor bundle as a log entry,
 * the RFC 3161 timestamp; without a certificate and with `publicKey`, a key-signed bundle (the
 * verifier supplies the key). With `envelope` (an attestation: cosign's `.att` layer or legacy
 * attestation bundle, whose payload is this DSSE envelope), the bundle holds the envelope instead
 * of a message signature. Throws CosignError("VERIFY") when the signature has no certificate
 * and no key is allowed (check "certificate-chain"), or malformed fields.
 *
 * @example
 * ```ts
 * const json = legacySignatureBundleJson(sig.legacy!, await sha256(sig.legacy!.payload!));
 * ```
 */
export function legacySignatureBundleJson(
  legacy: LegacySignature,
  sha256: Uint8Array,
  options: { publicKey?: boolean; envelope?: Envelope } = {},
): Record<string, unknown> {
  const certs = legacy.certificate ? pemCertificates(legacy.certificate) : [];
  if (certs.length === 0 && !(options.publicKey && !legacy.certificate)) {
    throw new CosignError(
      "VERIFY",
      legacy.certificate
        ? "the signature's certificate annotation holds no PEM certificate"
        : "the signature has no certificate (it was signed with a key: verify with --key)",
      { check: "certificate-chain" },
    );
  }
  const leaf = certs.length ? base64.encode(certs[0]) : undefined;
  const chain = (legacy.chain ? pemCertificates(legacy.chain) : []).map((c) => base64.encode(c));
  const tlogEntries = legacy.rekorBundle ? [tlogEntryFromRekorBundle(legacy.rekorBundle)] : [];
  const rfc3161Timestamps = [];
  if (legacy.rfc3161Timestamp) {
    let t: { SignedRFC3161Timestamp?: unknown };
    try {
      t = JSON.parse(legacy.rfc3161Timestamp);
    } catch {
      throw new CosignError(
        "VERIFY",
        "the signature's RFC 3161 timestamp annotation is not JSON",
        { check: "timestamp" },
      );
    }
    if (typeof t?.SignedRFC3161Timestamp !== "string") {
      throw new CosignError(
        "VERIFY",
        "the signature's RFC 3161 timestamp annotation is malformed",
        { check: "timestamp" },
      );
    }
    rfc3161Timestamps.push({ signedTimestamp: t.SignedRFC3161Timestamp });
  }
  return {
    mediaType: "application/vnd.dev.sigstore.bundle+json;version=0.1",
    verificationMaterial: {
      ...(leaf
        ? {
          x509CertificateChain: {
            certificates: [leaf, ...chain.filter((c) => c !== leaf)].map((c) => ({
              rawBytes: c,
            })),
          },
        }
        : { publicKey: { hint: "" } }),
      tlogEntries,
      ...(rfc3161Timestamps.length ? { timestampVerificationData: { rfc3161Timestamps } } : {}),
    },
    ...(options.envelope ? { dsseEnvelope: envelopeBundleField(options.envelope) } : {
      messageSignature: {
        messageDigest: { algorithm: "SHA2_256", digest: base64.encode(sha256) },
        signature: base64.encode(legacy.signature),
      },
    }),
  };
}

/**
 * cosign's legacy blob bundle JSON text (`LocalSignedPayload`) for a content-signed legacy
 * signature: base64 signature, base64 of the certificate PEM, the Rekor bundle. Throws
 * CosignError("VERIFY") for a malformed Rekor bundle text.
 *
 * @example
 * ```ts
 * await writeFileAtomic("release.bundle", legacyBlobBundleText(stored.legacy!));
 * ```
 */
export function legacyBlobBundleText(legacy: LegacySignature): string {
  let rekorBundle: LegacyRekorBundle | undefined;
  if (legacy.rekorBundle) {
    try {
      rekorBundle = JSON.parse(legacy.rekorBundle);
    } catch {
      bad("not JSON");
    }
  }
  const b: LegacyBundle = {
    base64Signature: base64.encode(legacy.signature),
    cert: legacy.certificate
      ? base64.encode(new TextEncoder().encode(legacy.certificate))
      : undefined,
    rekorBundle,
  };
  return serializeLegacyBundle(b);
}

/**
 * The legacy signature of a parsed cosign legacy blob bundle (certificate as PEM, Rekor bundle
 * as JSON text). Throws CosignError("INVALID_INPUT") when `cert` is neither PEM nor base64 PEM.
 *
 * @example
 * ```ts
 * const legacy = legacySignatureOfBundle(parseLegacyBundle(text, "release.bundle"), "release.bundle");
 * ```
 */
export function legacySignatureOfBundle(b: LegacyBundle, source: string): LegacySignature {
  let certificate: string | undefined;
  if (b.cert) {
    certificate = b.cert;
    if (!certificate.includes("-----BEGIN")) {
      try {
        certificate = new TextDecoder().decode(base64.decode(certificate));
      } catch {
        certificate = undefined;
      }
    }
    if (!certificate || pemCertificates(certificate).length === 0) {
      throw new CosignError("INVALID_INPUT", `Cannot read bundle ${source}: "cert" is not PEM`);
    }
  }
  return {
    signature: base64.decode(b.base64Signature),
    certificate,
    rekorBundle: b.rekorBundle ? rekorBundleText(b.rekorBundle) : undefined,
  };
}

/**
 * The stored signature in a bundle file's JSON: cosign's legacy blob bundle (legacy form) or a
 * Sigstore bundle (kept as its JSON value). Throws CosignError("INVALID_INPUT") for anything
 * else, and the legacy parser's errors.
 *
 * @example
 * ```ts
 * const s = await storedSignatureFromBundleJSON(JSON.parse(text), "release.bundle");
 * ```
 */
export async function storedSignatureFromBundleJSON(
  value: unknown,
  location: string,
  kind: SignatureKind = "signature",
): Promise<StoredSignature> {
  const source = `"${location}"`;
  const { isLegacyBundleJSON, legacyBundleFromJSON } = await import("./legacy_bundle.ts");
  if (isLegacyBundleJSON(value)) {
    return {
      kind,
      location,
      legacy: legacySignatureOfBundle(legacyBundleFromJSON(value, source), source),
    };
  }
  if (typeof value === "object" && value !== null && "mediaType" in value) {
    const { checkBundleJSONValue } = await import("./bundle.ts");
    await checkBundleJSONValue(value, source); // refuse a malformed bundle here, with its reason
    return { kind, location, bundle: value };
  }
  throw new CosignError(
    "INVALID_INPUT",
    `Cannot read bundle ${source}: it is neither a Sigstore bundle (no "mediaType") nor a cosign bundle (no "base64Signature")`,
    { hint: "Pass the file that sign-blob --bundle wrote." },
  );
}
