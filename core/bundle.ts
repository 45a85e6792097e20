/**
 * Sigstore bundles (protobuf-specs `Bundle`, JSON form): building the v0.3 message-signature
 * bundle `cosign sign-blob --new-bundle-format` writes, and parsing v0.1, v0.2 and v0.3 bundles
 * (media types `application/vnd.dev.sigstore.bundle+json;version=0.x` and
 * `application/vnd.dev.sigstore.bundle.v0.3+json`) with clear errors for anything else.
 *
 * The JSON mapping and structural validation come from `@sigstore/bundle` (loaded lazily). This
 * module adds what that library leaves out: a closed list of versions, strict base64 for the
 * fields that are verified, and cosign's public-key hint. Certificate, transparency-log and
 * timestamp verification live elsewhere and build on {@link ParsedBundle}.
 *
 * @example
 * ```ts
 * const bundle = buildMessageSignatureBundle({
 *   digest: { algorithm: "sha256", value: digest },
 *   signature,
 *   publicKeyHint: await publicKeyHint(spki),
 * });
 * await writeFile("blob.sigstore.json", await serializeBundle(bundle));
 * const parsed = await parseBundle(await readFile("blob.sigstore.json"), '"blob.sigstore.json"');
 * ```
 * @module
 */
import { base64 } from "@scure/base";
import type { Bundle, TransparencyLogEntry, VerificationMaterial } from "@sigstore/bundle";
import { CosignError, describeError } from "./errors.ts";
import type { HashAlgorithm } from "./plugin.ts";
import { isBase64 } from "./legacy_bundle.ts";
import { rejectDuplicateKeys } from "./strict_json.ts";
import { withFastUint8ArrayCopies } from "./fast_copy.ts";
import { lazyModule } from "./lazy_module.ts";

export type { Bundle, TransparencyLogEntry } from "@sigstore/bundle";

/** The v0.3 media type cosign writes. */
export const BUNDLE_V03_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json";

/** Every media type this build reads, with its version. */
export const BUNDLE_MEDIA_TYPES: Readonly<Record<string, BundleVersion>> = {
  "application/vnd.dev.sigstore.bundle+json;version=0.1": "0.1",
  "application/vnd.dev.sigstore.bundle+json;version=0.2": "0.2",
  "application/vnd.dev.sigstore.bundle+json;version=0.3": "0.3",
  "application/vnd.dev.sigstore.bundle.v0.3+json": "0.3",
};

/** Bundle format versions this build reads. */
export type BundleVersion = "0.1" | "0.2" | "0.3";

/** A parsed, structurally valid bundle. */
export interface ParsedBundle {
  /** Its format version. */
  version: BundleVersion;
  /** The bundle (protobuf-specs shape: `Uint8Array`s for bytes, `$case` for one-ofs). */
  bundle: Bundle;
}

/** A message digest as stored in a bundle. */
export interface BundleDigest {
  /** The hash. */
  algorithm: HashAlgorithm;
  /** Raw digest bytes. */
  value: Uint8Array;
}

/** What goes into a message-signature bundle. */
export interface MessageSignatureBundleOptions {
  /** Digest of the signed content. */
  digest: BundleDigest;
  /** The signature over the content. */
  signature: Uint8Array;
  /** Key-signed: the public-key hint (see {@link publicKeyHint}). */
  publicKeyHint?: string;
  /** Certificate-signed: the leaf certificate, DER. Takes precedence over the hint. */
  certificate?: Uint8Array;
  /** Transparency log entries (protobuf-specs shape). */
  tlogEntries?: TransparencyLogEntry[];
  /** RFC 3161 signed timestamps, DER. */
  rfc3161Timestamps?: Uint8Array[];
}

