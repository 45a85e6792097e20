/**
 * The built-in "kms-gcp" plugin and its parts: `gcpkms://` references, Google credentials
 * (service-account JWT exchange, metadata server), the Cloud KMS REST client and the provider.
 * @module
 */
export { default, kmsGcpPlugin } from "./plugin.ts";
export * from "./gcp_reference.ts";
export * from "./gcp_credentials.ts";
export * from "./gcp_kms_client.ts";
export * from "./gcp_kms_provider.ts";
export * from "./crc32c.ts";
export * from "./gcp_external_account.ts";
