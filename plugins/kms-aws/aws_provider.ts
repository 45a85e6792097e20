/**
 * The "awskms" key provider: `awskms://[ENDPOINT]/ID|ALIAS|ARN` keys in AWS KMS, as cosign has
 * them (see aws_config.ts for the configuration, aws_kms_client.ts for the calls).
 *
 * - signer: the key's first signing algorithm (ECDSA_SHA_256 for P-256, ECDSA_SHA_384 for
 *   P-384, …); the digest is signed with `MessageType: DIGEST` (blobs stream; the content never
 *   leaves the machine); every signature is checked against the public key before use.
 * - verifier: local, with the public key and the key's algorithm (as cosign does).
 * - generate: `awskms:///alias/NAME` only: returns the aliased key when it exists, else creates
 *   an ECC_NIST_P256 SIGN_VERIFY key and the alias (as cosign).
 *
 * @example
 * ```ts
 * const signer = await awsKeyProvider.signer("awskms:///alias/release", ctx);
 * ```
 * @module
 */
import type {
  Context,
  KeyProvider,
  PublicKeyMaterial,
  Signer,
  Verifier,
} from "../../core/plugin.ts";
import { CosignError } from "../../core/errors.ts";
import { remoteSigner, remoteVerifier } from "../../core/keys/remote_signer.ts";
import { type AwsKms, awsKmsFor, type AwsKmsKey } from "./aws_kms_client.ts";
import { AWS_KEY_DESCRIPTION } from "./plugin.ts";

async function existingKey(kms: AwsKms): Promise<AwsKmsKey> {
  return (await kms.key())!;
}

/** The "awskms" key provider. */
export const awsKeyProvider: KeyProvider = {
  scheme: "awskms",
  description: AWS_KEY_DESCRIPTION,
  async signer(ref: string, ctx: Context): Promise<Signer> {
    const kms = await awsKmsFor(ref, ctx);
    const key = await existingKey(kms);
    return remoteSigner({
      publicKey: key.publicKey,
      hash: key.hash,
      rsaPss: key.rsaPss,
      signDigest: (d) => kms.sign(d, key.algorithm),
      checkSignatures: { service: "AWS KMS", keyRef: ref },
    });
  },
  async verifier(ref: string, ctx: Context): Promise<Verifier> {
    const key = await existingKey(await awsKmsFor(ref, ctx));
    return remoteVerifier(key.publicKey, { hash: key.hash, rsaPss: key.rsaPss });
  },
  async generate(ref: string, ctx: Context): Promise<PublicKeyMaterial> {
    const kms = await awsKmsFor(ref, ctx);
    if (!kms.alias) {
      throw new CosignError(
        "INVALID_INPUT",
        `Cannot create key "${ref}": AWS KMS keys are created under an alias`,
        { hint: "Name an alias, e.g. cosign-ts generate-key-pair --kms awskms:///alias/release." },
      );
    }
    const found = await kms.key(true);
    if (found) return found.publicKey;
    await kms.createKeyWithAlias();
    return (await existingKey(kms)).publicKey;
  },
};
