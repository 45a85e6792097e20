/**
 * Private keys: parsing EC (SEC1 `EC PRIVATE KEY` and PKCS#8; P-256/384/521), RSA (PKCS#1
 * `RSA PRIVATE KEY` and PKCS#8) and Ed25519 (PKCS#8) keys, and encoding them to PKCS#8 DER
 * exactly as Go's `x509.MarshalPKCS8PrivateKey` does (the bytes cosign encrypts).
 *
 * @example
 * ```ts
 * const key = parsePrivateKeyPem(pemText, "ec.pem");
 * const pkcs8 = privateKeyToPkcs8(key);
 * const pub = publicKeyOf(key);
 * ```
 * @module
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { CosignError, describeError } from "../errors.ts";
import {
  bigintToBytes,
  bytesToBigint,
  DER,
  derBitString,
  derChildren,
  derEncode,
  derExpect,
  derInteger,
  derOid,
  derReadAll,
  derReadUint,
  oidToString,
} from "./der.ts";
import { pemDecode } from "./pem.ts";
import {
  checkRsaPublic,
  curveByteLength,
  curveFromOid,
  curveImpl,
  type EcCurve,
  KEY_OIDS,
  type PublicKey,
} from "./public_key.ts";

/** An ECDSA private key. */
export interface EcPrivateKey {
  /** Key type. */
  type: "ec";
  /** Curve name. */
  curve: EcCurve;
  /** The scalar, big-endian, padded to the curve size. */
  d: Uint8Array;
  /** The uncompressed public point. */
  point: Uint8Array;
}

/** An RSA private key with CRT parameters. */
export interface RsaPrivateKey {
  /** Key type. */
  type: "rsa";
  /** Modulus. */
  n: bigint;
  /** Public exponent. */
  e: bigint;
  /** Private exponent. */
  d: bigint;
  /** First prime. */
  p: bigint;
  /** Second prime. */
  q: bigint;
  /** d mod (p-1). */
  dp: bigint;
  /** d mod (q-1). */
  dq: bigint;
  /** q^-1 mod p. */
  qi: bigint;
}

/** An Ed25519 private key. */
export interface Ed25519PrivateKey {
  /** Key type. */
  type: "ed25519";
  /** The 32-byte seed. */
  seed: Uint8Array;
  /** The 32-byte public key. */
  publicKey: Uint8Array;
}

/** Any supported private key. */
export type PrivateKey = EcPrivateKey | RsaPrivateKey | Ed25519PrivateKey;

/** PEM labels of unencrypted private keys this module reads. */
export const PRIVATE_KEY_LABELS: readonly string[] = [
  "PRIVATE KEY",
  "EC PRIVATE KEY",
  "RSA PRIVATE KEY",
];

function keyError(name: string, what: string, hint?: string): CosignError {
  return new CosignError(
    "KEY",
    `Cannot read private key "${name}": ${what}`,
    hint ? { hint } : {},
  );
}

function wrap<T>(name: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof CosignError && e.code !== "INVALID_INPUT") throw e;
    throw keyError(name, describeError(e));
  }
}

/** Builds an EC private key from its scalar; the public point is derived when first read. */
export function ecPrivateKey(curve: EcCurve, scalar: Uint8Array, name = "key"): EcPrivateKey {
  const size = curveByteLength(curve);
  const n = bytesToBigint(scalar);
  const impl = curveImpl(curve);
  if (n === 0n || n >= impl.Point.CURVE().n) {
    throw keyError(name, `the ${curve} private scalar is out of range`);
  }
  const d = bigintToBytes(n, size);
  // The point costs a base-point multiplication (@noble builds its precomputation table on
  // first use, 30-60 ms): derived on first read only; signers take it from WebCrypto instead.
  const key = { type: "ec", curve, d } as EcPrivateKey;
  let point: Uint8Array | undefined;
  Object.defineProperty(key, "point", {
    enumerable: true,
    get: () => point ??= impl.getPublicKey(d, false),
  });
  return key;
}

/**
 * Parses a SEC1 ECPrivateKey (RFC 5915). `curveHint` is the curve from a PKCS#8 wrapper.
 * Throws CosignError("KEY").
 */
