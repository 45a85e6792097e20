/**
 * Sigstore bundle verification: certificates, SCTs, identity policy, transparency-log entries,
 * RFC 3161 timestamps. Start with {@link verifyBundle}.
 * @module
 */
export * from "./verify_bundle.ts";
export * from "./certificate.ts";
export * from "./identity.ts";
export * from "./sct.ts";
export * from "./checkpoint.ts";
export * from "./merkle.ts";
export * from "./public_key.ts";
