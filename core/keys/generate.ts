/**
 * Key generation: ECDSA P-256, the key type cosign's generate-key-pair and keyless signing use.
 *
 * @example
 * ```ts
 * const { signer, pkcs8 } = generateEcdsaP256();
 * const pem = encryptPrivateKey(pkcs8, password); // what generate-key-pair writes
 * ```
 * @module
 */
import { p256 } from "@noble/curves/nist.js";
import type { Signer } from "../plugin.ts";
import { type EcPrivateKey, ecPrivateKey, privateKeyToPkcs8 } from "./private_key.ts";
import { signerFromPrivateKey } from "./signer.ts";

/** A freshly generated key. */
export interface GeneratedKey {
  /** A signer for it (ECDSA P-256, SHA-256, DER signatures). */
  signer: Signer;
  /** The private key as PKCS#8 DER (as Go's x509.MarshalPKCS8PrivateKey). */
  pkcs8: Uint8Array;
  /** The parsed key. */
  key: EcPrivateKey;
}

/** Generates an ECDSA P-256 key from the platform's CSPRNG (crypto.getRandomValues). */
export function generateEcdsaP256(): GeneratedKey {
  const key = ecPrivateKey("P-256", p256.utils.randomSecretKey());
  return { signer: signerFromPrivateKey(key), pkcs8: privateKeyToPkcs8(key), key };
}
