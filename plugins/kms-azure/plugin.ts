/**
 * The built-in "kms-azure" plugin: the "azurekms" key provider for keys in Azure Key Vault
 * (`azurekms://VAULT.vault.azure.net/KEY[/VERSION]`). Listed in
 * main.ts BUILTIN_PLUGINS.
 *
 * This is the light entry: the scheme and description load with every command; the client
 * (azure_kv_provider.ts, Entra ID credentials, Key Vault calls) loads on the first `signer`, `verifier` or
 * `generate`.
 *
 * @example
 * ```ts
 * registry.register(kmsAzurePlugin);
 * const signer = await registry.signer("azurekms://release.vault.azure.net/cosign", ctx);
 * ```
 * @module
 */
import {
  type Context,
  definePlugin,
  type GenerateOptions,
  type KeyProvider,
  type Plugin,
  type PublicKeyMaterial,
  type Signer,
  type SignerOptions,
  type Verifier,
} from "../../core/plugin.ts";

/** The "azurekms" provider's one line for `--help`. */
export const AZURE_KMS_KEY_DESCRIPTION: string =
  "Azure Key Vault keys: azurekms://VAULT.vault.azure.net/KEY[/VERSION]";

const provider = async (): Promise<KeyProvider> =>
  (await import("./azure_kv_provider.ts")).azureKmsProvider;

/** The "azurekms" provider as registered: each method loads the client on first use. */
const azureKmsEntry: KeyProvider = {
  scheme: "azurekms",
  description: AZURE_KMS_KEY_DESCRIPTION,
  async signer(ref: string, ctx: Context, options?: SignerOptions): Promise<Signer> {
    return await (await provider()).signer(ref, ctx, options);
  },
  async verifier(ref: string, ctx: Context, options?: SignerOptions): Promise<Verifier> {
    return await (await provider()).verifier!(ref, ctx, options);
  },
  async generate(ref: string, ctx: Context, options?: GenerateOptions): Promise<PublicKeyMaterial> {
    return await (await provider()).generate!(ref, ctx, options);
  },
};

/** The kms-azure plugin. */
export const kmsAzurePlugin: Plugin = definePlugin({
  name: "kms-azure",
  apiVersion: 1,
  description: "Keys in Azure Key Vault (Entra ID client credentials)",
  keys: [azureKmsEntry],
});

export default kmsAzurePlugin;
