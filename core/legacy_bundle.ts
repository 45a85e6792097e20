/**
 * cosign's own ("legacy") bundle JSON, written by `cosign sign-blob --bundle` without
 * `--new-bundle-format` (Go struct `cosign.LocalSignedPayload`):
 *
 * ```json
 * {"base64Signature":"…","cert":"…","rekorBundle":{"SignedEntryTimestamp":"…",
 *  "Payload":{"body":"…","integratedTime":1,"logIndex":2,"logID":"…"}}}
 * ```
 *
 * `cert` (base64 of a PEM certificate) and `rekorBundle` are omitted when empty. Serialization
 * matches Go's `json.Marshal` byte for byte (field order, no spaces, `<>&` escaped as `\u003c`…).
 * Parsing is strict about types and encodings and reports what is wrong.
 *
 * @example
 * ```ts
 * const text = serializeLegacyBundle({ base64Signature: "MEUCIQ…" });
 * const b = parseLegacyBundle(text, "artifact.bundle");
 * ```
 * @module
 */
import { base64 } from "@scure/base";
import { CosignError } from "./errors.ts";
import { goQuote } from "./go_json.ts";
import { rejectDuplicateKeys } from "./strict_json.ts";

/** `RekorPayload`: the log entry a Rekor "SignedEntryTimestamp" signs. */
export interface LegacyRekorPayload {
  /** The canonicalized entry body, base64 (Go `interface{}`; a string in practice). */
  body: string;
  /** Unix seconds when the entry was integrated. */
  integratedTime: number;
  /** Index of the entry in the log. */
  logIndex: number;
  /** Hex SHA-256 of the log's public key. */
  logID: string;
}

/** `RekorBundle`: a Rekor inclusion promise. */
export interface LegacyRekorBundle {
  /** The signed entry timestamp, base64 (Go `[]byte`). */
  SignedEntryTimestamp: string;
  /** What it signs. */
  Payload: LegacyRekorPayload;
}

/** cosign's legacy bundle (`LocalSignedPayload`). */
export interface LegacyBundle {
  /** The signature, base64. */
  base64Signature: string;
  /** Base64 of the signing certificate's PEM, when signed with a certificate. */
  cert?: string;
  /** The Rekor inclusion promise, when the signature was uploaded. */
  rekorBundle?: LegacyRekorBundle;
}

const STRICT_B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** True when `text` is standard, padded base64 (the empty string included). */
export function isBase64(text: string): boolean {
  return STRICT_B64.test(text);
}

/** Decodes standard base64; CosignError("INVALID_INPUT") naming `what` when it is not. */
export function decodeBase64(text: string, what: string): Uint8Array {
  if (!isBase64(text)) {
    throw new CosignError("INVALID_INPUT", `Cannot decode ${what}: it is not valid base64`);
  }
  return base64.decode(text);
}

function invalid(source: string, what: string): CosignError {
  return new CosignError("INVALID_INPUT", `Cannot read bundle ${source}: ${what}`, {
    hint: 'A cosign bundle is JSON like {"base64Signature":"…","cert":"…","rekorBundle":{…}}.',
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** True when parsed JSON looks like a legacy bundle (has `base64Signature`, no `mediaType`). */
export function isLegacyBundleJSON(value: unknown): boolean {
  return isObject(value) && "base64Signature" in value && !("mediaType" in value);
}

/**
 * Checks parsed JSON and returns it as a {@link LegacyBundle}. Throws CosignError("INVALID_INPUT")
 * for a missing or mistyped field, bad base64, or a non-integer log index or time. Unknown fields
 * are ignored, as Go's encoding/json does.
 */
export function legacyBundleFromJSON(value: unknown, source = "(input)"): LegacyBundle {
  if (!isObject(value)) throw invalid(source, "it is not a JSON object");
  const sig = value.base64Signature;
  if (typeof sig !== "string") {
    throw invalid(source, '"base64Signature" is missing or not a string');
  }
  if (sig === "") throw invalid(source, '"base64Signature" is empty');
  if (!isBase64(sig)) throw invalid(source, '"base64Signature" is not valid base64');
  const out: LegacyBundle = { base64Signature: sig };
  if (value.cert !== undefined && value.cert !== null) {
    if (typeof value.cert !== "string") throw invalid(source, '"cert" is not a string');
    if (!isBase64(value.cert)) throw invalid(source, '"cert" is not valid base64');
    if (value.cert !== "") out.cert = value.cert;
  }
  const rb = value.rekorBundle;
  if (rb !== undefined && rb !== null) {
    if (!isObject(rb)) throw invalid(source, '"rekorBundle" is not an object');
    const set = rb.SignedEntryTimestamp;
    if (typeof set !== "string" || !isBase64(set)) {
      throw invalid(source, '"rekorBundle.SignedEntryTimestamp" is missing or not base64');
    }
    const p = rb.Payload;
    if (!isObject(p)) throw invalid(source, '"rekorBundle.Payload" is missing or not an object');
    if (typeof p.body !== "string" || !isBase64(p.body)) {
      throw invalid(source, '"rekorBundle.Payload.body" is missing or not base64');
    }
    for (const k of ["integratedTime", "logIndex"] as const) {
      const n = p[k];
      if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
        throw invalid(
          source,
          `"rekorBundle.Payload.${k}" is missing or not a non-negative integer`,
        );
      }
    }
    if (typeof p.logID !== "string" || !/^[0-9a-f]*$/i.test(p.logID)) {
      throw invalid(source, '"rekorBundle.Payload.logID" is missing or not hex');
    }
    out.rekorBundle = {
      SignedEntryTimestamp: set,
      Payload: {
        body: p.body,
        integratedTime: p.integratedTime as number,
        logIndex: p.logIndex as number,
        logID: p.logID,
      },
    };
  }
  return out;
}

/**
 * Parses legacy bundle JSON text (or bytes). Throws CosignError("INVALID_INPUT") for malformed
 * JSON and everything {@link legacyBundleFromJSON} rejects.
 *
 * @example
 * ```ts
 * const b = parseLegacyBundle(await readFile("artifact.bundle"), '"artifact.bundle"');
 * ```
 */
export function parseLegacyBundle(text: string | Uint8Array, source = "(input)"): LegacyBundle {
  const s = typeof text === "string" ? text : new TextDecoder().decode(text);
  let value: unknown;
  try {
    value = JSON.parse(s);
  } catch (e) {
    throw invalid(source, `it is not valid JSON (${(e as Error).message})`);
  }
  rejectDuplicateKeys(s, `bundle ${source}`);
  return legacyBundleFromJSON(value, source);
}

/**
 * Serializes a legacy bundle exactly as cosign's `json.Marshal(LocalSignedPayload)` does: no
 * whitespace, no trailing newline, `cert` and `rekorBundle` omitted when empty.
 *
 * @example
 * ```ts
 * await writeFile("artifact.bundle", serializeLegacyBundle({ base64Signature: sigB64 }));
 * ```
 */
export function serializeLegacyBundle(b: LegacyBundle): string {
  let s = `{"base64Signature":${goQuote(b.base64Signature)}`;
  if (b.cert) s += `,"cert":${goQuote(b.cert)}`;
  if (b.rekorBundle) {
    const r = b.rekorBundle;
    s += `,"rekorBundle":{"SignedEntryTimestamp":${goQuote(r.SignedEntryTimestamp)}` +
      `,"Payload":{"body":${goQuote(r.Payload.body)},"integratedTime":${r.Payload.integratedTime}` +
      `,"logIndex":${r.Payload.logIndex},"logID":${goQuote(r.Payload.logID)}}}`;
  }
  return s + "}";
}
