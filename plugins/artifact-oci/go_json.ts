/**
 * JSON text exactly as Go's `encoding/json` `Marshal` writes it, which is what cosign writes on
 * the wire (payloads, manifests, configs): no spaces, no trailing newline, `<` `>` `&` escaped as
 * `\u003c` `\u003e` `\u0026`, U+2028/U+2029 escaped, `\b` `\f` `\n` `\r` `\t` short escapes, other
 * control characters as lower-case `\u00xx`, lone surrogates (invalid UTF-8 in Go) as `\ufffd`.
 *
 * Go orders struct fields by declaration and map keys by byte order. Objects given to
 * {@link goJson} keep their insertion order (they stand for structs); wrap a map in
 * {@link goMap} to have its keys sorted as Go sorts map keys.
 *
 * @example
 * ```ts
 * goJson({ b: 1, a: goMap({ z: "<", y: null }) }); // '{"b":1,"a":{"y":null,"z":"\u003c"}}'
 * ```
 * @module
 */

import { compareUtf8 } from "../../core/go_json.ts";

const GO_MAP: unique symbol = Symbol("goMap");

/** A plain object marked as a Go map: {@link goJson} writes its keys sorted. */
export type GoMap = Record<string, unknown> & { readonly [GO_MAP]: true };

/**
 * Marks an object as a Go map (keys sorted when encoded). Returns a shallow copy; nested plain
 * objects found inside a map are treated as maps too (as Go's `map[string]interface{}` values).
 *
 * @example
 * ```ts
 * goJson(goMap({ b: "1", a: "2" })); // '{"a":"2","b":"1"}'
 * ```
 */
export function goMap(obj: Record<string, unknown>): GoMap {
  const copy = { ...obj } as GoMap;
  Object.defineProperty(copy, GO_MAP, { value: true, enumerable: false });
  return copy;
}

function isGoMap(v: object): boolean {
  return (v as Record<symbol, unknown>)[GO_MAP] === true;
}

/** Escapes a string as Go's encoding/json does (with HTML escaping on, the default). */
export function goString(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | undefined;
    if (c < 0x20) {
      esc = c === 0x08
        ? "\\b"
        : c === 0x0c
        ? "\\f"
        : c === 0x0a
        ? "\\n"
        : c === 0x0d
        ? "\\r"
        : c === 0x09
        ? "\\t"
        : "\\u00" + c.toString(16).padStart(2, "0");
    } else if (c === 0x22) esc = '\\"';
    else if (c === 0x5c) esc = "\\\\";
    else if (c === 0x3c) esc = "\\u003c";
    else if (c === 0x3e) esc = "\\u003e";
    else if (c === 0x26) esc = "\\u0026";
    else if (c === 0x2028) esc = "\\u2028";
    else if (c === 0x2029) esc = "\\u2029";
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++; // a valid pair: written as is
        continue;
      }
      esc = "\\ufffd";
    } else if (c >= 0xdc00 && c <= 0xdfff) esc = "\\ufffd";
    if (esc !== undefined) {
      out += s.slice(start, i) + esc;
      start = i + 1;
    }
  }
  return out + s.slice(start) + '"';
}

function goNumber(n: number): string {
  if (!Number.isFinite(n)) {
    throw new TypeError(`json: unsupported value: ${n}`);
  }
  if (Object.is(n, -0)) return "-0";
  // JavaScript's shortest round-trip form matches Go's float64 encoding ('f' between 1e-6 and
  // 1e21, else 'e' with a two-digit-minimum exponent trimmed: Go writes 1e-07 as 1e-7).
  return String(n);
}

function encode(v: unknown, inMap: boolean): string {
  if (v === null || v === undefined) return "null";
  switch (typeof v) {
    case "string":
      return goString(v);
    case "number":
      return goNumber(v);
    case "boolean":
      return v ? "true" : "false";
    case "bigint":
      return v.toString();
    case "object": {
      if (Array.isArray(v)) return "[" + v.map((x) => encode(x, inMap)).join(",") + "]";
      if (v instanceof Uint8Array) {
        // Go encodes []byte as standard base64.
        let bin = "";
        for (const b of v) bin += String.fromCharCode(b);
        return goString(btoa(bin));
      }
      const asMap = inMap || isGoMap(v);
      const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) =>
        x !== undefined
      );
      if (asMap) entries.sort(([a], [b]) => compareUtf8(a, b));
      return "{" + entries.map(([k, x]) => goString(k) + ":" + encode(x, asMap)).join(",") + "}";
    }
    default:
      throw new TypeError(`json: unsupported type: ${typeof v}`);
  }
}

/**
 * Encodes a value as Go's `json.Marshal` would. Objects keep insertion order (structs) unless
 * marked with {@link goMap}; `undefined` fields are left out (Go's `omitempty` for the caller to
 * decide); `Uint8Array` becomes base64. Throws TypeError for NaN/Infinity (as Go does).
 *
 * @example
 * ```ts
 * goJson({ critical: { type: "x" }, optional: null }); // '{"critical":{"type":"x"},"optional":null}'
 * ```
 */
export function goJson(value: unknown): string {
  return encode(value, false);
}

/** {@link goJson} as UTF-8 bytes. */
export function goJsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(goJson(value));
}
