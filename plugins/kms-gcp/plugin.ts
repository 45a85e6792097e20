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

/** The "gcpkms" provider's one line for `--help`. */
export const GCP_KMS_KEY_DESCRIPTION: string =
  "Google Cloud KMS keys: gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K[/cryptoKeyVersions/V]";

const provider = async (): Promise<KeyProvider> =>
  (await import("./gcp_kms_provider.ts")).gcpKmsProvider;

/** The "gcpkms" provider as registered: each method loads the client on first use. */
const gcpKmsEntry: KeyProvider = {
  scheme: "gcpkms",
  description: GCP_KMS_KEY_DESCRIPTION,
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

/** The kms-gcp plugin. */
export const kmsGcpPlugin: Plugin = definePlugin({
  name: "kms-gcp",
  apiVersion: 1,
  description: "Keys in Google Cloud KMS (service-account files, metadata server)",
  keys: [gcpKmsEntry],
});

export default kmsGcpPlugin;