// protobuf-specs HashAlgorithm enum values.
const HASH_ENUM: Record<HashAlgorithm, number> = { sha256: 1, sha384: 2, sha512: 3 };
const HASH_JSON: Record<HashAlgorithm, string> = {
  sha256: "SHA2_256",
  sha384: "SHA2_384",
  sha512: "SHA2_512",
};
const HASH_LENGTH: Record<HashAlgorithm, number> = { sha256: 32, sha384: 48, sha512: 64 };

function hashFromEnum(n: number): HashAlgorithm | undefined {
  return (Object.keys(HASH_ENUM) as HashAlgorithm[]).find((k) => HASH_ENUM[k] === n);
}

/**
 * cosign's public-key hint: base64 (standard) of the SHA-256 of the DER SubjectPublicKeyInfo.
 *
 * @example
 * ```ts
 * const hint = await publicKeyHint((await signer.publicKey()).spki);
 * ```
 */
export async function publicKeyHint(spki: Uint8Array): Promise<string> {
  const h = await crypto.subtle.digest("SHA-256", spki as Uint8Array<ArrayBuffer>);
  return base64.encode(new Uint8Array(h));
}

/**
 * Builds a v0.3 bundle holding a message signature. Throws CosignError("INVALID_INPUT") when
 * neither a certificate nor a hint is given, or the digest length does not fit its algorithm.
 */
