/**
 * Picks the runtime adapter for the runtime we are running on.
 * @module
 */
import type { Runtime } from "../core/runtime.ts";
import { bunRuntime, fastUint8ArrayCopies } from "./bun.ts";
import { denoRuntime } from "./deno.ts";

/** The adapter for the current runtime: Deno when `Deno` exists, else Bun/Node. */
export function currentRuntime(): Runtime {
  return "Deno" in globalThis ? denoRuntime : bunRuntime;
}

/**
 * Process-wide tuning for the CLI, run once before the command: under Bun, fast byte copies
 * (see `fastUint8ArrayCopies` in runtime/bun.ts); nothing under Deno. The library never calls it.
 */
export function prepareCliProcess(): void {
  if (!("Deno" in globalThis)) fastUint8ArrayCopies();
}
