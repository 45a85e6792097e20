/**
 * The part of a C function binding both FFI adapters share (runtime/ffi_deno.ts,
 * runtime/ffi_bun.ts): the argument count check, pointer arguments converted the runtime's way,
 * and the result normalized to a `bigint` (`0n` for `void`).
 *
 * @example
 * ```ts
 * const fn = adaptFunction(lib.symbols.strlen, sig, (p) => Number(p), (r) => BigInt(r as number));
 * ```
 * @module
 */
import type { FfiFunction, FfiSignature } from "../core/runtime.ts";

/**
 * Wraps a runtime's foreign function. `pointer` converts an address argument for the runtime;
 * `result` turns a non-void result into a bigint. Calling with the wrong number of arguments
 * throws a TypeError before anything reaches C.
 */
export function adaptFunction(
  call: (...args: unknown[]) => unknown,
  signature: FfiSignature,
  pointer: (address: bigint | number) => unknown,
  result: (value: unknown) => bigint,
): FfiFunction {
  const isPointer = signature.parameters.map((p) => p === "pointer");
  return (...args) => {
    if (args.length !== isPointer.length) {
      throw new TypeError(`FFI call expects ${isPointer.length} arguments, got ${args.length}`);
    }
    const r = call(...args.map((a, i) => (isPointer[i] ? pointer(a) : a)));
    return signature.result === "void" ? 0n : result(r);
  };
}
