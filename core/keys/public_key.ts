/**
 * Public keys: SubjectPublicKeyInfo (SPKI) parsing and encoding for ECDSA (P-256, P-384,
 * P-521), RSA and Ed25519, the `PUBLIC KEY` PEM cosign writes, and taking the key out of a
 * `CERTIFICATE`.
 *
 * @example
 * ```ts
 * const key = parsePublicKeyPem(await readFile("cosign.pub", "utf8"), "cosign.pub");
 * const { spki, pem } = publicKeyMaterial(key);
 * ```
 * @module
 */
import { p256, p384, p521 } from "@noble/curves/nist.js";
import { CosignError, describeError } from "../errors.ts";
import type { PublicKeyMaterial } from "../plugin.ts";
import {
  DER,
  derBitString,
  derChildren,
  derEncode,
  derExpect,
  derInteger,
  derOid,
  derReadAll,
  derReadBitString,
  derReadUint,
  oidToString,
} from "./der.ts";
import { pemDecode, pemEncode } from "./pem.ts";
import { shortNumber } from "../encoding.ts";

/** The NIST curves cosign supports. */
export type EcCurve = "P-256" | "P-384" | "P-521";

/** An ECDSA public key: the uncompressed point `04 || X || Y`. */
export interface EcPublicKey {
  /** Key type. */
  type: "ec";
  /** Curve name. */
  curve: EcCurve;
  /** Uncompressed point. */
  point: Uint8Array;
}

/** An RSA public key. */
export interface RsaPublicKey {
  /** Key type. */
  type: "rsa";
  /** Modulus. */
  n: bigint;
  /** Public exponent. */
  e: bigint;
}

/** An Ed25519 public key (32 bytes). */
export interface Ed25519PublicKey {
  /** Key type. */
  type: "ed25519";
  /** The encoded point. */
  key: Uint8Array;
}

/** Any supported public key. */
export type PublicKey = EcPublicKey | RsaPublicKey | Ed25519PublicKey;

/** Object identifiers used in key structures. */
export const KEY_OIDS = {
  ecPublicKey: "1.2.840.10045.2.1",
  rsaEncryption: "1.2.840.113549.1.1.1",
  ed25519: "1.3.101.112",
  "P-256": "1.2.840.10045.3.1.7",
  "P-384": "1.3.132.0.34",
  "P-521": "1.3.132.0.35",
} as const;

/** The noble implementation of a curve. */
export function curveImpl(curve: EcCurve): typeof p256 {
  return curve === "P-256" ? p256 : curve === "P-384" ? p384 : p521;
}

/** The curve with this OID, or undefined. */
export function curveFromOid(oid: string): EcCurve | undefined {
  return (["P-256", "P-384", "P-521"] as const).find((c) => KEY_OIDS[c] === oid);
}

/** Bytes in a scalar / coordinate of the curve. */
export function curveByteLength(curve: EcCurve): number {
  return curve === "P-256" ? 32 : curve === "P-384" ? 48 : 66;
}

function keyError(name: string, what: string, hint?: string): CosignError {
  return new CosignError("KEY", `Cannot read public key "${name}": ${what}`, hint ? { hint } : {});
}

/**
 * Checks an EC point is on the curve and returns it uncompressed.
 * Throws CosignError("KEY").
 */
export function checkEcPoint(curve: EcCurve, point: Uint8Array, name = "key"): Uint8Array {
  try {
    return curveImpl(curve).Point.fromBytes(point).toBytes(false);
  } catch (e) {
    throw keyError(name, `the ${curve} point is invalid (${describeError(e)})`);
  }
}

/**
 * Parses a DER SubjectPublicKeyInfo. Throws CosignError("KEY") for malformed input, an unknown
 * algorithm or curve, or an invalid point.
 */
export function parseSpki(spki: Uint8Array, name = "key"): PublicKey {
  let top, alg, bits;
  try {
    top = derReadAll(spki);
    derExpect(top, DER.SEQUENCE, "SubjectPublicKeyInfo");
    [alg, bits] = derChildren(top.value);
    derExpect(alg, DER.SEQUENCE, "AlgorithmIdentifier");
  } catch (e) {
    throw keyError(name, `not a DER SubjectPublicKeyInfo (${describeError(e)})`);
  }
  try {
    const [oidEl, params] = derChildren(alg.value);
    const oid = oidToString(derExpect(oidEl, DER.OID, "algorithm").value);
    const keyBytes = derReadBitString(bits, "subjectPublicKey");
    if (oid === KEY_OIDS.ecPublicKey) {
      const curveOid = oidToString(derExpect(params, DER.OID, "named curve").value);
      const curve = curveFromOid(curveOid);
      if (!curve) {
        throw new CosignError(
          "UNSUPPORTED",
          `Cannot use public key "${name}": curve ${curveOid} is not supported`,
          { hint: "cosign supports ECDSA keys on P-256, P-384 and P-521." },
        );
      }
      return { type: "ec", curve, point: checkEcPoint(curve, keyBytes, name) };
    }
    if (oid === KEY_OIDS.rsaEncryption) {
      const rsa = derExpect(derReadAll(keyBytes), DER.SEQUENCE, "RSAPublicKey");
      const [n, e] = derChildren(rsa.value);
      const key: RsaPublicKey = {
        type: "rsa",
        n: derReadUint(n, "modulus"),
        e: derReadUint(e, "exponent"),
      };
      checkRsaPublic(key, name);
      return key;
    }
    if (oid === KEY_OIDS.ed25519) {
      if (keyBytes.length !== 32) throw keyError(name, "an Ed25519 key must be 32 bytes");
      return { type: "ed25519", key: keyBytes.slice() };
    }
    throw new CosignError(
      "UNSUPPORTED",
      `Cannot use public key "${name}": algorithm ${oid} is not supported`,
      { hint: "Supported keys: ECDSA (P-256, P-384, P-521), RSA, Ed25519." },
    );
  } catch (e) {
    if (e instanceof CosignError && e.code !== "INVALID_INPUT") throw e;
    throw keyError(name, describeError(e));
  }
}

