/**
 * Signing through WebCrypto where the runtime has the algorithm, @noble as the fallback, with
 * byte-identical answers: ECDSA (P-256/384/521) as ASN.1 DER with a low S over SHA-256 (as
 * cosign, on every curve), and pure Ed25519. WebCrypto spares a command @noble's base-point
 * precomputation table, 30–60 ms of CPU on its first signature.
 *
 * ECDSA follows @noble's signing step by step (RFC 6979 nonce k from @noble's HMAC-DRBG over the
 * curve's hash, blinded inversion, low S) except for the one expensive operation, R = k·G, which
 * WebCrypto computes natively: k is imported as a private key and R is read from its exported
 * public JWK. The signature bytes are therefore exactly @noble's, whichever path signed (tests
 * compare both). Where WebCrypto lacks the curve, @noble signs.
 *
 * @example
 * ```ts
 * const ec = ecdsaSigning("P-256", d, () => point);
 * const der = await ec.sign(new TextEncoder().encode("hello"));
 * const pub = await ec.point(); // uncompressed public point
 * ```
 * @module
 */
import { base64urlnopad } from "@scure/base";
import { ed25519 } from "@noble/curves/ed25519.js";
import { createHmacDrbg } from "@noble/curves/utils.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256, sha384, sha512 } from "@noble/hashes/sha2.js";
import { CosignError } from "../errors.ts";
import { bytesToBigint, DER, derEncode, derInteger, derOid } from "./der.ts";
import { curveByteLength, curveImpl, type EcCurve, KEY_OIDS } from "./public_key.ts";

/** ECDSA signing operations for one private scalar. */
export interface EcdsaSigning {
  /** DER signature over SHA-256(message). */
  sign(message: Uint8Array): Promise<Uint8Array>;
  /** DER signature over a SHA-256 digest. Rejects with CosignError("INTERNAL") for another length. */
  signDigest(digest: Uint8Array): Promise<Uint8Array>;
  /** The uncompressed public point (from WebCrypto; from @noble only as the fallback). */
  point(): Promise<Uint8Array>;
}

/** Which implementation signs; for tests. */
export interface SigningPath {
  /** "webcrypto" or "noble". */
  path(): Promise<"webcrypto" | "noble">;
}

const dec = (s: string | undefined): Uint8Array => base64urlnopad.decode(s ?? "");

/** The curve's own hash, which @noble's RFC 6979 DRBG uses. */
const DRBG_HASH = { "P-256": sha256, "P-384": sha384, "P-521": sha512 } as const;

/**
 * k·G through WebCrypto: the uncompressed point of the scalar `k` (curve-sized, in [1, n-1]),
 * or undefined where the runtime cannot import a key on this curve.
 */
async function basePointMultiple(curve: EcCurve, k: Uint8Array): Promise<Uint8Array | undefined> {
  const pkcs8 = derEncode(
    DER.SEQUENCE,
    derInteger(0n),
    derEncode(DER.SEQUENCE, derOid(KEY_OIDS.ecPublicKey), derOid(KEY_OIDS[curve])),
    derEncode(
      DER.OCTET_STRING,
      derEncode(DER.SEQUENCE, derInteger(1n), derEncode(DER.OCTET_STRING, k)),
    ),
  );
  let jwk: JsonWebKey;
  try {
    const key = await crypto.subtle.importKey(
      "pkcs8",
      pkcs8 as Uint8Array<ArrayBuffer>,
      { name: "ECDSA", namedCurve: curve },
      true,
      ["sign"],
    );
    jwk = await crypto.subtle.exportKey("jwk", key);
  } catch {
    return undefined;
  }
  const size = curveByteLength(curve);
  const x = dec(jwk.x), y = dec(jwk.y);
  if (x.length !== size || y.length !== size) return undefined;
  const p = new Uint8Array(1 + 2 * size);
  p[0] = 4;
  p.set(x, 1);
  p.set(y, 1 + size);
  return p;
}

