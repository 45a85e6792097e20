/**
 * The built-in "tlog-rekor" plugin (the "rekor" log: Rekor v1 and v2 uploads and entry
 * verification) and its helpers: the v1/v2 clients, entry bodies and entry verification.
 * cosign's legacy `rekorBundle` is cosign's format, not Rekor's: core/legacy_signature.ts writes
 * and reads it, core/verify/witnesses.ts verifies it through the log plugins.
 * @module
 */
export { default, rekorTransparencyLog, tlogRekorPlugin } from "./plugin.ts";
export * from "./rekor_v1.ts";
export * from "./rekor_v2.ts";
export * from "./rekor_search.ts";
export * from "./verification_key.ts";
export * from "./entry_body.ts";
export * from "./entry_check.ts";
export * from "./recognize_entry.ts";
export * from "./entry_verifier.ts";
export * from "./verify_entry.ts";
