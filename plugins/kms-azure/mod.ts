/**
 * The built-in "kms-azure" plugin and its parts: `azurekms://` references, Entra ID client
 * credentials, the Key Vault REST client and the provider.
 * @module
 */
export { default, kmsAzurePlugin } from "./plugin.ts";
export * from "./azure_reference.ts";
export * from "./azure_credentials.ts";
export * from "./azure_kv_client.ts";
export * from "./azure_kv_provider.ts";
export * from "./azure_managed_identity.ts";
export * from "./azure_client_certificate.ts";
export * from "./azure_cli_credential.ts";
