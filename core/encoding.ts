/**
 * The one home for byte encodings used across cosign-ts (issue 7 item 5): hex, base64,
 * base64url and PEM↔DER, all through @scure/base (PEM through core/keys/pem.ts, which uses it),
 * plus {@link shortNumber} for putting possibly huge numbers into messages.
 *
 * @example
 * ```ts
 * toHex(new Uint8Array([1, 255]));            // "01ff"
 * fromHex("01ff");                            // Uint8Array [1, 255]
 * base64urlDecode("eyJhIjoxfQ");              // bytes of '{"a":1}'
 * const der = pemToDer(certPem, "CERTIFICATE");
 * derToPem("CERTIFICATE", der);               // "-----BEGIN CERTIFICATE-----\n…"
 * shortNumber(2n ** 4096n);                   // "a 4097-bit number (0x1000…0000)"
 * ```
 * @module
 */
import { base64, base64url, base64urlnopad, hex } from "@scure/base";
import { CosignError } from "./errors.ts";
import { pemDecode, pemEncode } from "./keys/pem.ts";

/** Lower-case hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  return hex.encode(bytes);
}

/**
 * Bytes of a hex string (either case). Throws an Error for odd length or a non-hex character;
 * use {@link tryFromHex} where bad input is expected.
 */
export function fromHex(text: string): Uint8Array {
  return hex.decode(text.toLowerCase());
}

/** Bytes of a hex string, or undefined when it is not hex. */
export function tryFromHex(text: string): Uint8Array | undefined {
  try {
    return fromHex(text);
  } catch {
    return undefined;
  }
}

/** Standard base64 (with padding) of `bytes`. */
export function base64Encode(bytes: Uint8Array): string {
  return base64.encode(bytes);
}

/**
 * Bytes of standard base64 text; whitespace is ignored. Throws an Error for anything else that is
 * not base64.
 */
export function base64Decode(text: string): Uint8Array {
  return base64.decode(text.replace(/\s+/g, ""));
}

/** base64url without padding (as JWTs use). */
export function base64urlEncode(bytes: Uint8Array): string {
  return base64urlnopad.encode(bytes);
}

/** Bytes of base64url text, with or without padding. Throws an Error when it is not base64url. */
export function base64urlDecode(text: string): Uint8Array {
  return text.endsWith("=") || text.length % 4 === 0
    ? base64url.decode(text)
    : base64urlnopad.decode(text);
}

/**
 * The DER bytes of the first PEM block in `text` (with `label`, when given). Throws
 * CosignError("KEY") from core/keys/pem.ts when there is no (such) block or its body is not base64;
 * `name` names the input in that error.
 */
export function pemToDer(text: string, label?: string, name = "input"): Uint8Array {
  const blocks = pemDecode(text, name);
  const block = label === undefined ? blocks[0] : blocks.find((b) => b.label === label);
  if (!block) {
    throw new CosignError("KEY", `Cannot read "${name}": it contains no ${label} PEM block`, {
      hint: `Expected text starting with "-----BEGIN ${label}-----".`,
    });
  }
  return block.bytes;
}

/** PEM text (64-character lines, trailing newline) of `der` under `label`. */
export function derToPem(label: string, der: Uint8Array): string {
  return pemEncode(label, der);
}

/**
 * A number for an error message: as it is when short, else its size and first and last hex
 * digits, so a hostile key's 100,000-digit exponent never floods the terminal.
 */
export function shortNumber(n: bigint | number): string {
  const v = BigInt(n);
  const s = v.toString();
  if (s.length <= 24) return s;
  const abs = v < 0n ? -v : v;
  const h = abs.toString(16);
  return `a ${abs.toString(2).length}-bit number (${v < 0n ? "-" : ""}0x${h.slice(0, 4)}…${
    h.slice(-4)
  })`;
}
