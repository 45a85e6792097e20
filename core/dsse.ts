/**
 * DSSE envelopes (Dead Simple Signing Envelope, https://github.com/secure-systems-lab/dsse) as
 * cosign writes and reads them: the pre-authentication encoding {@link pae} that signatures
 * cover, the envelope JSON in cosign's exact form (go-securesystemslib's field order
 * `payloadType`, `payload`, `signatures[{keyid, sig}]`, standard base64, `keyid` empty for keys and
 * certificates alike), and a strict reader with clear errors.
 *
 * Signing happens in the one sign path (core/sign.ts `signArtifact` with `envelope`), which signs
 * the PAE and calls {@link envelopeJSON}; verification in core/verify/verify_bundle.ts.
 *
 * @example
 * ```ts
 * const signature = await signer.sign(pae(INTOTO_PAYLOAD_TYPE, statement));
 * const text = envelopeJSON({
 *   payloadType: INTOTO_PAYLOAD_TYPE,
 *   payload: statement,
 *   signatures: [{ keyid: "", sig: signature }],
 * });
 * const env = parseEnvelope(text, '"att.json"');
 * ```
 * @module
 */
import { base64 } from "@scure/base";
import { CosignError, type ErrorCode, type FailedCheck } from "./errors.ts";
import { goQuote } from "./go_json.ts";
import { isBase64 } from "./legacy_bundle.ts";
import { rejectDuplicateKeys } from "./strict_json.ts";

/** The payload type of in-toto statements (cosign `types.IntotoPayloadType`). */
export const INTOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

/** The media type of a DSSE envelope (cosign's `.att` layers). */
export const DSSE_ENVELOPE_MEDIA_TYPE = "application/vnd.dsse.envelope.v1+json";

/** Envelopes larger than this are refused when read (cosign's attestation layers are small). */
export const MAX_ENVELOPE_BYTES = 128 * 1024 * 1024;

/** One signature of an envelope. */
export interface EnvelopeSignature {
  /** Key identifier; cosign leaves it empty. */
  keyid: string;
  /** The raw signature over {@link pae} (DER ECDSA, RSA, raw Ed25519). */
  sig: Uint8Array;
}

/** A DSSE envelope, decoded. */
export interface Envelope {
  /** e.g. {@link INTOTO_PAYLOAD_TYPE}. */
  payloadType: string;
  /** The payload bytes (decoded from base64). */
  payload: Uint8Array;
  /** Its signatures, in order. */
  signatures: EnvelopeSignature[];
}

const enc = new TextEncoder();

/**
 * DSSE pre-authentication encoding, `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths
 * as ASCII decimal byte counts (the DSSE v1 protocol). This is what a DSSE signature covers.
 *
 * @example
 * ```ts
 * pae("t", new TextEncoder().encode("hi")); // bytes of "DSSEv1 1 t 2 hi"
 * ```
 */
export function pae(payloadType: string, payload: Uint8Array): Uint8Array {
  const t = enc.encode(payloadType);
  const head = enc.encode(`DSSEv1 ${t.length} ${payloadType} ${payload.length} `);
  const out = new Uint8Array(head.length + payload.length);
  out.set(head);
  out.set(payload, head.length);
  return out;
}

/**
 * The envelope's JSON text exactly as cosign writes it (Go `json.Marshal` of
 * go-securesystemslib's `dsse.Envelope`): compact, fields `payloadType`, `payload`,
 * `signatures` with `keyid` (always present, empty for cosign) then `sig`; no trailing newline.
 *
 * @example
 * ```ts
 * envelopeJSON({ payloadType: "t", payload: p, signatures: [{ keyid: "", sig }] });
 * // {"payloadType":"t","payload":"…","signatures":[{"keyid":"","sig":"…"}]}
 * ```
 */
export function envelopeJSON(env: Envelope): string {
  // Go's encoder escapes <, > and & in strings; base64 never holds them, a payload type might.
  const sigs = env.signatures.map((s) =>
    `{"keyid":${goQuote(s.keyid)},"sig":"${base64.encode(s.sig)}"}`
  );
  return `{"payloadType":${goQuote(env.payloadType)},"payload":"${
    base64.encode(env.payload)
  }","signatures":[${sigs.join(",")}]}`;
}

