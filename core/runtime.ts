/**
 * The runtime adapter contract. `core/` never touches `Deno.*` or `Bun.*`: whatever differs
 * between runtimes reaches it through this interface, implemented in `runtime/`.
 *
 * @example
 * ```ts
 * const secret = await ctx.runtime.readSecret("Enter password for private key: ");
 * ```
 * @module
 */

/**
 * C types the FFI adapter passes: 64-bit integers (C `unsigned long` on LP64, PKCS#11's CK_ULONG
 * and handles), 32-bit integers, pointers (given and returned as addresses, `0n` for NULL), and
 * `void` results.
 */
export type FfiType = "u64" | "i64" | "u32" | "i32" | "pointer" | "void";

/** A C function's signature for the FFI adapter. */
export interface FfiSignature {
  /** Parameter types, in order. */
  parameters: FfiType[];
  /** Result type. */
  result: FfiType;
}

/**
 * A C function made callable. Integer and pointer arguments are `bigint` or `number` (pointers
 * as addresses, see {@link Ffi.address}); the result is always a `bigint` (`0n` for `void`).
 * Calls are synchronous.
 */
export type FfiFunction = (...args: (bigint | number)[]) => bigint;

/** A loaded shared library. */
export interface FfiLibrary {
  /** The requested symbols, callable. */
  readonly symbols: Readonly<Record<string, FfiFunction>>;
  /** Unloads the library; its functions must not be called afterwards. */
  close(): void;
}

/**
 * Foreign-function interface, as the runtime offers it (`Deno.dlopen` under Deno, `bun:ffi` under
 * Bun): open a shared library, call C function pointers, take the address of a buffer and read
 * memory at an address. Memory given to C is always a JavaScript `Uint8Array` the caller keeps
 * alive across the call. Implemented in runtime/ffi_deno.ts and runtime/ffi_bun.ts.
 *
 * @example
 * ```ts
 * const ffi = await ctx.runtime.ffi!();
 * const lib = ffi.open("/usr/lib/softhsm/libsofthsm2.so", {
 *   C_GetFunctionList: { parameters: ["pointer"], result: "u64" },
 * });
 * const out = new Uint8Array(new ArrayBuffer(8));
 * lib.symbols.C_GetFunctionList(ffi.address(out));
 * ```
 */
export interface Ffi {
  /**
   * Loads a shared library and binds the named symbols. Throws an Error (with the loader's
   * message) when the library or a symbol cannot be loaded.
   */
  open(path: string, symbols: Record<string, FfiSignature>): FfiLibrary;
  /** A C function pointer (an address read from memory), made callable. */
  function(address: bigint, signature: FfiSignature): FfiFunction;
  /**
   * The address of a buffer's first byte, for pointer arguments and pointers inside structures.
   * Allocate such buffers as `new Uint8Array(new ArrayBuffer(n))` (n > 0) so they never move.
   */
  address(buffer: Uint8Array): bigint;
  /** A copy of `length` bytes at an address (memory owned by the C side). */
  read(address: bigint, length: number): Uint8Array;
}

/** What differs between Deno and Bun, behind one small interface. */
export interface Runtime {
  /** "deno", "bun" or "node". */
  readonly name: "deno" | "bun" | "node";
  /** The runtime's own version string. */
  readonly version: string;
  /** True when the given standard stream is a terminal. */
  isTerminal(stream: "stdin" | "stdout" | "stderr"): boolean;
  /**
   * Reads one line from the terminal without echoing it (for passwords). The prompt goes to
   * stderr. Throws a CosignError("ABORTED") when standard input is not a terminal.
   */
  readSecret(prompt: string): Promise<string>;
  /** Reads one line from the terminal with echo (for y/N questions). */
  readLine(prompt: string): Promise<string>;
  /** Path of the running executable (the compiled binary, or the runtime itself). */
  execPath(): string;
  /** Standard input as a byte stream. */
  stdin(): ReadableStream<Uint8Array>;
  /** Writes all of `data` to standard output; resolves once the runtime accepted it. */
  writeStdout(data: Uint8Array): Promise<void>;
  /** Writes text to standard error. */
  writeStderr(text: string): void;
  /**
   * Loads the foreign-function interface (on first use, so commands that do not need it do not
   * pay for it). Absent where the runtime has none (Node).
   */
  ffi?(): Promise<Ffi>;
  /**
   * A synchronous native digest, where the runtime has one (Bun: `Bun.CryptoHasher`); absent
   * elsewhere (callers then use WebCrypto's `crypto.subtle.digest`, same bytes). Hot loops of
   * small digests use it: a Merkle audit path makes 20–30 SHA-256 calls of 65 bytes, each
   * ≈ 1 µs here and ≈ 35 µs of CPU through Bun's WebCrypto.
   */
  digestSync?(alg: "sha256" | "sha384" | "sha512", data: Uint8Array): Uint8Array;
}
