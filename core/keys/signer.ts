/**
 * {@link Signer}s for private keys, runtime-neutral. ECDSA and Ed25519 sign through WebCrypto
 * where the runtime has the curve (no @noble precomputation tax on the first signature), with
 * @noble as the fallback (RFC 6979 nonces): see webcrypto_signing.ts. Ed25519 is deterministic
 * (the same bytes either way); RSA (BigInt, rsa.ts) and RSA-PSS use a random salt.
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
import type { PublicKeyMaterial, Signer, SignerOptions } from "../plugin.ts";
import { publicKeyMaterial } from "./public_key.ts";
import {
  parsePkcs8,
  parsePrivateKeyPem,
  type PrivateKey,
  privateKeyToPkcs8,
  publicKeyOf,
} from "./private_key.ts";
import { hashFn, rsaSignDigest } from "./rsa.ts";
import { algorithmName } from "./verifier.ts";
import { ecdsaSigning, ed25519Signing } from "./webcrypto_signing.ts";

/** Options of {@link signerFromPrivateKey} for tests: force the @noble fallback. */
export interface InternalOptions {
  /** Sign with @noble even where WebCrypto has the curve (to compare both paths). */
  nobleOnly?: boolean;
}

/**
 * A signer for a parsed private key. The EC public point is taken from WebCrypto (`key.point`
 * is read only on the fallback path, since deriving it costs a base-point multiplication).
 */
export function signerFromPrivateKey(
  key: PrivateKey,
  options: SignerOptions & InternalOptions = {},
): Signer {
  let material: PublicKeyMaterial | undefined;
  switch (key.type) {
    case "ec": {
      const ec = ecdsaSigning(key.curve, key.d, () => key.point, options.nobleOnly);
      return {
        // The name depends on the curve only.
        algorithm: algorithmName({ type: "ec", curve: key.curve, point: new Uint8Array(0) }),
        hash: "sha256",
        publicKey: async () =>
          material ??= publicKeyMaterial({ type: "ec", curve: key.curve, point: await ec.point() }),
        signDigest: ec.signDigest,
        sign: ec.sign,
      };
    }
  }
  const pub = publicKeyOf(key);
  const publicKey = () => Promise.resolve(material ??= publicKeyMaterial(pub));
  const algorithm = algorithmName(pub, options);
  switch (key.type) {
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
    case "ed25519": {
      const ed = ed25519Signing(key.seed, privateKeyToPkcs8(key), options.nobleOnly);
      return { algorithm, publicKey, sign: ed.sign };
    }
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
