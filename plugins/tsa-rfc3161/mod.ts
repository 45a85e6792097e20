/**
 * The built-in "tsa-rfc3161" plugin (RFC 3161 timestamps: request and verification) and its
 * helpers: the TSA client and the timestamp verification.
 * @module
 */
export { default, rfc3161TimestampAuthority, tsaRfc3161Plugin } from "./plugin.ts";
export * from "./tsa_client.ts";
export * from "./verify_timestamp.ts";
