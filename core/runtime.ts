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

/** Foreign-function interface as the runtime offers it (Deno.dlopen / bun:ffi). */
export interface FfiLibrary {
  /** Calls a symbol; arguments and result follow the symbol's declared types. */
  call(symbol: string, ...args: unknown[]): unknown;
  /** Releases the library. */
  close(): void;
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
}
