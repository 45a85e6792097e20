/**
 * The built-in "kms-aws" plugin: `awskms://[ENDPOINT]/ID|ALIAS|ARN` keys in AWS KMS. Listed in
 * main.ts BUILTIN_PLUGINS.
 *
 * This is the light entry main.ts lists: the scheme and description load with every command;
 * the KMS client (aws_provider.ts, SigV4, credentials) loads on the first `signer`, `verifier`
 * or `generate`.
 *
 * @example
 * ```ts
 * registry.register(kmsAwsPlugin);
 * const signer = await registry.signer("awskms:///alias/release", ctx);
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

/** The "awskms" provider's one line for `--help`. */
export const AWS_KEY_DESCRIPTION: string =
  "AWS KMS keys: awskms://[ENDPOINT]/ID|ALIAS|ARN (AWS credential chain, AWS_REGION)";

const provider = async (): Promise<KeyProvider> =>
  (await import("./aws_provider.ts")).awsKeyProvider;

/** The "awskms" provider as registered: each method loads the KMS client on first use. */
const awsKeyEntry: KeyProvider = {
  scheme: "awskms",
  description: AWS_KEY_DESCRIPTION,
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

/** The kms-aws plugin. */
export const kmsAwsPlugin: Plugin = definePlugin({
  name: "kms-aws",
  apiVersion: 1,
  description: "AWS KMS keys (awskms://)",
  keys: [awsKeyEntry],
});

export default kmsAwsPlugin;