/** @noble's signature of a SHA-256 digest, with k·G from WebCrypto (see the module doc). */
async function signWithWebCrypto(
  curve: EcCurve,
  d: Uint8Array,
  digest: Uint8Array,
): Promise<Uint8Array | undefined> {
  const Fn = curveImpl(curve).Point.Fn;
  const n = Fn.ORDER;
  const bits2int = (b: Uint8Array) => {
    const extra = b.length * 8 - Fn.BITS;
    return extra > 0 ? bytesToBigint(b) >> BigInt(extra) : bytesToBigint(b);
  };
  const m = Fn.create(bits2int(digest));
  const dn = bytesToBigint(d);
  const seed = new Uint8Array([...Fn.toBytes(dn), ...Fn.toBytes(m)]);
  const hash = DRBG_HASH[curve];
  const drbg = createHmacDrbg(
    hash.outputLen,
    Fn.BYTES,
    (key: Uint8Array, msg: Uint8Array) => hmac(hash, key, msg),
  );
  // The candidates @noble's k2sig would take, in order (a retry needs r = 0 or s = 0).
  for (let skip = 0;; skip++) {
    let seen = 0;
    const k = drbg(seed, (bytes: Uint8Array) => {
      const v = bits2int(bytes);
      return Fn.isValidNot0(v) && seen++ === skip ? v : undefined;
    }) as bigint;
    const R = await basePointMultiple(curve, Fn.toBytes(k));
    if (!R) return undefined;
    const r = Fn.create(bytesToBigint(R.subarray(1, 1 + curveByteLength(curve))));
    if (r === 0n) continue;
    // Blinded inversion, as @noble: s = (b·k)⁻¹ · (b·m + b·d·r) = k⁻¹ · (m + r·d).
    let b = 0n;
    while (b === 0n) {
      b = Fn.create(bytesToBigint(crypto.getRandomValues(new Uint8Array(Fn.BYTES + 16))));
    }
    const s = Fn.mul(Fn.inv(Fn.mul(b, k)), Fn.add(Fn.mul(b, m), Fn.mul(Fn.mul(b, dn), r)));
    if (s === 0n) continue;
    return derEncode(DER.SEQUENCE, derInteger(r), derInteger(s > n >> 1n ? n - s : s));
  }
}

/**
 * ECDSA signing for the scalar `d` (big-endian, curve-sized) on `curve`. `nobleOnly` forces the
 * fallback (for tests that compare both paths). `fallbackPoint` gives the public point when
 * WebCrypto lacks the curve (it costs a base-point multiplication, so it is called only then).
 */
export function ecdsaSigning(
  curve: EcCurve,
  d: Uint8Array,
  fallbackPoint: () => Uint8Array,
  nobleOnly = false,
): EcdsaSigning & SigningPath {
  let pub: Promise<Uint8Array | undefined> | undefined;
  const webPoint = () =>
    pub ??= nobleOnly ? Promise.resolve(undefined) : basePointMultiple(curve, d);
  const signDigest = async (digest: Uint8Array): Promise<Uint8Array> => {
    if (digest.length !== 32) {
      throw new CosignError("INTERNAL", "ECDSA signDigest expects a SHA-256 digest");
    }
    const web = (await webPoint()) ? await signWithWebCrypto(curve, d, digest) : undefined;
    return web ?? curveImpl(curve).sign(digest, d, { prehash: false, lowS: true, format: "der" });
  };
  return {
    signDigest,
    sign: (message) => signDigest(sha256(message)),
    point: async () => (await webPoint()) ?? fallbackPoint(),
    path: async () => (await webPoint()) ? "webcrypto" : "noble",
  };
}

/**
 * Pure Ed25519 signing of `message` with the 32-byte seed whose PKCS#8 is `pkcs8`: WebCrypto
 * where the runtime has Ed25519, @noble otherwise (Ed25519 is deterministic: the same bytes).
 */
export function ed25519Signing(
  seed: Uint8Array,
  pkcs8: Uint8Array,
  nobleOnly = false,
): { sign(message: Uint8Array): Promise<Uint8Array> } & SigningPath {
  let web: Promise<CryptoKey | undefined> | undefined;
  const webKey = () =>
    web ??= nobleOnly ? Promise.resolve(undefined) : crypto.subtle.importKey(
      "pkcs8",
      pkcs8 as Uint8Array<ArrayBuffer>,
      { name: "Ed25519" },
      false,
      ["sign"],
    ).catch(() => undefined);
  return {
    async sign(message) {
      const k = await webKey();
      if (!k) return ed25519.sign(message, seed);
      return new Uint8Array(
        await crypto.subtle.sign({ name: "Ed25519" }, k, message as Uint8Array<ArrayBuffer>),
      );
    },
    path: async () => (await webKey()) ? "webcrypto" : "noble",
  };
}
