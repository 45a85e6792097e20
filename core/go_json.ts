/**
 * JSON text as cosign's Go encoders write it, for what cosign-ts must reproduce byte for byte
 * (payloads, manifests, configs, in-toto statements, envelopes, bundles). The one encoder:
 *
 * - {@link goJson}: `encoding/json.Marshal`: compact, no trailing newline, struct fields in
 *   declaration order (a plain object keeps its insertion order), map keys sorted by UTF-8 bytes
 *   (wrap a map in {@link goMap}; plain objects inside a map are maps too), `Uint8Array` as
 *   base64, strings escaped by {@link goQuote};
 * - {@link protoJSON}: `protojson.Marshal` of a `google.protobuf.Struct`-shaped value (every
 *   object a map, keys sorted, compact, no HTML or U+2028/U+2029 escaping);
 * - {@link goString}: Go's `string(bytes)`, and {@link toWellFormed} for strings Go's decoder
 *   would have repaired.
 *
 * Go strings are bytes, JavaScript strings UTF-16: the one thing a JavaScript string holds that
 * is not Unicode text is a lone surrogate, and it stands for what is not UTF-8 in Go, which
 * `encoding/json` writes as `\ufffd` (encode.go appendString: `utf8.RuneError` of size 1).
 * {@link goString} turns each invalid byte into one lone surrogate so that this holds; text that
 * went through Go's decoder (where `"\ud800"` became U+FFFD) is repaired by the caller with
 * {@link toWellFormed} first. protojson refuses invalid UTF-8; nothing it is given has any.
 *
 * protojson inserts a random space after some commas in some builds (its output is deliberately
 * unstable); both forms are what cosign writes, this module writes the compact one.
 *
 * @example
 * ```ts
 * goJson({ b: 1, a: goMap({ z: "<", y: null }) }); // '{"b":1,"a":{"y":null,"z":"\u003c"}}'
 * protoJSON({ b: 1, a: "<x>" }); // {"a":"<x>","b":1}
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

/**
 * A string as Go writes it in JSON: `encoding/json` (`html`, the default: `<` `>` `&` and
 * U+2028/U+2029 escaped) or protojson (`html` false: neither). Both: `\b` `\f` `\n` `\r` `\t`
 * short escapes, other control characters as lower-case `\u00xx`, lone surrogates (invalid
 * UTF-8 in Go, see the module documentation) as `\ufffd`.
 *
 * @example
 * ```ts
 * goQuote("<a>"); // '"\u003ca\u003e"'
 * ```
 */
export function goQuote(s: string, html = true): string {
  // Most strings need no escape at all: one native regex test instead of a loop per character.
  if (!(html ? NEEDS_ESCAPE_HTML : NEEDS_ESCAPE).test(s)) return '"' + s + '"';
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
    else if (html && c === 0x3c) esc = "\\u003c";
    else if (html && c === 0x3e) esc = "\\u003e";
    else if (html && c === 0x26) esc = "\\u0026";
    else if (html && c === 0x2028) esc = "\\u2028";
    else if (html && c === 0x2029) esc = "\\u2029";
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

// deno-lint-ignore no-control-regex
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;
// deno-lint-ignore no-control-regex
const NEEDS_ESCAPE_HTML = /[\u0000-\u001f"\\<>&\u2028\u2029\ud800-\udfff]/;

function goNumber(n: number): string {
  if (!Number.isFinite(n)) {
    throw new TypeError(`json: unsupported value: ${n}`);
  }
  if (Object.is(n, -0)) return "-0";
  // JavaScript's shortest round-trip form matches Go's float64 encoding ('f' between 1e-6 and
  // 1e21, else 'e' with a two-digit-minimum exponent trimmed: Go writes 1e-07 as 1e-7).
  return String(n);
}

function encode(v: unknown, html: boolean, inMap: boolean): string {
  if (v === null || v === undefined) return "null";
  switch (typeof v) {
    case "string":
      return goQuote(v, html);
    case "number":
      return goNumber(v);
    case "boolean":
      return v ? "true" : "false";
    case "bigint":
      return v.toString();
    case "object": {
      if (Array.isArray(v)) return "[" + v.map((x) => encode(x, html, inMap)).join(",") + "]";
      if (v instanceof Uint8Array) {
        // Go encodes []byte as standard base64.
        let bin = "";
        for (const b of v) bin += String.fromCharCode(b);
        return goQuote(btoa(bin), html);
      }
      const asMap = inMap || isGoMap(v);
      const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) =>
        x !== undefined
      );
      if (asMap) entries.sort(([a], [b]) => compareUtf8(a, b));
      return "{" +
        entries.map(([k, x]) => goQuote(k, html) + ":" + encode(x, html, asMap)).join(",") + "}";
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
  return encode(value, true, false);
}

/** {@link goJson} as UTF-8 bytes. */
export function goJsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(goJson(value));
}

/**
 * protojson's text for a Struct-shaped value (see the module documentation). Throws TypeError
 * for non-finite numbers (Go refuses them too).
 */
export function protoJSON(value: unknown): string {
  return encode(value, false, true);
}

/**
 * Go's `string(b)`: valid UTF-8 decoded; each byte of an invalid sequence (Go decodes them one
 * byte at a time, unlike TextDecoder's maximal-subpart rule) becomes the lone surrogate
 * U+DC00 + byte, which {@link goJson} writes as `\ufffd`, as Go's encoder writes such a byte.
 *
 * @example
 * ```ts
 * goString(new Uint8Array([0xe2, 0x82, 0x41])); // "\udce2\udc82A"
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
      out += String.fromCharCode(0xdc00 + c);
      i += 1;
    }
  }
  return out;
}
