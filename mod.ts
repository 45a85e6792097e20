/**
 * The cosign-ts library: the core (contracts, formats, sign and verify) for programs and plugins.
 * @module
 */
export * from "./core/mod.ts";
