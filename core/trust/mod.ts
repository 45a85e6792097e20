/**
 * Trusted roots: parsing trusted_root.json, the embedded public-good instance, TUF refresh.
 * @module
 */
export * from "./trusted_root.ts";
export * from "./public_good.ts";
