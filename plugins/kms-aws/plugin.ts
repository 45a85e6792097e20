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
import { definePlugin, type KeyProvider, type Plugin } from "../../core/plugin.ts";
import { lazyKeyProvider } from "../../core/lazy_key_provider.ts";

/** The "awskms" provider's one line for `--help`. */
export const AWS_KEY_DESCRIPTION: string =
  "AWS KMS keys: awskms://[ENDPOINT]/ID|ALIAS|ARN (AWS credential chain, AWS_REGION)";

/** The "awskms" provider as registered: the KMS client loads on first use. */
const awsKeyEntry: KeyProvider = lazyKeyProvider(
  { scheme: "awskms", description: AWS_KEY_DESCRIPTION },
  async () => (await import("./aws_provider.ts")).awsKeyProvider,
);

/** The kms-aws plugin. */
export const kmsAwsPlugin: Plugin = definePlugin({
  name: "kms-aws",
  apiVersion: 1,
  description: "AWS KMS keys (awskms://)",
  keys: [awsKeyEntry],
});

export default kmsAwsPlugin;
