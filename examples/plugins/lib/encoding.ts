/**
 * Byte encodings the example plugins share (hex, base64, SHA-256), with web APIs only. A plugin
 * may import files next to it: relative imports resolve from the plugin's location on disk.
 *
 * @example
 * ```ts
 * import { b64, hex, sha256 } from "./lib/encoding.ts";
 * const id = hex(await sha256("text"));
 * ```
 * @module
 */

/** Lower-case hex of `bytes`. */
export const hex = (bytes: Uint8Array): string =>
  [...bytes].map((x) => x.toString(16).padStart(2, "0")).join("");

/** Standard padded base64 of `bytes`. */
export function b64(bytes: Uint8Array): string {
  let s = "";
  for (const x of bytes) s += String.fromCharCode(x);
  return btoa(s);
}

/** Decodes standard base64. Throws (DOMException) on malformed input. */
export const unb64 = (text: string): Uint8Array =>
  Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

/** SHA-256 of bytes, or of a string's UTF-8. */
export async function sha256(data: Uint8Array | string): Promise<Uint8Array> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data.slice();
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}