export function parseSec1(der: Uint8Array, name = "key", curveHint?: EcCurve): EcPrivateKey {
  return wrap(name, () => {
    const f = derChildren(derExpect(derReadAll(der), DER.SEQUENCE, "ECPrivateKey").value);
    if (derReadUint(f[0], "version") !== 1n) throw keyError(name, "ECPrivateKey version is not 1");
    const scalar = derExpect(f[1], DER.OCTET_STRING, "private key").value;
    let curve = curveHint;
    for (const x of f.slice(2)) {
      if (x.tag === DER.CONTEXT_0) {
        const oid = oidToString(derExpect(derReadAll(x.value), DER.OID, "curve").value);
        const c = curveFromOid(oid);
        if (!c) {
          throw new CosignError(
            "UNSUPPORTED",
            `Cannot use private key "${name}": curve ${oid} is not supported`,
            { hint: "cosign supports ECDSA keys on P-256, P-384 and P-521." },
          );
        }
        if (curve && curve !== c) throw keyError(name, "the curve parameters disagree");
        curve = c;
      }
    }
    if (!curve) throw keyError(name, "the EC key names no curve");
    return ecPrivateKey(curve, scalar, name);
  });
}

/** Parses a PKCS#1 RSAPrivateKey. Throws CosignError("KEY"). */
export function parsePkcs1(der: Uint8Array, name = "key"): RsaPrivateKey {
  return wrap(name, () => {
    const f = derChildren(derExpect(derReadAll(der), DER.SEQUENCE, "RSAPrivateKey").value);
    if (f.length < 9) throw keyError(name, "the RSA key is missing fields");
    const v = derReadUint(f[0], "version");
    if (v !== 0n) throw keyError(name, "multi-prime RSA keys are not supported");
    const [n, e, d, p, q, dp, dq, qi] = f.slice(1, 9).map((x, i) =>
      derReadUint(x, ["n", "e", "d", "p", "q", "dp", "dq", "qinv"][i])
    );
    const key: RsaPrivateKey = { type: "rsa", n, e, d, p, q, dp, dq, qi };
    checkRsaPublic({ type: "rsa", n, e }, name);
    if (p * q !== n || p < 2n || q < 2n) throw keyError(name, "the RSA primes do not match n");
    if (dp !== d % (p - 1n) || dq !== d % (q - 1n) || (qi * q) % p !== 1n) {
      throw keyError(name, "the RSA CRT parameters are inconsistent");
    }
    return key;
  });
}

/** Parses a PKCS#8 PrivateKeyInfo (EC, RSA or Ed25519). Throws CosignError("KEY"). */
export function parsePkcs8(der: Uint8Array, name = "key"): PrivateKey {
  const [alg, inner] = wrap(name, () => {
    const f = derChildren(derExpect(derReadAll(der), DER.SEQUENCE, "PrivateKeyInfo").value);
    const version = derReadUint(f[0], "version");
    if (version !== 0n && version !== 1n) throw keyError(name, `PKCS#8 version ${version}`);
    const algId = derChildren(derExpect(f[1], DER.SEQUENCE, "AlgorithmIdentifier").value);
    return [algId, derExpect(f[2], DER.OCTET_STRING, "privateKey").value] as const;
  });
  const oid = wrap(name, () => oidToString(derExpect(alg[0], DER.OID, "algorithm").value));
  if (oid === KEY_OIDS.ecPublicKey) {
    const curveOid = wrap(name, () => oidToString(derExpect(alg[1], DER.OID, "curve").value));
    const curve = curveFromOid(curveOid);
    if (!curve) {
      throw new CosignError(
        "UNSUPPORTED",
        `Cannot use private key "${name}": curve ${curveOid} is not supported`,
        { hint: "cosign supports ECDSA keys on P-256, P-384 and P-521." },
      );
    }
    return parseSec1(inner, name, curve);
  }
  if (oid === KEY_OIDS.rsaEncryption) return parsePkcs1(inner, name);
  if (oid === KEY_OIDS.ed25519) {
    return wrap(name, () => {
      const seed = derExpect(derReadAll(inner), DER.OCTET_STRING, "Ed25519 key").value;
      if (seed.length !== 32) throw keyError(name, "an Ed25519 private key must be 32 bytes");
      return ed25519PrivateKey(seed);
    });
  }
  throw new CosignError(
    "UNSUPPORTED",
    `Cannot use private key "${name}": algorithm ${oid} is not supported`,
    { hint: "Supported keys: ECDSA (P-256, P-384, P-521), RSA, Ed25519." },
  );
}