/** The envelope as a Sigstore bundle's `dsseEnvelope` field holds it (protobuf JSON). */
export function envelopeBundleField(
  env: Envelope,
): { payload: string; payloadType: string; signatures: { sig: string; keyid?: string }[] } {
  return {
    payload: base64.encode(env.payload),
    payloadType: env.payloadType,
    signatures: env.signatures.map((s) => ({
      sig: base64.encode(s.sig),
      ...(s.keyid ? { keyid: s.keyid } : {}),
    })),
  };
}

/** Options for {@link parseEnvelope}. */
export interface ParseEnvelopeOptions {
  /** Error code for malformed input (default "INVALID_INPUT"; verification uses "VERIFY"). */
  code?: ErrorCode;
  /** The failed check, for code "VERIFY" (default "bundle"). */
  check?: FailedCheck;
}

function envelopeFailure(
  code: ErrorCode,
  source: string,
  options: ParseEnvelopeOptions,
  what: string,
): never {
  throw new CosignError(code, `Cannot read DSSE envelope ${source}: ${what}`, {
    hint: 'A DSSE envelope is JSON: {"payloadType": …, "payload": <base64>, ' +
      '"signatures": [{"keyid": "", "sig": <base64>}]}.',
    ...(code === "VERIFY" ? { check: options.check ?? "bundle" } : {}),
  });
}

/**
 * Reads a DSSE envelope from JSON text or bytes: an object with a string `payloadType`, a
 * standard-base64 `payload` and at least one signature with a base64 `sig` (and an optional
 * string `keyid`); repeated keys are refused. Throws CosignError (code from `options`, default
 * "INVALID_INPUT") naming `source` and what is wrong, and CosignError("TOO_LARGE") beyond
 * {@link MAX_ENVELOPE_BYTES}.
 *
 * @example
 * ```ts
 * const env = parseEnvelope(await readFile("att.json"), '"att.json"');
 * ```
 */
export function parseEnvelope(
  text: string | Uint8Array,
  source = "(input)",
  options: ParseEnvelopeOptions = {},
): Envelope {
  const code = options.code ?? "INVALID_INPUT";
  const size = typeof text === "string" ? text.length : text.length;
  if (size > MAX_ENVELOPE_BYTES) {
    throw new CosignError(
      "TOO_LARGE",
      `Cannot read DSSE envelope ${source}: it is larger than ${MAX_ENVELOPE_BYTES} bytes`,
    );
  }
  const s = typeof text === "string" ? text : new TextDecoder().decode(text);
  let v: unknown;
  try {
    v = JSON.parse(s);
  } catch (e) {
    return envelopeFailure(code, source, options, `it is not JSON (${(e as Error).message})`);
  }
  rejectDuplicateKeys(
    s,
    `DSSE envelope ${source}`,
    code === "VERIFY" ? { code, check: options.check ?? "bundle" } : { code },
  );
  return envelopeFromJSON(v, source, options);
}

/**
 * The envelope in JSON that was already parsed (and checked for repeated keys) by the caller,
 * with {@link parseEnvelope}'s checks and errors on its fields: for a file read as JSON first to
 * tell what it holds, so it is not parsed twice.
 *
 * @example
 * ```ts
 * const env = envelopeFromJSON(JSON.parse(text), '"att.json"');
 * ```
 */
export function envelopeFromJSON(
  v: unknown,
  source = "(input)",
  options: ParseEnvelopeOptions = {},
): Envelope {
  const code = options.code ?? "INVALID_INPUT";
  const fail = (what: string): never => envelopeFailure(code, source, options, what);
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail("it is not a JSON object");
  const o = v as Record<string, unknown>;
  if (typeof o.payloadType !== "string") fail('"payloadType" is missing or not a string');
  if (typeof o.payload !== "string" || !isBase64(o.payload)) {
    fail('"payload" is missing or not base64');
  }
  if (!Array.isArray(o.signatures) || o.signatures.length === 0) {
    fail('"signatures" is missing or empty');
  }
  const signatures = (o.signatures as unknown[]).map((x, i) => {
    const sig = (x as Record<string, unknown>)?.sig;
    const keyid = (x as Record<string, unknown>)?.keyid ?? "";
    if (typeof sig !== "string" || sig === "" || !isBase64(sig)) {
      fail(`"signatures[${i}].sig" is missing or not base64`);
    }
    if (typeof keyid !== "string") fail(`"signatures[${i}].keyid" is not a string`);
    return { keyid: keyid as string, sig: base64.decode(sig as string) };
  });
  return {
    payloadType: o.payloadType as string,
    payload: base64.decode(o.payload as string),
    signatures,
  };
}
