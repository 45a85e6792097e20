/**
 * The built-in "kms-vault" plugin (`hashivault://NAME` keys in Vault's transit engine) and its
 * client.
 * @module
 */
export { default, kmsVaultPlugin } from "./plugin.ts";
export * from "./vault_provider.ts";
export * from "./vault_transit.ts";
