/**
 * A small, strict DER reader and writer for the few ASN.1 structures key files need
 * (SubjectPublicKeyInfo, PKCS#8, SEC1, PKCS#1, the outer layers of an X.509 certificate).
 * Definite lengths only, bounds-checked; anything else is a {@link CosignError}
 * ("INVALID_INPUT") that callers wrap with the name of the key they were reading.
 *
 * @example
 * ```ts
 * const seq = derEncode(DER.SEQUENCE, derInteger(1n), derEncode(DER.NULL));
 * const top = derRead(seq);            // { tag: 0x30, value, raw, next }
 * const [one, nul] = derChildren(top.value);
 * ```
 * @module
 */
import { CosignError } from "../errors.ts";

/** Tags used by key structures. */
export const DER = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
  /** Context-specific constructed [0]. */
  CONTEXT_0: 0xa0,
  /** Context-specific constructed [1]. */
  CONTEXT_1: 0xa1,
} as const;

/** One decoded TLV element. */
export interface DerElement {
  /** The identifier octet (single-byte tags only). */
  tag: number;
  /** The content octets. */
  value: Uint8Array;
  /** The whole element: tag, length and content. */
  raw: Uint8Array;
  /** Offset just after this element in the input. */
  next: number;
}

function bad(what: string): CosignError {
  return new CosignError("INVALID_INPUT", `Cannot parse DER: ${what}`);
}

/**
 * Reads one element at `offset`. Throws CosignError("INVALID_INPUT") for truncated input,
 * indefinite or non-minimal lengths, or multi-byte tags.
 */
export function derRead(bytes: Uint8Array, offset = 0): DerElement {
  if (offset + 2 > bytes.length) throw bad("truncated element header");
  const tag = bytes[offset];
  if ((tag & 0x1f) === 0x1f) throw bad("multi-byte tags are not supported");
  let len = bytes[offset + 1];
  let pos = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0) throw bad("indefinite length");
    if (n > 4) throw bad("length too large");
    if (pos + n > bytes.length) throw bad("truncated length");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + bytes[pos + i];
    if (len < 0x80 || (n > 1 && bytes[pos] === 0)) throw bad("non-minimal length");
    pos += n;
  }
  const end = pos + len;
  if (end > bytes.length) throw bad("truncated content");
  return {
    tag,
    value: bytes.subarray(pos, end),
    raw: bytes.subarray(offset, end),
    next: end,
  };
}

/** Reads exactly one element spanning all of `bytes` (no trailing data). */
export function derReadAll(bytes: Uint8Array): DerElement {
  const e = derRead(bytes, 0);
  if (e.next !== bytes.length) throw bad("trailing data after the element");
  return e;
}

/** Splits the content of a constructed element into its children. */
export function derChildren(value: Uint8Array): DerElement[] {
  const out: DerElement[] = [];
  let off = 0;
  while (off < value.length) {
    const e = derRead(value, off);
    out.push(e);
    off = e.next;
  }
  return out;
}

/** Reads an element and checks its tag. */
export function derExpect(e: DerElement | undefined, tag: number, what: string): DerElement {
  if (!e) throw bad(`missing ${what}`);
  if (e.tag !== tag) {
    throw bad(`expected ${what} (tag 0x${tag.toString(16)}), found tag 0x${e.tag.toString(16)}`);
  }
  return e;
}

function lengthBytes(n: number): number[] {
  if (n < 0x80) return [n];
  const b: number[] = [];
  while (n > 0) {
    b.unshift(n & 0xff);
    n = Math.floor(n / 256);
  }
  return [0x80 | b.length, ...b];
}