/** Builds an Ed25519 private key from its 32-byte seed. */
export function ed25519PrivateKey(seed: Uint8Array): Ed25519PrivateKey {
  const s = seed.slice();
  return { type: "ed25519", seed: s, publicKey: ed25519.getPublicKey(s) };
}

/**
 * Parses unencrypted PEM text: `PRIVATE KEY` (PKCS#8), `EC PRIVATE KEY` (SEC1, an
 * `EC PARAMETERS` block before it is fine) or `RSA PRIVATE KEY` (PKCS#1).
 * Throws CosignError("KEY"); an encrypted key gets a hint to decrypt it first.
 */
export function parsePrivateKeyPem(text: string, name = "key"): PrivateKey {
  const blocks = pemDecode(text, name);
  for (const b of blocks) {
    if (b.headers["Proc-Type"]?.includes("ENCRYPTED")) {
      throw keyError(
        name,
        "legacy PEM encryption (Proc-Type: 4,ENCRYPTED) is not supported",
        "Decrypt it first: openssl pkey -in KEY -out plain.pem",
      );
    }
    if (b.label === "PRIVATE KEY") return parsePkcs8(b.bytes, name);
    if (b.label === "EC PRIVATE KEY") return parseSec1(b.bytes, name);
    if (b.label === "RSA PRIVATE KEY") return parsePkcs1(b.bytes, name);
  }
  const labels = blocks.map((b) => `"${b.label}"`).join(", ");
  throw keyError(
    name,
    `found PEM ${labels}, expected "PRIVATE KEY", "EC PRIVATE KEY" or "RSA PRIVATE KEY"`,
    blocks.some((b) => b.label === "ENCRYPTED PRIVATE KEY")
      ? "Decrypt PKCS#8 keys first: openssl pkey -in KEY -out plain.pem"
      : undefined,
  );
}

/** Encodes a PKCS#1 RSAPrivateKey. */
export function encodePkcs1(key: RsaPrivateKey): Uint8Array {
  return derEncode(
    DER.SEQUENCE,
    derInteger(0n),
    ...[key.n, key.e, key.d, key.p, key.q, key.dp, key.dq, key.qi].map(derInteger),
  );
}

/**
 * Encodes a private key as PKCS#8 DER, byte for byte as Go's x509.MarshalPKCS8PrivateKey:
 * EC keys carry `ECPrivateKey{1, d, [1] publicKey}` with the curve in the algorithm
 * parameters; RSA keys carry PKCS#1 with a NULL parameter; Ed25519 keys an OCTET STRING seed.
 */
export function privateKeyToPkcs8(key: PrivateKey): Uint8Array {
  const version = derInteger(0n);
  switch (key.type) {
    case "ec":
      return derEncode(
        DER.SEQUENCE,
        version,
        derEncode(DER.SEQUENCE, derOid(KEY_OIDS.ecPublicKey), derOid(KEY_OIDS[key.curve])),
        derEncode(
          DER.OCTET_STRING,
          derEncode(
            DER.SEQUENCE,
            derInteger(1n),
            derEncode(DER.OCTET_STRING, key.d),
            derEncode(DER.CONTEXT_1, derBitString(key.point)),
          ),
        ),
      );
    case "rsa":
      return derEncode(
        DER.SEQUENCE,
        version,
        derEncode(DER.SEQUENCE, derOid(KEY_OIDS.rsaEncryption), derEncode(DER.NULL)),
        derEncode(DER.OCTET_STRING, encodePkcs1(key)),
      );
    case "ed25519":
      return derEncode(
        DER.SEQUENCE,
        version,
        derEncode(DER.SEQUENCE, derOid(KEY_OIDS.ed25519)),
        derEncode(DER.OCTET_STRING, derEncode(DER.OCTET_STRING, key.seed)),
      );
  }
}

/** The public half of a private key. */
export function publicKeyOf(key: PrivateKey): PublicKey {
  switch (key.type) {
    case "ec":
      return { type: "ec", curve: key.curve, point: key.point };
    case "rsa":
      return { type: "rsa", n: key.n, e: key.e };
    case "ed25519":
      return { type: "ed25519", key: key.publicKey };
  }
}
