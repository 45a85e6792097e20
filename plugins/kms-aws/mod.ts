/**
 * The built-in "kms-aws" plugin (`awskms://` keys in AWS KMS), its client, SigV4 signer and
 * configuration resolution.
 * @module
 */
export { default, kmsAwsPlugin } from "./plugin.ts";
export * from "./aws_provider.ts";
export * from "./aws_kms_client.ts";
export * from "./aws_config.ts";
export * from "./aws_reference.ts";
export * from "./sigv4.ts";