export function buildMessageSignatureBundle(opts: MessageSignatureBundleOptions): Bundle {
  if (opts.digest.value.length !== HASH_LENGTH[opts.digest.algorithm]) {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot build a bundle: a ${opts.digest.algorithm} digest has ${
        HASH_LENGTH[opts.digest.algorithm]
      } bytes, not ${opts.digest.value.length}`,
    );
  }
  let content: VerificationMaterial["content"];
  if (opts.certificate) {
    content = { $case: "certificate", certificate: { rawBytes: toBuffer(opts.certificate) } };
  } else if (opts.publicKeyHint !== undefined) {
    content = { $case: "publicKey", publicKey: { hint: opts.publicKeyHint } };
  } else {
    throw new CosignError(
      "INVALID_INPUT",
      "Cannot build a bundle: it needs a certificate or a public-key hint",
    );
  }
  return {
    mediaType: BUNDLE_V03_MEDIA_TYPE,
    verificationMaterial: {
      content,
      tlogEntries: opts.tlogEntries ?? [],
      timestampVerificationData: opts.rfc3161Timestamps?.length
        ? {
          rfc3161Timestamps: opts.rfc3161Timestamps.map((t) => ({
            signedTimestamp: toBuffer(t),
          })),
        }
        : undefined,
    },
    content: {
      $case: "messageSignature",
      messageSignature: {
        messageDigest: {
          algorithm: HASH_ENUM[opts.digest.algorithm],
          digest: toBuffer(opts.digest.value),
        },
        signature: toBuffer(opts.signature),
      },
    },
  };
}

// protobuf-specs types bytes as Node's Buffer; it only reads them as Uint8Array.
// deno-lint-ignore no-explicit-any
function toBuffer(b: Uint8Array): any {
  return b;
}

/**
 * The JSON text of a bundle, in protobuf JSON form (lowerCamelCase, base64 bytes, empty fields
 * omitted), as cosign writes it: compact, no trailing newline.
 */
export async function serializeBundle(bundle: Bundle): Promise<string> {
  const { bundleToJSON } = await import("@sigstore/bundle");
  return JSON.stringify(bundleToJSON(bundle));
}

function invalid(source: string, what: string, hint?: string): CosignError {
  return new CosignError("INVALID_INPUT", `Cannot read bundle ${source}: ${what}`, {
    hint: hint ?? "A Sigstore bundle is JSON with a mediaType, verificationMaterial and a " +
        "messageSignature or dsseEnvelope.",
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** True when parsed JSON looks like a Sigstore bundle (has a string `mediaType`). */
export function isSigstoreBundleJSON(value: unknown): boolean {
  return isObject(value) && typeof value.mediaType === "string";
}

/**
 * The version a bundle media type names. Throws CosignError("UNSUPPORTED") for a well-formed but
 * unknown version and CosignError("INVALID_INPUT") for anything that is not a bundle media type.
 */
export function bundleVersion(mediaType: string, source = "(input)"): BundleVersion {
  const v = BUNDLE_MEDIA_TYPES[mediaType];
  if (v) return v;
  const m = /^application\/vnd\.dev\.sigstore\.bundle(?:\+json;version=|\.v)(\d+\.\d+)(?:\+json)?$/
    .exec(mediaType);
  if (m) {
    throw new CosignError(
      "UNSUPPORTED",
      `Cannot read bundle ${source}: bundle version ${m[1]} is not supported`,
      { hint: "This build reads Sigstore bundles v0.1, v0.2 and v0.3." },
    );
  }
  throw invalid(source, `"${mediaType.slice(0, 100)}" is not a Sigstore bundle media type`);
}

function checkBase64(value: unknown, path: string, source: string): void {
  if (value === undefined || value === null) return;
  if (typeof value !== "string") throw invalid(source, `"${path}" is not a string`);
  // protobuf JSON also allows URL-safe base64 and missing padding.
  const std = value.replace(/-/g, "+").replace(/_/g, "/");
  const padded = std + "=".repeat((4 - (std.length % 4)) % 4);
  if (!isBase64(padded)) throw invalid(source, `"${path}" is not valid base64`);
}

/**
 * Checks parsed JSON and returns the bundle with its version. Throws CosignError("INVALID_INPUT")
 * for missing or malformed fields (as `@sigstore/bundle`'s validators see them, plus strict base64
 * for signatures, digests, keys and certificates) and CosignError("UNSUPPORTED") for an unknown
 * version.
 */
export async function bundleFromJSONValue(
  value: unknown,
  source = "(input)",
): Promise<ParsedBundle> {
  if (isObject(value)) {
    // Checked just before by checkBundleJSONValue (reading a --bundle file), unchanged since:
    // its parse is taken once instead of parsing the same JSON a second time.
    const seen = checkedBundles.get(value);
    if (seen) {
      checkedBundles.delete(value);
      if (seen.text === JSON.stringify(value)) return seen.parsed;
    }
  }
  return await parseBundleValue(value, source);
}

/**
 * Parses of bundle JSON values checked by {@link checkBundleJSONValue} and not yet taken by
 * {@link bundleFromJSONValue}, with the JSON text they were parsed from (a value changed since
 * is parsed again).
 */
const checkedBundles = new WeakMap<object, { text: string; parsed: ParsedBundle }>();

/**
 * Checks bundle JSON as {@link bundleFromJSONValue} does (same errors) without returning the
 * parse: the next `bundleFromJSONValue` of the same, unchanged value takes this parse instead of
 * repeating it (a bundle file is checked when read and verified later).
 *
 * @example
 * ```ts
 * await checkBundleJSONValue(value, '"app.sigstore.json"'); // throws for a malformed bundle
 * ```
 */
export async function checkBundleJSONValue(value: unknown, source = "(input)"): Promise<void> {
  const parsed = await parseBundleValue(value, source);
  checkedBundles.set(value as object, { text: JSON.stringify(value), parsed });
}

// Loaded on first use, then reused (core/lazy_module.ts).
const bundleLib = lazyModule(() => import("@sigstore/bundle"));

async function parseBundleValue(value: unknown, source: string): Promise<ParsedBundle> {
  if (!isObject(value)) throw invalid(source, "it is not a JSON object");
  if (typeof value.mediaType !== "string") {
    throw invalid(source, '"mediaType" is missing or not a string');
  }
  const version = bundleVersion(value.mediaType, source);
  const ms = value.messageSignature;
  if (ms !== undefined && ms !== null) {
    if (!isObject(ms)) throw invalid(source, '"messageSignature" is not an object');
    checkBase64(ms.signature, "messageSignature.signature", source);
    const md = ms.messageDigest;
    if (md !== undefined && md !== null) {
      if (!isObject(md)) throw invalid(source, '"messageSignature.messageDigest" is not an object');
      checkBase64(md.digest, "messageSignature.messageDigest.digest", source);
    }
  }
  const vm = value.verificationMaterial;
  if (isObject(vm)) {
    if (isObject(vm.certificate)) {
      checkBase64(vm.certificate.rawBytes, "verificationMaterial.certificate.rawBytes", source);
    }
    if (vm.tlogEntries !== undefined && !Array.isArray(vm.tlogEntries)) {
      throw invalid(source, '"verificationMaterial.tlogEntries" is not a list');
    }
  }
  const lib: typeof import("@sigstore/bundle") = await bundleLib();
  let bundle: Bundle;
  try {
    bundle = withFastUint8ArrayCopies(() => lib.bundleFromJSON(value));
  } catch (e) {
    const fields = (e as { fields?: string[] }).fields;
    throw invalid(
      source,
      fields?.length
        ? `invalid or missing ${fields.join(", ")} (for a v${version} bundle)`
        : `it is not a valid v${version} bundle (${describeError(e)})`,
    );
  }
  try {
    if (version === "0.1") lib.assertBundleV01(bundle);
    else if (version === "0.2") lib.assertBundleV02(bundle);
    else lib.assertBundleLatest(bundle);
  } catch (e) {
    const fields = (e as { fields?: string[] }).fields;
    throw invalid(
      source,
      fields?.length
        ? `invalid or missing ${fields.join(", ")} (for a v${version} bundle)`
        : describeError(e),
    );
  }
  return { version, bundle };
}

/**
 * Parses bundle JSON text or bytes. Errors as {@link bundleFromJSONValue}, plus
 * CosignError("INVALID_INPUT") for text that is not JSON.
 *
 * @example
 * ```ts
 * const { version, bundle } = await parseBundle(text, '"artifact.sigstore.json"');
 * ```
 */
export async function parseBundle(
  text: string | Uint8Array,
  source = "(input)",
): Promise<ParsedBundle> {
  const s = typeof text === "string" ? text : new TextDecoder().decode(text);
  let value: unknown;
  try {
    value = JSON.parse(s);
  } catch (e) {
    throw invalid(source, `it is not valid JSON (${(e as Error).message})`);
  }
  rejectDuplicateKeys(s, `bundle ${source}`);
  return await bundleFromJSONValue(value, source);
}

/** The message signature of a bundle and its digest. */
export interface BundleMessageSignature {
  /** The signature bytes. */
  signature: Uint8Array;
  /** The signed content's digest. */
  digest: BundleDigest;
}

/**
 * The message signature of a bundle. Throws CosignError("UNSUPPORTED") for a DSSE bundle (an
 * attestation) or a digest algorithm other than SHA-256/384/512, and CosignError("INVALID_INPUT")
 * when the digest length does not fit its algorithm.
 */
export function messageSignatureOf(bundle: Bundle, source = "(input)"): BundleMessageSignature {
  if (bundle.content.$case !== "messageSignature") {
    throw new CosignError(
      "UNSUPPORTED",
      `Cannot use bundle ${source}: it holds a DSSE envelope (an attestation), not a message signature`,
      { hint: "Verify attestations with verify-blob-attestation." },
    );
  }
  const ms = bundle.content.messageSignature;
  const algorithm = hashFromEnum(ms.messageDigest.algorithm);
  if (!algorithm) {
    throw new CosignError(
      "UNSUPPORTED",
      `Cannot use bundle ${source}: its message digest algorithm (${ms.messageDigest.algorithm}) is not supported`,
      { hint: "Supported: SHA2_256, SHA2_384, SHA2_512." },
    );
  }
  const value = new Uint8Array(ms.messageDigest.digest);
  if (value.length !== HASH_LENGTH[algorithm]) {
    throw invalid(source, `its ${HASH_JSON[algorithm]} digest has ${value.length} bytes`);
  }
  return { signature: new Uint8Array(ms.signature), digest: { algorithm, value } };
}

/** The public-key hint of a key-signed bundle, or undefined. */
export function bundlePublicKeyHint(bundle: Bundle): string | undefined {
  const c = bundle.verificationMaterial.content;
  return c.$case === "publicKey" ? c.publicKey.hint : undefined;
}

/** The signing certificates of a bundle (leaf first), DER; empty for a key-signed bundle. */
export function bundleCertificates(bundle: Bundle): Uint8Array[] {
  const c = bundle.verificationMaterial.content;
  if (c.$case === "certificate") return [new Uint8Array(c.certificate.rawBytes)];
  if (c.$case === "x509CertificateChain") {
    return c.x509CertificateChain.certificates.map((x) => new Uint8Array(x.rawBytes));
  }
  return [];
}

/** What {@link assembleBundleJSON} puts into a v0.3 bundle. */
export interface AssembleOptions {
  /** A message signature over an artifact with this SHA-256 digest… */
  message?: { signature: Uint8Array; sha256: Uint8Array };
  /** …or a DSSE envelope (its JSON object: payload, payloadType, signatures). */
  envelope?: {
    payload: string;
    payloadType: string;
    signatures: { sig: string; keyid?: string }[];
  };
  /** The signing certificate (DER)… */
  certificate?: Uint8Array;
  /** …or the signing key's SPKI (DER), listed by its hint. */
  publicKey?: Uint8Array;
  /** Transparency log entries, Sigstore JSON form. */
  tlogEntries?: unknown[];
  /** RFC 3161 timestamps (DER TimeStampResp). */
  rfc3161Timestamps?: Uint8Array[];
}

/**
 * Assembles a v0.3 bundle, as `cosign bundle create` does, and checks it with the same parser
 * verification uses. Throws CosignError("INVALID_INPUT") when the parts do not make a valid
 * bundle (e.g. a log entry without an inclusion proof) or neither a signature nor an envelope
 * nor a certificate/key is given.
 *
 * @example
 * ```ts
 * const json = await assembleBundleJSON({ message: { signature, sha256 }, certificate, tlogEntries });
 * ```
 */
export async function assembleBundleJSON(opts: AssembleOptions): Promise<string> {
  if (!opts.message === !opts.envelope) {
    throw new CosignError(
      "INVALID_INPUT",
      "Cannot build a bundle: it needs exactly one of a signature or a DSSE envelope",
    );
  }
  const content = opts.certificate
    ? { certificate: { rawBytes: base64.encode(opts.certificate) } }
    : opts.publicKey
    ? { publicKey: { hint: await publicKeyHint(opts.publicKey) } }
    : undefined;
  if (!content) {
    throw new CosignError(
      "INVALID_INPUT",
      "Cannot build a bundle: it needs the signing certificate or public key",
      { hint: "Pass --certificate, or --key with the public key." },
    );
  }
  const json: Record<string, unknown> = {
    mediaType: BUNDLE_V03_MEDIA_TYPE,
    verificationMaterial: {
      ...content,
      tlogEntries: opts.tlogEntries ?? [],
      // No timestamps, no timestampVerificationData (not an empty one), as cosign's
      // AssembleNewBundle and the message-signature bundles sign-blob writes.
      ...(opts.rfc3161Timestamps?.length
        ? {
          timestampVerificationData: {
            rfc3161Timestamps: opts.rfc3161Timestamps.map((t) => ({
              signedTimestamp: base64.encode(t),
            })),
          },
        }
        : {}),
    },
  };
  if (opts.message) {
    json.messageSignature = {
      messageDigest: { algorithm: "SHA2_256", digest: base64.encode(opts.message.sha256) },
      signature: base64.encode(opts.message.signature),
    };
  } else json.dsseEnvelope = opts.envelope;
  const { bundle } = await bundleFromJSONValue(json, "(assembled)");
  return await serializeBundle(bundle);
}
