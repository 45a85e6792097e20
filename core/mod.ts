/**
 * Re-exports the runtime-neutral core.
 * @module
 */
export * from "./errors.ts";
export * from "./plugin.ts";
export * from "./keys/mod.ts";
export type * from "./runtime.ts";
