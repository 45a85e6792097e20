/**
 * The built-in "kms-vault" plugin: `hashivault://NAME` keys in HashiCorp Vault's transit
 * engine. Listed in main.ts BUILTIN_PLUGINS.
 *
 * This is the light entry main.ts lists: the scheme and description load with every command;
 * the Vault client (vault_provider.ts, vault_transit.ts) loads on the first `signer`,
 * `verifier` or `generate`.
 *
 * @example
 * ```ts
 * registry.register(kmsVaultPlugin);
 * const signer = await registry.signer("hashivault://release", ctx);
 * ```
 * @module
 */
import { definePlugin, type KeyProvider, type Plugin } from "../../core/plugin.ts";
import { lazyKeyProvider } from "../../core/lazy_key_provider.ts";

/** The "hashivault" provider's one line for `--help`. */
export const VAULT_KEY_DESCRIPTION: string =
  "HashiCorp Vault transit keys: hashivault://NAME (VAULT_ADDR, VAULT_TOKEN, VAULT_NAMESPACE)";

/** The "hashivault" provider as registered: the Vault client loads on first use. */
const vaultKeyEntry: KeyProvider = lazyKeyProvider(
  { scheme: "hashivault", description: VAULT_KEY_DESCRIPTION },
  async () => (await import("./vault_provider.ts")).vaultKeyProvider,
);

/** The kms-vault plugin. */
export const kmsVaultPlugin: Plugin = definePlugin({
  name: "kms-vault",
  apiVersion: 1,
  description: "HashiCorp Vault transit keys (hashivault://)",
  keys: [vaultKeyEntry],
});

export default kmsVaultPlugin;
