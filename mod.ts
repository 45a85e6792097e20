/**
 * The cosign-ts library: the core (contracts, formats, sign and verify) for programs and plugins.
 * @module
 */
export * from "./core/mod.ts";
// The built-in witness plugins, for library callers that verify bundles with an explicit list
// (verifyBundle(…, { ctx, tlogs: [rekorTransparencyLog], timestampAuthorities: [rfc3161…] })).
export { rekorTransparencyLog, tlogRekorPlugin } from "./plugins/tlog-rekor/plugin.ts";
export { rfc3161TimestampAuthority, tsaRfc3161Plugin } from "./plugins/tsa-rfc3161/plugin.ts";
