/**
 * What a Rekor entry's canonicalized body logs, for every kind this plugin reads: Rekor v1
 * hashedrekord 0.0.1, dsse 0.0.1 and intoto 0.0.2 (cosign's `--rekor-entry-type intoto`, its
 * signatures base64 twice), Rekor v2 hashedrekord and dsse 0.0.2. One reader for verification
 * (verify_entry.ts), for the check that a log recorded what was submitted (entry_check.ts) and
 * for the lookup by signature (rekor_search.ts).
 *
 * @example
 * ```ts
 * const logged = readEntryBody(JSON.parse(text), "hashedrekord", "0.0.1");
 * logged.signatures[0].signature; // the signature bytes
 * logged.digest; // { algorithm: "sha256", value } (dsse, intoto: the payload's SHA-256)
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { TlogEntry } from "../../core/plugin.ts";
import { base64Decode, base64Encode, pemToDer as pemDer, tryFromHex } from "../../core/encoding.ts";

/** One logged signature and the key or certificate that verifies it (DER). */
export interface LoggedSignature {
  /** The signature bytes. */
  signature: Uint8Array;
  /** DER of the certificate or SPKI the body names for it. */
  keyDer: Uint8Array;
}

/** What an entry body logs. */
export interface EntryBody {
  /** "message" (hashedrekord) or "dsse" (dsse, intoto). */
  content: "message" | "dsse";
  /** The logged signatures (hashedrekord: one). */
  signatures: LoggedSignature[];
  /** hashedrekord: the artifact's digest; dsse and intoto: the SHA-256 of the payload. */
  digest: { algorithm: "sha256" | "sha384" | "sha512"; value: Uint8Array };
  /** intoto: the envelope's payload type. */
  payloadType?: string;
}

/** Options for {@link readEntryBody}. */
export interface ReadEntryBodyOptions {
  /** dsse and intoto: require exactly one signature ("signature count mismatch"). */
  oneSignature?: boolean;
}

/**
 * Throws CosignError("VERIFY", check "tlog-entry") `Cannot verify <check>: <what>`, the error of
 * every failed entry check.
 */
export function failEntry(check: string, what: string, hint?: string): never {
  throw new CosignError("VERIFY", `Cannot verify ${check}: ${what}`, {
    check: "tlog-entry",
    hint: hint ??
      "The transparency log entry in the bundle does not match; obtain the bundle again.",
  });
}

const fail = (what: string): never => failEntry("tlog entry body", what);
const dec = new TextDecoder();

function b64(s: unknown, what: string): Uint8Array {
  if (typeof s !== "string") return fail(`${what} is missing`);
  try {
    return base64Decode(s);
  } catch {
    return fail(`${what} is not base64`);
  }
}

function hexBytes(s: unknown, what: string): Uint8Array {
  const bytes = typeof s === "string" ? tryFromHex(s) : undefined;
  return bytes ?? fail(`${what} is not hex`);
}

/** Decodes a base64 PEM as Rekor v1 stores keys (sometimes base64 twice, for intoto). */
function keyFromBase64Pem(value: unknown, what: string): Uint8Array {
  let text = dec.decode(b64(value, what));
  if (!text.includes("-----BEGIN")) text = dec.decode(b64(text.trim(), what));
  try {
    return pemDer(text);
  } catch {
    return fail(`${what} is not a PEM key or certificate`);
  }
}

// deno-lint-ignore no-explicit-any
type Json = any;

const V2_HASHES: Record<string, "sha256" | "sha384" | "sha512"> = {
  SHA2_256: "sha256",
  SHA2_384: "sha384",
  SHA2_512: "sha512",
};

const KNOWN = new Set([
  "hashedrekord 0.0.1",
  "hashedrekord 0.0.2",
  "dsse 0.0.1",
  "dsse 0.0.2",
  "intoto 0.0.2",
]);

/** True for the kinds and versions {@link readEntryBody} reads. */
export function isKnownEntryKind(kind: string, version: string): boolean {
  return KNOWN.has(`${kind} ${version}`);
}

function signatureList(sigs: unknown, options: ReadEntryBodyOptions): Json[] {
  if (!Array.isArray(sigs) || (options.oneSignature && sigs.length !== 1)) {
    return fail("signature count mismatch");
  }
  return sigs;
}

/** Rekor v2's verifier: a certificate's or a public key's raw bytes. */
function verifierDer(v: Json): Uint8Array {
  return v?.x509Certificate?.rawBytes !== undefined
    ? b64(v.x509Certificate.rawBytes, "verifier.x509Certificate")
    : b64(v?.publicKey?.rawBytes, "verifier.publicKey");
}

