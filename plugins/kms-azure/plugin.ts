/**
 * The built-in "kms-azure" plugin: the "azurekms" key provider for keys in Azure Key Vault
 * (`azurekms://VAULT.vault.azure.net/KEY[/VERSION]`). Listed in main.ts BUILTIN_PLUGINS.
 *
 * This is the light entry: the scheme and description load with every command; the client
 * (azure_kv_provider.ts, Entra ID credentials, Key Vault calls) loads on the first `signer`,
 * `verifier` or `generate`.
 *
 * @example
 * ```ts
 * registry.register(kmsAzurePlugin);
 * const signer = await registry.signer("azurekms://release.vault.azure.net/cosign", ctx);
 * ```
 * @module
 */
import { definePlugin, type Plugin } from "../../core/plugin.ts";
import { lazyKeyProvider } from "../../core/lazy_key_provider.ts";

/** The "azurekms" provider's one line for `--help`. */
export const AZURE_KMS_KEY_DESCRIPTION: string =
  "Azure Key Vault keys: azurekms://VAULT.vault.azure.net/KEY[/VERSION]";

/** The kms-azure plugin. */
export const kmsAzurePlugin: Plugin = definePlugin({
  name: "kms-azure",
  apiVersion: 1,
  description: "Keys in Azure Key Vault (Entra ID client credentials)",
  keys: [
    lazyKeyProvider(
      { scheme: "azurekms", description: AZURE_KMS_KEY_DESCRIPTION },
      async () => (await import("./azure_kv_provider.ts")).azureKmsProvider,
    ),
  ],
});

export default kmsAzurePlugin;
