/**
 * The FFI adapter under Deno: `Deno.dlopen`, `Deno.UnsafeFnPointer`, `Deno.UnsafePointer` and
 * `Deno.UnsafePointerView` behind the runtime-neutral {@link Ffi} interface (core/runtime.ts).
 * Needs `--allow-ffi` (the tests run with `-A`).
 *
 * @example
 * ```ts
 * const lib = denoFfi.open("/usr/lib/softhsm/libsofthsm2.so", {
 *   C_GetFunctionList: { parameters: ["pointer"], result: "u64" },
 * });
 * ```
 * @module
 */
import type { Ffi, FfiFunction, FfiSignature, FfiType } from "../core/runtime.ts";
import { adaptFunction } from "./ffi_function.ts";

// deno-lint-ignore no-explicit-any
const D = (globalThis as any).Deno;

// deno-lint-ignore no-explicit-any
type DenoPointer = any;

function denoType(t: FfiType): string {
  return t === "pointer" ? "pointer" : t;
}

function denoDefinition(sig: FfiSignature): { parameters: string[]; result: string } {
  return { parameters: sig.parameters.map(denoType), result: denoType(sig.result) };
}

function toPointer(v: bigint | number): DenoPointer {
  const n = BigInt(v);
  return n === 0n ? null : D.UnsafePointer.create(n);
}

/** Wraps a Deno foreign function: pointers as Deno pointer objects, results as bigint. */
function wrap(fn: (...a: unknown[]) => unknown, sig: FfiSignature): FfiFunction {
  return adaptFunction(
    fn,
    sig,
    toPointer,
    (r) =>
      sig.result === "pointer"
        ? (r === null ? 0n : BigInt(D.UnsafePointer.value(r)))
        : BigInt(r as number | bigint),
  );
}

/** The Deno FFI adapter. */
export const denoFfi: Ffi = {
  open(path, symbols) {
    const defs: Record<string, unknown> = {};
    for (const [name, sig] of Object.entries(symbols)) defs[name] = denoDefinition(sig);
    const lib = D.dlopen(path, defs);
    const bound: Record<string, FfiFunction> = {};
    for (const [name, sig] of Object.entries(symbols)) bound[name] = wrap(lib.symbols[name], sig);
    return { symbols: bound, close: () => lib.close() };
  },
  function(address, signature) {
    const fp = new D.UnsafeFnPointer(toPointer(address), denoDefinition(signature));
    return wrap((...a: unknown[]) => fp.call(...a), signature);
  },
  address(buffer) {
    return BigInt(D.UnsafePointer.value(D.UnsafePointer.of(buffer)));
  },
  read(address, length) {
    if (length === 0) return new Uint8Array(0);
    const view = new D.UnsafePointerView(toPointer(address));
    return new Uint8Array(view.getArrayBuffer(length)).slice();
  },
};
