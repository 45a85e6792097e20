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
import {
  type Context,
  definePlugin,
  type KeyProvider,
  type Plugin,
  type PublicKeyMaterial,
  type Signer,
  type Verifier,
} from "../../core/plugin.ts";

/** The "hashivault" provider's one line for `--help`. */
export const VAULT_KEY_DESCRIPTION: string =
  "HashiCorp Vault transit keys: hashivault://NAME (VAULT_ADDR, VAULT_TOKEN, VAULT_NAMESPACE)";

const provider = async (): Promise<KeyProvider> =>
  (await import("./vault_provider.ts")).vaultKeyProvider;

/** The "hashivault" provider as registered: each method loads the Vault client on first use. */
const vaultKeyEntry: KeyProvider = {
  scheme: "hashivault",
  description: VAULT_KEY_DESCRIPTION,
  async signer(ref: string, ctx: Context): Promise<Signer> {
    return await (await provider()).signer(ref, ctx);
  },
  async verifier(ref: string, ctx: Context): Promise<Verifier> {
    return await (await provider()).verifier!(ref, ctx);
  },
  async generate(ref: string, ctx: Context): Promise<PublicKeyMaterial> {
    return await (await provider()).generate!(ref, ctx);
  },
};

/** The kms-vault plugin. */
export const kmsVaultPlugin: Plugin = definePlugin({
  name: "kms-vault",
  apiVersion: 1,
  description: "HashiCorp Vault transit keys (hashivault://)",
  keys: [vaultKeyEntry],
});

export default kmsVaultPlugin;
