/**
 * Picks the runtime adapter for the runtime we are running on.
 * @module
 */
import type { Runtime } from "../core/runtime.ts";
import { bunRuntime } from "./bun.ts";
import { denoRuntime } from "./deno.ts";

/** The adapter for the current runtime: Deno when `Deno` exists, else Bun/Node. */
export function currentRuntime(): Runtime {
  return "Deno" in globalThis ? denoRuntime : bunRuntime;
}
