/**
 * The built-in "tlog-rekor" plugin (Rekor v1 and v2 uploads) and its helpers: the v1/v2 clients
 * and cosign's legacy `rekorBundle`.
 * @module
 */
export { default, tlogRekorPlugin } from "./plugin.ts";
export * from "./rekor_v1.ts";
export * from "./rekor_v2.ts";
export * from "./legacy_rekor_bundle.ts";
export * from "./verification_key.ts";
export * from "./entry_check.ts";
