/**
 * Picks the runtime adapter for the runtime we are running on.
 * @module
 */
import type { Runtime } from "../core/runtime.ts";
import { installFastUint8ArrayCopies } from "../core/fast_copy.ts";
import { installNativeHasher } from "../core/native_hash.ts";
import { bunHasher, bunRuntime } from "./bun.ts";
import { denoRuntime } from "./deno.ts";

/** The adapter for the current runtime: Deno when `Deno` exists, else Bun/Node. */
export function currentRuntime(): Runtime {
  return "Deno" in globalThis ? denoRuntime : bunRuntime;
}

/**
 * Process-wide tuning for the CLI, run once before the command (main.ts; the library never calls
 * it). Under Bun, fast byte copies (core/fast_copy.ts): `Uint8Array.from(bytes)` with a
 * Uint8Array (e.g. a Buffer) copies through the iterator protocol on JavaScriptCore, byte by
 * byte, and hot enough that the JIT compiles the iteration: ≈ 35 ms of compilation (on its
 * threads, counted in the process's CPU) in a keyless `verify-blob`, whose bundle, log entry and
 * trusted root `@sigstore/protobuf-specs` decodes with `Uint8Array.from(Buffer.from(b64,
 * "base64"))`. And Bun's own hasher for core/native_hash.ts (loading `node:crypto` under Bun costs
 * 12–14 ms of CPU; the registry client and blob digests need only SHA-2). Nothing under Deno or
 * Node.
 */
export function prepareCliProcess(): void {
  if (!("Bun" in globalThis)) return;
  installFastUint8ArrayCopies();
  installNativeHasher(bunHasher);
}
