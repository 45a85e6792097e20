/**
 * The FFI adapter under Bun (and in the compiled binary): `bun:ffi`'s `dlopen`, `CFunction`,
 * `ptr` and `toArrayBuffer` behind the runtime-neutral {@link Ffi} interface (core/runtime.ts).
 * `bun:ffi` is imported on first use only ({@link loadBunFfi}).
 *
 * @example
 * ```ts
 * const ffi = await loadBunFfi();
 * const lib = ffi.open("/usr/lib/softhsm/libsofthsm2.so", {
 *   C_GetFunctionList: { parameters: ["pointer"], result: "u64" },
 * });
 * ```
 * @module
 */
import type { Ffi, FfiFunction, FfiSignature, FfiType } from "../core/runtime.ts";
import { adaptFunction } from "./ffi_function.ts";

// deno-lint-ignore no-explicit-any
type BunFfiModule = any;

function bunType(t: FfiType): string {
  return t === "pointer" ? "ptr" : t;
}

function bunDefinition(sig: FfiSignature): { args: string[]; returns: string } {
  return { args: sig.parameters.map(bunType), returns: bunType(sig.result) };
}

/** Wraps a Bun foreign function: pointers as numbers, results as bigint. */
function wrap(fn: (...a: unknown[]) => unknown, sig: FfiSignature): FfiFunction {
  return adaptFunction(
    fn,
    sig,
    (p) => Number(p),
    (r) => (r === null || r === undefined ? 0n : BigInt(r as number | bigint)),
  );
}

function bunFfi(m: BunFfiModule): Ffi {
  return {
    open(path, symbols) {
      const defs: Record<string, unknown> = {};
      for (const [name, sig] of Object.entries(symbols)) defs[name] = bunDefinition(sig);
      const lib = m.dlopen(path, defs);
      const bound: Record<string, FfiFunction> = {};
      for (const [name, sig] of Object.entries(symbols)) bound[name] = wrap(lib.symbols[name], sig);
      return { symbols: bound, close: () => lib.close() };
    },
    function(address, signature) {
      const fn = m.CFunction({ ptr: Number(address), ...bunDefinition(signature) });
      return wrap(fn, signature);
    },
    address(buffer) {
      return BigInt(m.ptr(buffer));
    },
    read(address, length) {
      if (length === 0) return new Uint8Array(0);
      return new Uint8Array(m.toArrayBuffer(Number(address), 0, length)).slice();
    },
  };
}

let loaded: Promise<Ffi> | undefined;

/**
 * Imports `bun:ffi` (once) and returns the adapter. Rejects under runtimes without it (Node).
 */
export function loadBunFfi(): Promise<Ffi> {
  // A computed specifier: type checkers and other runtimes never try to resolve "bun:ffi".
  const specifier = ["bun", "ffi"].join(":");
  return loaded ??= import(specifier).then(bunFfi);
}
