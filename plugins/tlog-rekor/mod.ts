/**
 * The built-in "tlog-rekor" plugin (the "rekor" log: Rekor v1 and v2 uploads and entry
 * verification) and its helpers: the v1/v2 clients, entry verification, and cosign's legacy
 * `rekorBundle` (written from an entry, and read back and verified).
 * @module
 */
export { default, rekorTransparencyLog, tlogRekorPlugin } from "./plugin.ts";
export * from "./rekor_v1.ts";
export * from "./rekor_v2.ts";
export * from "./rekor_search.ts";
export * from "./legacy_rekor_bundle.ts";
export * from "./rekor_bundle.ts";
export * from "./verification_key.ts";
export * from "./entry_body.ts";
export * from "./entry_check.ts";
export * from "./recognize_entry.ts";
export * from "./entry_verifier.ts";
export * from "./verify_entry.ts";
