/**
 * JSON text as cosign's Go encoders write it, for the documents cosign-ts must reproduce byte
 * for byte (in-toto statements):
 *
 * - {@link protoJSON}: `protojson.Marshal` of a `google.protobuf.Struct`-shaped value (object keys
 *   sorted by UTF-8 bytes, compact, no HTML escaping; numbers as Go formats float64);
 * - {@link goJSON}: `encoding/json.Marshal` of `map[string]any` (the same, plus `<`, `>`, `&`,
 *   U+2028 and U+2029 escaped as `\u003c` … as Go does);
 * - {@link goString}: Go's `string(bytes)` (each invalid UTF-8 byte becomes U+FFFD, as Go's
 *   encoder writes it) and {@link toWellFormed} for strings Go's decoder would have repaired.
 *
 * protojson inserts a random space after some commas in some builds (its output is deliberately
 * unstable); both forms are what cosign writes, this module writes the compact one.
 *
 * @example
 * ```ts
 * protoJSON({ b: 1, a: "<x>" }); // {"a":"<x>","b":1}
 * goJSON({ b: 1, a: "<x>" });    // {"a":"\u003cx\u003e","b":1}
 * ```
 * @module
 */

/** Compares strings by code point (= UTF-8 byte order, Go's string order). */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/** Replaces lone surrogates with U+FFFD, as Go's JSON decoder does for `"\ud800"`. */
export function toWellFormed(s: string): string {
  return s.replace(
    /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    "\ufffd",
  );
}

function encode(v: unknown, html: boolean): string {
  if (v === null || v === undefined) return "null";
  switch (typeof v) {
    case "string": {
      const s = JSON.stringify(toWellFormed(v));
      return html
        ? s.replace(
          /[<>&\u2028\u2029]/g,
          (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
        )
        : s;
    }
    case "number":
      if (!Number.isFinite(v)) throw new RangeError(`${v} cannot be written as JSON`);
      return Object.is(v, -0) ? "-0" : JSON.stringify(v);
    case "boolean":
      return v ? "true" : "false";
  }
  if (Array.isArray(v)) return `[${v.map((x) => encode(x, html)).join(",")}]`;
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort(compareUtf8);
    return `{${keys.map((k) => `${encode(k, html)}:${encode(o[k], html)}`).join(",")}}`;
  }
  throw new TypeError(`a ${typeof v} cannot be written as JSON`);
}

/**
 * protojson's text for a Struct-shaped value (see the module documentation). Throws RangeError
 * for non-finite numbers (Go refuses them too).
 */
export function protoJSON(value: unknown): string {
  return encode(value, false);
}

/** Go `encoding/json`'s text for a map-shaped value (see the module documentation). */
export function goJSON(value: unknown): string {
  return encode(value, true);
}

/**
 * Go's `string(b)` as its encoders see it: valid UTF-8 decoded, every byte of an invalid sequence
 * replaced by U+FFFD (one per byte, unlike TextDecoder's maximal-subpart rule).
 *
 * @example
 * ```ts
 * goString(new Uint8Array([0xe2, 0x82, 0x41])); // "\ufffd\ufffdA"
 * ```
 */
export function goString(b: Uint8Array): string {
  const strict = new TextDecoder("utf-8", { fatal: true });
  try {
    return strict.decode(b);
  } catch {
    // fall through: decode sequence by sequence
  }
  let out = "";
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    let n = 0;
    let min = 0;
    if (c < 0x80) n = 1;
    else if (c >= 0xc2 && c <= 0xdf) (n = 2), (min = 0x80);
    else if (c >= 0xe0 && c <= 0xef) (n = 3), (min = 0x800);
    else if (c >= 0xf0 && c <= 0xf4) (n = 4), (min = 0x10000);
    let cp = n === 1 ? c : n === 2 ? c & 0x1f : n === 3 ? c & 0x0f : c & 0x07;
    let ok = n > 0 && i + n <= b.length;
    for (let k = 1; ok && k < n; k++) {
      const d = b[i + k];
      if ((d & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (d & 0x3f);
    }
    if (ok && n > 1 && (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))) ok = false;
    if (ok) {
      out += String.fromCodePoint(cp);
      i += n;
    } else {
      out += "\ufffd";
      i += 1;
    }
  }
  return out;
}
