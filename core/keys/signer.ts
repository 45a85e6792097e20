/**
 * {@link Signer}s for private keys, runtime-neutral and deterministic where the algorithm
 * allows (ECDSA uses RFC 6979 nonces; Ed25519 is deterministic; RSA-PSS uses a random salt).
 *
 * - ECDSA (P-256/384/521): ASN.1 DER over SHA-256 of the message, as cosign; `signDigest`
 *   takes a SHA-256 digest (stream the input, then sign).
 * - RSA: PKCS#1 v1.5 SHA-256 by default, PSS (SHA-256, MGF1-SHA-256, salt = 32 bytes) with
 *   `rsaPss`; `signDigest` supported.
 * - Ed25519: pure Ed25519; no `hash`, no `signDigest`: the whole message is needed.
 *
 * @example
 * ```ts
 * const signer = signerFromPrivateKeyPem(pemText);
 * const sig = await signer.sign(new TextEncoder().encode("hello"));
 * ```
 * @module
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import type { PublicKeyMaterial, Signer, SignerOptions } from "../plugin.ts";
import { CosignError } from "../errors.ts";
import { curveImpl, publicKeyMaterial } from "./public_key.ts";
import { parsePkcs8, parsePrivateKeyPem, type PrivateKey, publicKeyOf } from "./private_key.ts";
import { hashFn, rsaSignDigest } from "./rsa.ts";
import { algorithmName } from "./verifier.ts";

/** A signer for a parsed private key. */
export function signerFromPrivateKey(key: PrivateKey, options: SignerOptions = {}): Signer {
  const pub = publicKeyOf(key);
  let material: PublicKeyMaterial | undefined;
  const publicKey = () => Promise.resolve(material ??= publicKeyMaterial(pub));
  const algorithm = algorithmName(pub, options);
  switch (key.type) {
    case "ec": {
      const impl = curveImpl(key.curve);
      const signDigest = (digest: Uint8Array): Promise<Uint8Array> => {
        if (digest.length !== 32) {
          return Promise.reject(
            new CosignError("INTERNAL", "ECDSA signDigest expects a SHA-256 digest"),
          );
        }
        return Promise.resolve(
          impl.sign(digest, key.d, { prehash: false, lowS: true, format: "der" }),
        );
      };
      return {
        algorithm,
        hash: "sha256",
        publicKey,
        signDigest,
        sign: (message) => signDigest(hashFn("sha256")(message)),
      };
    }
    case "rsa": {
      const padding = options.rsaPss ? "pss" : "pkcs1";
      const signDigest = (digest: Uint8Array): Promise<Uint8Array> => {
        try {
          return Promise.resolve(rsaSignDigest(key, digest, "sha256", padding));
        } catch (e) {
          return Promise.reject(e);
        }
      };
      return {
        algorithm,
        hash: "sha256",
        publicKey,
        signDigest,
        sign: (message) => signDigest(hashFn("sha256")(message)),
      };
    }
    case "ed25519":
      return {
        algorithm,
        publicKey,
        sign: (message) => Promise.resolve(ed25519.sign(message, key.seed)),
      };
  }
}

/**
 * A signer for unencrypted PEM text (`PRIVATE KEY`, `EC PRIVATE KEY`, `RSA PRIVATE KEY`).
 * For cosign's encrypted keys, decrypt first with decryptPrivateKey and use
 * {@link signerFromPkcs8}. `options.name` names the source in errors. Throws CosignError("KEY").
 */
export function signerFromPrivateKeyPem(
  pem: string,
  options: SignerOptions & { name?: string } = {},
): Signer {
  return signerFromPrivateKey(parsePrivateKeyPem(pem, options.name ?? "key"), options);
}

/** A signer for PKCS#8 DER (what decryptPrivateKey returns). Throws CosignError("KEY"). */
export function signerFromPkcs8(
  pkcs8: Uint8Array,
  options: SignerOptions & { name?: string } = {},
): Signer {
  return signerFromPrivateKey(parsePkcs8(pkcs8, options.name ?? "key"), options);
}