/** Encodes a TLV from a tag and the concatenation of `parts`. */
export function derEncode(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const len = parts.reduce((a, p) => a + p.length, 0);
  const head = [tag, ...lengthBytes(len)];
  const out = new Uint8Array(head.length + len);
  out.set(head, 0);
  let off = head.length;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Big-endian unsigned bytes of a non-negative bigint (minimal, at least one byte). */
export function bigintToBytes(n: bigint, length?: number): Uint8Array {
  if (n < 0n) throw new CosignError("INTERNAL", "bigintToBytes: negative value");
  let hex = n.toString(16);
  if (hex.length % 2) hex = "0" + hex;
  let bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  if (length !== undefined) {
    if (bytes.length > length) throw new CosignError("INTERNAL", "bigintToBytes: value too large");
    const padded = new Uint8Array(length);
    padded.set(bytes, length - bytes.length);
    bytes = padded;
  }
  return bytes;
}

/** The unsigned big-endian integer in `bytes`. */
export function bytesToBigint(bytes: Uint8Array): bigint {
  let hex = "";
  for (const b of bytes) hex += b.toString(16).padStart(2, "0");
  return hex === "" ? 0n : BigInt("0x" + hex);
}

/** Encodes a non-negative INTEGER. */
export function derInteger(n: bigint): Uint8Array {
  let b = bigintToBytes(n);
  if (b[0] & 0x80) {
    const c = new Uint8Array(b.length + 1);
    c.set(b, 1);
    b = c;
  }
  return derEncode(DER.INTEGER, b);
}

/** Decodes a non-negative INTEGER's content. Throws for negative or non-minimal encodings. */
export function derReadUint(e: DerElement, what: string): bigint {
  derExpect(e, DER.INTEGER, what);
  const v = e.value;
  if (v.length === 0) throw bad(`empty ${what}`);
  if (v[0] & 0x80) throw bad(`negative ${what}`);
  if (v.length > 1 && v[0] === 0 && !(v[1] & 0x80)) throw bad(`non-minimal ${what}`);
  return bytesToBigint(v);
}

/** Encodes an OBJECT IDENTIFIER from dotted text. */
export function derOid(dotted: string): Uint8Array {
  const arcs = dotted.split(".").map((s) => BigInt(s));
  const body: number[] = [];
  const first = arcs[0] * 40n + arcs[1];
  for (const arc of [first, ...arcs.slice(2)]) {
    const chunk: number[] = [Number(arc & 0x7fn)];
    let a = arc >> 7n;
    while (a > 0n) {
      chunk.unshift(Number(a & 0x7fn) | 0x80);
      a >>= 7n;
    }
    body.push(...chunk);
  }
  return derEncode(DER.OID, new Uint8Array(body));
}

/** Decodes an OBJECT IDENTIFIER's content to dotted text. */
export function oidToString(value: Uint8Array): string {
  if (value.length === 0 || value.length > 64) throw bad("bad object identifier length");
  // Fast path with plain numbers while every arc stays below 2^46 (all real-world OIDs); BigInt
  // per byte was ≈ 5% of an in-process bundle verification. Same text as the BigInt path below.
  const small: number[] = [];
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    if (n >= 2 ** 39) {
      small.length = 0;
      break;
    }
    n = n * 128 + (value[i] & 0x7f);
    if (!(value[i] & 0x80)) {
      small.push(n);
      n = 0;
    } else if (i === value.length - 1) throw bad("truncated object identifier");
  }
  if (small.length) {
    const first = small[0] < 80 ? Math.floor(small[0] / 40) : 2;
    small[0] -= first * 40;
    return first + "." + small.join(".");
  }
  const arcs: bigint[] = [];
  let cur = 0n;
  for (let i = 0; i < value.length; i++) {
    cur = (cur << 7n) | BigInt(value[i] & 0x7f);
    if (!(value[i] & 0x80)) {
      arcs.push(cur);
      cur = 0n;
    } else if (i === value.length - 1) throw bad("truncated object identifier");
  }
  const first = arcs[0] < 80n ? arcs[0] / 40n : 2n;
  const second = arcs[0] - first * 40n;
  return [first, second, ...arcs.slice(1)].join(".");
}

/** Encodes a BIT STRING with no unused bits. */
export function derBitString(bytes: Uint8Array): Uint8Array {
  const c = new Uint8Array(bytes.length + 1);
  c.set(bytes, 1);
  return derEncode(DER.BIT_STRING, c);
}

/** The bytes of a BIT STRING with no unused bits. */
export function derReadBitString(e: DerElement, what: string): Uint8Array {
  derExpect(e, DER.BIT_STRING, what);
  if (e.value.length < 1 || e.value[0] !== 0) throw bad(`${what} has unused bits`);
  return e.value.subarray(1);
}
