/**
 * {@link Verifier}s for public keys, runtime-neutral (@noble and BigInt RSA): identical answers
 * on Deno and Bun. A bad or malformed signature gives false, never an exception.
 *
 * - ECDSA: ASN.1 DER signatures; cosign signs SHA-256 on every curve, newer releases use
 *   SHA-384 / SHA-512 on P-384 / P-521, so `verify` accepts both there. High-S signatures
 *   (as Go and OpenSSL produce) are accepted. `hash` is "sha256"; `verifyDigest` takes the
 *   digest as is.
 * - RSA: PKCS#1 v1.5 with SHA-256 (cosign's default) or PSS when `rsaPss` is set.
 * - Ed25519: pure Ed25519 (RFC 8032, strict); no `hash` and no `verifyDigest`: it needs the
 *   whole message.
 *
 * @example
 * ```ts
 * const v = verifierFromPem(await readFile("cosign.pub", "utf8"));
 * if (!(await v.verify(data, sig))) throw new Error("bad signature");
 * ```
 * @module
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import type { HashAlgorithm, PublicKeyMaterial, SignerOptions, Verifier } from "../plugin.ts";
import { hashFn, rsaVerifyDigest } from "./rsa.ts";
import {
  curveImpl,
  parsePublicKeyPem,
  parseSpki,
  type PublicKey,
  publicKeyMaterial,
} from "./public_key.ts";

/** The algorithm name used in {@link Verifier.algorithm} / Signer.algorithm for a key. */
export function algorithmName(key: PublicKey, options: SignerOptions = {}): string {
  switch (key.type) {
    case "ec":
      return `ecdsa-${key.curve.toLowerCase().replace("-", "")}-sha256`;
    case "rsa":
      return `rsa-${options.rsaPss ? "pss" : "pkcs1v15"}-sha256`;
    case "ed25519":
      return "ed25519";
  }
}

/** The curve's natural hash (SHA-256 / SHA-384 / SHA-512). */
export function naturalHash(curve: "P-256" | "P-384" | "P-521"): HashAlgorithm {
  return curve === "P-256" ? "sha256" : curve === "P-384" ? "sha384" : "sha512";
}

const WEB_HASH: Record<HashAlgorithm, string> = {
  sha256: "SHA-256",
  sha384: "SHA-384",
  sha512: "SHA-512",
};

/** The key as a WebCrypto ECDSA key, or undefined where the runtime cannot import it. */
async function webCryptoKey(curve: string, point: Uint8Array): Promise<CryptoKey | undefined> {
  try {
    return await crypto.subtle.importKey(
      "raw",
      point as Uint8Array<ArrayBuffer>,
      { name: "ECDSA", namedCurve: curve },
      false,
      ["verify"],
    );
  } catch {
    return undefined;
  }
}

/** A strict DER ECDSA signature as r‖s, or undefined when it does not parse (or r, s out of range). */
function derToCompact(impl: ReturnType<typeof curveImpl>, sig: Uint8Array): Uint8Array | undefined {
  try {
    return impl.Signature.fromBytes(sig, "der").toBytes("compact");
  } catch {
    return undefined;
  }
}

async function webCryptoVerify(
  key: CryptoKey,
  hash: HashAlgorithm,
  raw: Uint8Array,
  message: Uint8Array,
): Promise<boolean> {
  try {
    return await crypto.subtle.verify(
      { name: "ECDSA", hash: WEB_HASH[hash] },
      key,
      raw as Uint8Array<ArrayBuffer>,
      message as Uint8Array<ArrayBuffer>,
    );
  } catch {
    return false;
  }
}

/** A verifier for a parsed public key. */
export function verifierFromPublicKey(key: PublicKey, options: SignerOptions = {}): Verifier {
  let material: PublicKeyMaterial | undefined;
  const publicKey = () => Promise.resolve(material ??= publicKeyMaterial(key));
  const algorithm = algorithmName(key, options);
  switch (key.type) {
    case "ec": {
      const impl = curveImpl(key.curve);
      const verifyDigest = (digest: Uint8Array, sig: Uint8Array): Promise<boolean> => {
        try {
          return Promise.resolve(
            impl.verify(sig, digest, key.point, { prehash: false, lowS: false, format: "der" }),
          );
        } catch {
          return Promise.resolve(false);
        }
      };
      const hashes = [...new Set<HashAlgorithm>(["sha256", naturalHash(key.curve)])];
      let webKey: Promise<CryptoKey | undefined> | undefined;
      return {
        algorithm,
        hash: "sha256",
        publicKey,
        verifyDigest,
        async verify(message, sig) {
          // WebCrypto is ~10x faster than @noble here (it matters with many signatures); the DER
          // is parsed strictly by @noble first, so both paths accept exactly the same inputs.
          webKey ??= webCryptoKey(key.curve, key.point);
          const subtleKey = await webKey;
          const raw = subtleKey && derToCompact(impl, sig);
          if (subtleKey && raw) {
            for (const h of hashes) {
              if (await webCryptoVerify(subtleKey, h, raw, message)) return true;
            }
            return false;
          }
          for (const h of hashes) {
            if (await verifyDigest(hashFn(h)(message), sig)) return true;
          }
          return false;
        },
      };
    }
    case "rsa": {
      const padding = options.rsaPss ? "pss" : "pkcs1";
      const verifyDigest = (digest: Uint8Array, sig: Uint8Array): Promise<boolean> => {
        try {
          return Promise.resolve(rsaVerifyDigest(key, digest, sig, "sha256", padding));
        } catch {
          return Promise.resolve(false);
        }
      };
      return {
        algorithm,
        hash: "sha256",
        publicKey,
        verifyDigest,
        verify: (message, sig) => verifyDigest(hashFn("sha256")(message), sig),
      };
    }
    case "ed25519":
      return {
        algorithm,
        publicKey,
        verify(message, sig) {
          try {
            return Promise.resolve(
              sig.length === 64 && ed25519.verify(sig, message, key.key, { zip215: false }),
            );
          } catch {
            return Promise.resolve(false);
          }
        },
      };
  }
}

/**
 * A verifier for a DER SubjectPublicKeyInfo. Throws CosignError("KEY"/"UNSUPPORTED") for a
 * malformed or unsupported key.
 */
export function verifierFromSpki(spki: Uint8Array, options: SignerOptions = {}): Verifier {
  return verifierFromPublicKey(parseSpki(spki), options);
}

/**
 * A verifier for PEM text: `PUBLIC KEY`, `RSA PUBLIC KEY` or `CERTIFICATE` (its key).
 * `options.name` names the source in errors. Throws CosignError("KEY"/"UNSUPPORTED").
 */
export function verifierFromPem(
  pem: string,
  options: SignerOptions & { name?: string } = {},
): Verifier {
  return verifierFromPublicKey(parsePublicKeyPem(pem, options.name ?? "key"), options);
}