/**
 * Reads the body (its parsed JSON) of an entry of `kind` and `version` (see the module
 * documentation). Throws CosignError("VERIFY", check "tlog-entry") `Cannot verify tlog entry
 * body: …` naming what is missing or malformed, or an unsupported kind.
 */
export function readEntryBody(
  body: Json,
  kind: string,
  version: string,
  options: ReadEntryBodyOptions = {},
): EntryBody {
  const spec = body?.spec;
  if (typeof spec !== "object" || spec === null) fail("it has no spec");
  switch (`${kind} ${version}`) {
    case "hashedrekord 0.0.1": {
      const signature = b64(spec.signature?.content, "signature.content");
      const keyDer = keyFromBase64Pem(spec.signature?.publicKey?.content, "publicKey");
      const algorithm = spec.data?.hash?.algorithm;
      if (algorithm !== "sha256" && algorithm !== "sha384" && algorithm !== "sha512") {
        return fail(`unsupported digest algorithm ${JSON.stringify(algorithm)}`);
      }
      const value = hexBytes(spec.data.hash.value, "data.hash.value");
      return {
        content: "message",
        signatures: [{ signature, keyDer }],
        digest: { algorithm, value },
      };
    }
    case "hashedrekord 0.0.2": {
      const s = spec.hashedRekordV002;
      if (!s) fail("hashedRekordV002 spec missing");
      const signature = b64(s.signature?.content, "signature.content");
      const keyDer = verifierDer(s.signature?.verifier);
      const algorithm = V2_HASHES[s.data?.algorithm as string];
      if (!algorithm) {
        fail(`unsupported digest algorithm ${JSON.stringify(s.data?.algorithm)}`);
      }
      const value = b64(s.data.digest, "data.digest");
      return {
        content: "message",
        signatures: [{ signature, keyDer }],
        digest: { algorithm, value },
      };
    }
    case "dsse 0.0.1": {
      const signatures = signatureList(spec.signatures, options).map((s) => ({
        signature: b64(s?.signature, "signature"),
        keyDer: keyFromBase64Pem(s?.verifier, "verifier"),
      }));
      if (spec.payloadHash?.algorithm !== "sha256") fail("payload hash is not sha256");
      const value = hexBytes(spec.payloadHash.value, "payloadHash");
      return { content: "dsse", signatures, digest: { algorithm: "sha256", value } };
    }
    case "dsse 0.0.2": {
      const s = spec.dsseV002;
      if (!s) fail("dsseV002 spec missing");
      const signatures = signatureList(s.signatures, options).map((x) => ({
        signature: b64(x?.content, "signature"),
        keyDer: verifierDer(x?.verifier),
      }));
      if (s.payloadHash?.algorithm !== "SHA2_256") fail("payload hash is not SHA2_256");
      const value = b64(s.payloadHash.digest, "payloadHash.digest");
      return { content: "dsse", signatures, digest: { algorithm: "sha256", value } };
    }
    case "intoto 0.0.2": {
      const env = spec.content?.envelope;
      const signatures = signatureList(env?.signatures, options).map((x) => ({
        // The envelope's base64 signature text, base64-encoded again.
        signature: b64(dec.decode(b64(x?.sig, "sig")).trim(), "sig"),
        keyDer: keyFromBase64Pem(x?.publicKey, "publicKey"),
      }));
      if (spec.content?.payloadHash?.algorithm !== "sha256") fail("payload hash is not sha256");
      const value = hexBytes(spec.content.payloadHash.value, "payloadHash");
      return {
        content: "dsse",
        signatures,
        digest: { algorithm: "sha256", value },
        payloadType: env.payloadType,
      };
    }
  }
  return fail(`unsupported entry kind ${kind} ${version}`);
}

/**
 * The signatures (base64) an entry's body logs, for any kind {@link readEntryBody} reads; empty
 * when the body cannot be read.
 *
 * @example
 * ```ts
 * loggedSignatures(entry).includes(base64Encode(signature));
 * ```
 */
export function loggedSignatures(entry: TlogEntry): string[] {
  try {
    const body = JSON.parse(dec.decode(base64Decode(String(entry.canonicalizedBody))));
    const kv = entry.kindVersion as { kind?: string; version?: string } | undefined;
    return readEntryBody(body, String(kv?.kind), String(kv?.version)).signatures
      .map((x) => base64Encode(x.signature));
  } catch {
    return [];
  }
}
