/**
 * The "hashivault" key provider: `hashivault://NAME` keys in HashiCorp Vault's transit engine,
 * as cosign has them (see vault_transit.ts for the configuration and calls).
 *
 * - signer: SHA-256 digests signed by Vault with `prehashed: true` (blobs stream; the content
 *   never leaves the machine); Ed25519 keys sign the whole message. Every signature is checked
 *   against the key's public key before it is used, so a broken answer writes nothing.
 * - verifier: Vault's transit verify, as cosign does (the token needs `verify` rights).
 * - generate: creates the key (`ecdsa-p256`, cosign's default) and returns its public key.
 *
 * @example
 * ```ts
 * const signer = await vaultKeyProvider.signer("hashivault://release", ctx);
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
import { remoteSigner, remoteVerifier } from "../../core/keys/remote_signer.ts";
import { vaultTransitFor } from "./vault_transit.ts";
import { VAULT_KEY_DESCRIPTION } from "./plugin.ts";

/** The "hashivault" key provider. */
export const vaultKeyProvider: KeyProvider = {
  scheme: "hashivault",
  description: VAULT_KEY_DESCRIPTION,
  async signer(ref: string, ctx: Context): Promise<Signer> {
    const vault = await vaultTransitFor(ref, ctx);
    const key = await vault.readKey();
    const checkSignatures = { service: "Vault", keyRef: ref };
    return key.type === "ed25519"
      ? remoteSigner({
        publicKey: key.publicKey,
        signMessage: (m) => vault.sign(m),
        checkSignatures,
      })
      : remoteSigner({
        publicKey: key.publicKey,
        hash: "sha256",
        signDigest: (d) => vault.sign(d, "sha256"),
        checkSignatures,
      });
  },
  async verifier(ref: string, ctx: Context): Promise<Verifier> {
    const vault = await vaultTransitFor(ref, ctx);
    const key = await vault.readKey();
    return remoteVerifier(key.publicKey, {
      hash: "sha256",
      verifyDigest: (d, sig) => vault.verify(d, sig, key.latestVersion, "sha256"),
    });
  },
  async generate(ref: string, ctx: Context): Promise<PublicKeyMaterial> {
    const vault = await vaultTransitFor(ref, ctx);
    return (await vault.createKey()).publicKey;
  },
};
