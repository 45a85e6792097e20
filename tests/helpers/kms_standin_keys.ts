/**
 * Real keys for the KMS stand-ins (vault_standin.ts, aws_kms_standin.ts), made and used with
 * node:crypto and @noble only (none of cosign-ts's key code), so what the stand-ins sign is
 * independent of what cosign-ts verifies: ECDSA P-256/384/521 (DER signatures over a given
 * digest), RSA (PKCS#1 v1.5 over a given digest) and Ed25519 (whole messages).
 *
 * @example
 * ```ts
 * const key = standinKey("ecdsa-p256");
 * const der = key.signDigest(sha256(data), "sha256");
 * key.verifyDigest(sha256(data), der, "sha256"); // true
 * ```
 * @module
 */
import {
  constants,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  privateEncrypt,
  publicDecrypt,
  sign,
  verify,
} from "node:crypto";
import { Buffer } from "node:buffer";
import { p256, p384, p521 } from "@noble/curves/nist.js";

/** Key kinds the stand-ins can hold (Vault's type names). */
export type StandinKeyType =
  | "ecdsa-p256"
  | "ecdsa-p384"
  | "ecdsa-p521"
  | "rsa-2048"
  | "rsa-3072"
  | "rsa-4096"
  | "ed25519";

/** A hash a digest was made with. */
export type StandinHash = "sha256" | "sha384" | "sha512";

/** A key held by a stand-in service. */
export interface StandinKey {
  /** The key type. */
  type: StandinKeyType;
  /** DER SubjectPublicKeyInfo. */
  spki: Uint8Array;
  /** PEM `PUBLIC KEY`. */
  pem: string;
  /** Ed25519: the raw 32-byte public key. */
  raw?: Uint8Array;
  /** Signs a digest (ECDSA: DER; RSA: PKCS#1 v1.5). */
  signDigest(digest: Uint8Array, hash: StandinHash): Uint8Array;
  /** Signs a whole message (Ed25519). */
  signMessage(message: Uint8Array): Uint8Array;
  /** Verifies a digest signature (false for anything malformed). */
  verifyDigest(digest: Uint8Array, sig: Uint8Array, hash: StandinHash): boolean;
  /** Verifies a whole-message signature (Ed25519). */
  verifyMessage(message: Uint8Array, sig: Uint8Array): boolean;
}

const CURVES = { "ecdsa-p256": p256, "ecdsa-p384": p384, "ecdsa-p521": p521 } as const;
const NODE_CURVE = {
  "ecdsa-p256": "prime256v1",
  "ecdsa-p384": "secp384r1",
  "ecdsa-p521": "secp521r1",
} as const;

/** DER DigestInfo prefixes (RFC 8017 §9.2 note 1). */
const DIGEST_INFO: Record<StandinHash, string> = {
  sha256: "3031300d060960864801650304020105000420",
  sha384: "3041300d060960864801650304020205000430",
  sha512: "3051300d060960864801650304020305000440",
};

function pemOf(pub: KeyObject): string {
  return pub.export({ type: "spki", format: "pem" }).toString();
}

/** Generates a key of `type` with node:crypto. */
export function standinKey(type: StandinKeyType): StandinKey {
  const none = () => {
    throw new Error(`${type} keys do not do that`);
  };
  if (type in CURVES) {
    const t = type as keyof typeof CURVES;
    const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: NODE_CURVE[t] });
    const d = Buffer.from(privateKey.export({ format: "jwk" }).d!, "base64url");
    const curve = CURVES[t];
    const point = curve.getPublicKey(new Uint8Array(d), false);
    return {
      type,
      spki: new Uint8Array(publicKey.export({ type: "spki", format: "der" })),
      pem: pemOf(publicKey),
      signDigest: (digest) =>
        curve.sign(digest, new Uint8Array(d), { prehash: false, format: "der" }),
      signMessage: none,
      verifyDigest(digest, sig) {
        try {
          return curve.verify(sig, digest, point, { prehash: false, format: "der", lowS: false });
        } catch {
          return false;
        }
      },
      verifyMessage: none,
    };
  }
  if (type.startsWith("rsa-")) {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", {
      modulusLength: Number(type.slice(4)),
    });
    return {
      type,
      spki: new Uint8Array(publicKey.export({ type: "spki", format: "der" })),
      pem: pemOf(publicKey),
      signDigest: (digest, hash) =>
        new Uint8Array(privateEncrypt(
          { key: privateKey, padding: constants.RSA_PKCS1_PADDING },
          Buffer.concat([Buffer.from(DIGEST_INFO[hash], "hex"), digest]),
        )),
      signMessage: none,
      verifyDigest(digest, sig, hash) {
        try {
          const m = publicDecrypt(
            { key: publicKey, padding: constants.RSA_PKCS1_PADDING },
            Buffer.from(sig),
          );
          return m.equals(Buffer.concat([Buffer.from(DIGEST_INFO[hash], "hex"), digest]));
        } catch {
          return false;
        }
      },
      verifyMessage: none,
    };
  }
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  return {
    type,
    spki: new Uint8Array(publicKey.export({ type: "spki", format: "der" })),
    pem: pemOf(publicKey),
    raw: new Uint8Array(Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url")),
    signDigest: none,
    signMessage: (m) => new Uint8Array(sign(null, m, privateKey)),
    verifyDigest: none,
    verifyMessage(m, sig) {
      try {
        return verify(null, m, createPublicKey(pemOf(publicKey)), sig);
      } catch {
        return false;
      }
    },
  };
}
