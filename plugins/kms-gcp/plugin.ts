/**
 * The built-in "kms-gcp" plugin: the "gcpkms" key provider for keys in Google Cloud KMS
 * (`gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K[/cryptoKeyVersions/V]`). Listed in
 * main.ts BUILTIN_PLUGINS.
 *
 * This is the light entry: the scheme and description load with every command; the client
 * (gcp_kms_provider.ts, credentials, REST calls) loads on the first `signer`, `verifier` or
 * `generate`.
 *
 * @example
 * ```ts
 * registry.register(kmsGcpPlugin);
 * const signer = await registry.signer("gcpkms://projects/p/locations/global/keyRings/r/cryptoKeys/k", ctx);
 * ```
 * @module
 */
import { definePlugin, type Plugin } from "../../core/plugin.ts";
import { lazyKeyProvider } from "../../core/lazy_key_provider.ts";

/** The "gcpkms" provider's one line for `--help`. */
export const GCP_KMS_KEY_DESCRIPTION: string =
  "Google Cloud KMS keys: gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K[/cryptoKeyVersions/V]";

/** The kms-gcp plugin. */
export const kmsGcpPlugin: Plugin = definePlugin({
  name: "kms-gcp",
  apiVersion: 1,
  description: "Keys in Google Cloud KMS (service-account files, metadata server)",
  keys: [
    lazyKeyProvider(
      { scheme: "gcpkms", description: GCP_KMS_KEY_DESCRIPTION },
      async () => (await import("./gcp_kms_provider.ts")).gcpKmsProvider,
    ),
  ],
});

export default kmsGcpPlugin;
