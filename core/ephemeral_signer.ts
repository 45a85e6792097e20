/**
 * An ephemeral ECDSA P-256 signer for keyless signing: the private key lives only in memory for
 * one command and is never written anywhere. Signatures are ASN.1 DER (cosign's wire form).
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
import { sha256 } from "@noble/hashes/sha2.js";
import type { Signer } from "./plugin.ts";

const SPKI_P256_PREFIX = Uint8Array.from([
  0x30,
  0x59,
  0x30,
  0x13,
  0x06,
  0x07,
  0x2a,
  0x86,
  0x48,
  0xce,
  0x3d,
  0x02,
  0x01,
  0x06,
  0x08,
  0x2a,
  0x86,
  0x48,
  0xce,
  0x3d,
  0x03,
  0x01,
  0x07,
  0x03,
  0x42,
  0x00,
]);

function pem(label: string, der: Uint8Array): string {
  const b64 = btoa(String.fromCharCode(...der)).replace(/(.{64})/g, "$1\n").replace(/\n$/, "");
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** A fresh in-memory P-256 signer ("ecdsa-p256-sha256"). */
export function ephemeralSigner(): Signer {
  const { secretKey, publicKey } = p256.keygen();
  const point = p256.getPublicKey(secretKey, false);
  void publicKey;
  const spki = new Uint8Array(SPKI_P256_PREFIX.length + point.length);
  spki.set(SPKI_P256_PREFIX);
  spki.set(point, SPKI_P256_PREFIX.length);
  const material = { spki, pem: pem("PUBLIC KEY", spki) };
  const signDigest = (digest: Uint8Array): Promise<Uint8Array> =>
    Promise.resolve(p256.sign(digest, secretKey, { prehash: false, format: "der" }));
  return {
    algorithm: "ecdsa-p256-sha256",
    hash: "sha256",
    publicKey: () => Promise.resolve(material),
    sign: (message: Uint8Array) => signDigest(sha256(message)),
    signDigest,
    close: () => {
      secretKey.fill(0);
      return Promise.resolve();
    },
  };
}