/** Checks an RSA public key's size and exponent. Throws CosignError("KEY"). */
export function checkRsaPublic(key: RsaPublicKey, name = "key"): void {
  const bits = key.n.toString(2).length;
  if (bits < 1024 || bits > 16384) {
    throw keyError(name, `an RSA modulus of ${bits} bits is not supported (1024 to 16384)`);
  }
  if (key.e < 3n || key.e % 2n === 0n || key.e > (1n << 64n)) {
    throw keyError(name, `the RSA public exponent ${shortNumber(key.e)} is invalid`);
  }
}

/** Encodes a public key as DER SubjectPublicKeyInfo (as Go's x509.MarshalPKIXPublicKey). */
export function encodeSpki(key: PublicKey): Uint8Array {
  switch (key.type) {
    case "ec":
      return derEncode(
        DER.SEQUENCE,
        derEncode(DER.SEQUENCE, derOid(KEY_OIDS.ecPublicKey), derOid(KEY_OIDS[key.curve])),
        derBitString(key.point),
      );
    case "rsa":
      return derEncode(
        DER.SEQUENCE,
        derEncode(DER.SEQUENCE, derOid(KEY_OIDS.rsaEncryption), derEncode(DER.NULL)),
        derBitString(derEncode(DER.SEQUENCE, derInteger(key.n), derInteger(key.e))),
      );
    case "ed25519":
      return derEncode(
        DER.SEQUENCE,
        derEncode(DER.SEQUENCE, derOid(KEY_OIDS.ed25519)),
        derBitString(key.key),
      );
  }
}

/** The SPKI DER and `PUBLIC KEY` PEM of a key. */
export function publicKeyMaterial(key: PublicKey): PublicKeyMaterial {
  const spki = encodeSpki(key);
  return { spki, pem: pemEncode("PUBLIC KEY", spki) };
}

/**
 * The DER SubjectPublicKeyInfo inside a DER X.509 certificate. Throws CosignError("KEY").
 */
export function spkiFromCertificate(cert: Uint8Array, name = "certificate"): Uint8Array {
  try {
    const top = derExpect(derReadAll(cert), DER.SEQUENCE, "Certificate");
    const [tbs] = derChildren(top.value);
    derExpect(tbs, DER.SEQUENCE, "TBSCertificate");
    const f = derChildren(tbs.value);
    const i = f[0]?.tag === DER.CONTEXT_0 ? 1 : 0; // optional [0] version
    const spki = derExpect(f[i + 5], DER.SEQUENCE, "subjectPublicKeyInfo");
    return spki.raw.slice();
  } catch (e) {
    throw new CosignError("KEY", `Cannot read certificate "${name}": ${describeError(e)}`);
  }
}

/**
 * Parses PEM text holding a `PUBLIC KEY`, an `RSA PUBLIC KEY` (PKCS#1) or a `CERTIFICATE`
 * (its key is used; the first certificate is the leaf). Throws CosignError("KEY").
 */
export function parsePublicKeyPem(text: string, name = "key"): PublicKey {
  const blocks = pemDecode(text, name);
  for (const b of blocks) {
    if (b.label === "PUBLIC KEY") return parseSpki(b.bytes, name);
    if (b.label === "CERTIFICATE") return parseSpki(spkiFromCertificate(b.bytes, name), name);
    if (b.label === "RSA PUBLIC KEY") {
      try {
        const [n, e] = derChildren(derExpect(derReadAll(b.bytes), DER.SEQUENCE, "RSA key").value);
        const key: RsaPublicKey = {
          type: "rsa",
          n: derReadUint(n, "modulus"),
          e: derReadUint(e, "exponent"),
        };
        checkRsaPublic(key, name);
        return key;
      } catch (e) {
        if (e instanceof CosignError && e.code !== "INVALID_INPUT") throw e;
        throw keyError(name, describeError(e));
      }
    }
  }
  throw keyError(
    name,
    `found PEM ${blocks.map((b) => `"${b.label}"`).join(", ")}, expected "PUBLIC KEY" or ` +
      `"CERTIFICATE"`,
    "Pass the .pub file written by generate-key-pair, or a certificate.",
  );
}

/** Compares two public keys by their SPKI encoding. */
export function samePublicKey(a: PublicKey, b: PublicKey): boolean {
  const x = encodeSpki(a), y = encodeSpki(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}
