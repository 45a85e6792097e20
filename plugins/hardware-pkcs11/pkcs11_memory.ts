/**
 * Memory for PKCS#11 calls over the runtime's FFI: buffers that never move (allocated on their own
 * ArrayBuffer), CK_ULONG reads and writes (x86-64 Linux: 8 bytes, little-endian), CK_ATTRIBUTE
 * templates and CK_MECHANISM structures. Every buffer a structure points to is kept in the
 * returned object, so the caller keeps it alive across the call simply by holding it.
 *
 * @example
 * ```ts
 * const count = ulongBuffer();
 * fns.C_GetSlotList(1, 0, ffi.address(count));
 * const n = readUlong(count);
 * ```
 * @module
 */
import type { Ffi } from "../../core/runtime.ts";
import { ATTRIBUTE_SIZE, MECHANISM_SIZE, ULONG_SIZE } from "./pkcs11_constants.ts";

/** A zeroed buffer of `length` bytes (at least one) that the garbage collector never moves. */
export function allocate(length: number): Uint8Array {
  return new Uint8Array(new ArrayBuffer(Math.max(1, length)));
}

/** A buffer holding one CK_ULONG (optionally set). */
export function ulongBuffer(value = 0n): Uint8Array {
  const b = allocate(ULONG_SIZE);
  writeUlong(b, 0, value);
  return b;
}

/** Reads a CK_ULONG at `offset`. */
export function readUlong(b: Uint8Array, offset = 0): bigint {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(offset, true);
}

/** Writes a CK_ULONG at `offset`. */
export function writeUlong(b: Uint8Array, offset: number, value: bigint): void {
  new DataView(b.buffer, b.byteOffset, b.byteLength).setBigUint64(offset, value, true);
}

/** A copy of `bytes` in a buffer that never moves (for pointers handed to C). */
export function pinnedCopy(bytes: Uint8Array): Uint8Array {
  const b = allocate(bytes.length);
  b.set(bytes);
  return b;
}

/** An attribute for a template: its type and value (CK_ULONG values as 8 bytes, CK_BBOOL as 1). */
export interface TemplateAttribute {
  /** CKA_* type. */
  type: bigint;
  /** The value's bytes. */
  value: Uint8Array;
}

/** A CK_ULONG attribute value (e.g. CKA_CLASS). */
export function ulongValue(v: bigint): Uint8Array {
  return ulongBuffer(v);
}

/** A CK_BBOOL attribute value. */
export function boolValue(v: boolean): Uint8Array {
  return Uint8Array.of(v ? 1 : 0);
}

/** A CK_ATTRIBUTE array with the buffers it points to (hold the object to keep them alive). */
export interface Template {
  /** The CK_ATTRIBUTE array. */
  array: Uint8Array;
  /** Number of attributes. */
  count: number;
  /** The value buffers (indexed as the attributes). */
  values: Uint8Array[];
}

/** Encodes a template; each value is copied into its own fixed buffer. */
export function encodeTemplate(ffi: Ffi, attrs: TemplateAttribute[]): Template {
  const array = allocate(attrs.length * ATTRIBUTE_SIZE);
  const values = attrs.map((a) => pinnedCopy(a.value));
  attrs.forEach((a, i) => {
    const o = i * ATTRIBUTE_SIZE;
    writeUlong(array, o, a.type);
    writeUlong(array, o + 8, a.value.length ? ffi.address(values[i]) : 0n);
    writeUlong(array, o + 16, BigInt(a.value.length));
  });
  return { array, count: attrs.length, values };
}

/** A CK_MECHANISM without parameters. */
export function encodeMechanism(mechanism: bigint): Uint8Array {
  const m = allocate(MECHANISM_SIZE);
  writeUlong(m, 0, mechanism);
  return m;
}

/** Text of a fixed-length, blank-padded CK_UTF8CHAR field. */
export function paddedText(b: Uint8Array, offset: number, length: number): string {
  return new TextDecoder().decode(b.subarray(offset, offset + length)).replace(/[\s\0]+$/, "");
}

// Written, never read: a store the engine cannot prove dead keeps the objects reachable.
const kept: { last?: unknown } = {};

/**
 * Keeps buffers reachable until this point: call it after an FFI call with every buffer whose
 * address went into that call (directly or inside a structure), so no garbage collector can free
 * them while C still uses them.
 */
export function keepAlive(...objects: unknown[]): void {
  kept.last = objects;
}
