/**
 * An ephemeral ECDSA P-256 signer for keyless signing: the private key lives only in memory for
 * one command and is never written anywhere. Signatures are ASN.1 DER (cosign's wire form).
 * The key is made by WebCrypto and signs through it (core/keys/webcrypto_signing.ts: no @noble
 * precomputation tax); where the runtime lacks P-256, @noble makes the key and signs.
 *
 * @example
 * ```ts
 * const signer = ephemeralSigner();
 * const pem = (await signer.publicKey()).pem;
 * const sig = await signer.sign(new TextEncoder().encode("hello"));
 * ```
 * @module
 */
import { p256 } from "@noble/curves/nist.js";
import { base64urlnopad } from "@scure/base";
import type { PublicKeyMaterial, Signer } from "./plugin.ts";
import { publicKeyMaterial } from "./keys/public_key.ts";
import { type EcdsaSigning, ecdsaSigning } from "./keys/webcrypto_signing.ts";

interface State {
  d: Uint8Array;
  ec: EcdsaSigning;
  material?: PublicKeyMaterial;
}

/** A fresh P-256 scalar: from WebCrypto's key generation, else @noble's. */
async function freshScalar(): Promise<Uint8Array> {
  try {
    const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
      "sign",
      "verify",
    ]) as CryptoKeyPair;
    const d = base64urlnopad.decode((await crypto.subtle.exportKey("jwk", pair.privateKey)).d!);
    if (d.length === 32) return d;
  } catch {
    // fall through to @noble
  }
  return p256.utils.randomSecretKey();
}

/** A fresh in-memory P-256 signer ("ecdsa-p256-sha256"); the key is made on first use. */
export function ephemeralSigner(): Signer {
  let state: Promise<State> | undefined;
  const keys = () =>
    state ??= freshScalar().then((d): State => ({
      d,
      ec: ecdsaSigning("P-256", d, () => p256.getPublicKey(d, false)),
    }));
  return {
    algorithm: "ecdsa-p256-sha256",
    hash: "sha256",
    publicKey: async () => {
      const s = await keys();
      return s.material ??= publicKeyMaterial({
        type: "ec",
        curve: "P-256",
        point: await s.ec.point(),
      });
    },
    sign: async (message: Uint8Array) => await (await keys()).ec.sign(message),
    signDigest: async (digest: Uint8Array) => await (await keys()).ec.signDigest(digest),
    close: async () => {
      if (state) (await state).d.fill(0);
    },
  };
}
