/**
 * RSA signatures (RFC 8017) with BigInt arithmetic: RSASSA-PKCS1-v1_5 and RSASSA-PSS (MGF1 with
 * the same hash, salt length = hash length when signing, any salt length when verifying), over a
 * precomputed digest so large inputs can be hashed as streams. WebCrypto cannot sign a digest,
 * and node:crypto answers differently across runtimes; this gives identical results on Deno
 * and Bun. Verification returns false for anything malformed; it never throws.
 *
 * Private-key operations use the CRT and are checked by verifying the result before it is
 * returned. BigInt arithmetic is not constant-time: fine for a local CLI, not for a server.
 *
 * @example
 * ```ts
 * const sig = rsaSignDigest(key, sha256(data), "sha256", "pkcs1");
 * rsaVerifyDigest(pub, sha256(data), sig, "sha256", "pkcs1"); // true
 * ```
 * @module
 */
import { sha256, sha384, sha512 } from "@noble/hashes/sha2.js";
import { hexToBytes } from "@noble/hashes/utils.js";
import type { HashAlgorithm } from "../plugin.ts";
import { CosignError } from "../errors.ts";
import { bigintToBytes, bytesToBigint } from "./der.ts";
import type { RsaPrivateKey } from "./private_key.ts";
import type { RsaPublicKey } from "./public_key.ts";

/** RSA signature padding. */
export type RsaPadding = "pkcs1" | "pss";

/**
 * The DER DigestInfo prefix of each hash: `SEQUENCE { AlgorithmIdentifier, OCTET STRING }` up to
 * the digest itself, as listed in RFC 8017 section 9.2, note 1.
 */
export const DIGEST_INFO: Record<HashAlgorithm, Uint8Array> = {
  sha256: hexToBytes("3031300d060960864801650304020105000420"),
  sha384: hexToBytes("3041300d060960864801650304020205000430"),
  sha512: hexToBytes("3051300d060960864801650304020305000440"),
};

/** The noble hash function for a name. */
export function hashFn(h: HashAlgorithm): (m: Uint8Array) => Uint8Array {
  return h === "sha256" ? sha256 : h === "sha384" ? sha384 : sha512;
}

/** Digest length in bytes. */
export function hashLength(h: HashAlgorithm): number {
  return h === "sha256" ? 32 : h === "sha384" ? 48 : 64;
}

/** base^exp mod m by left-to-right square and multiply. */
export function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  let r = 1n;
  let b = base % m;
  const bits = exp.toString(2);
  for (let i = 0; i < bits.length; i++) {
    r = (r * r) % m;
    if (bits[i] === "1") r = (r * b) % m;
  }
  b = 0n;
  return r;
}

function byteLen(n: bigint): number {
  return Math.ceil(n.toString(2).length / 8);
}

function pkcs1Encode(digest: Uint8Array, hash: HashAlgorithm, k: number): Uint8Array | null {
  const t = [...DIGEST_INFO[hash], ...digest];
  if (k < t.length + 11) return null;
  const em = new Uint8Array(k).fill(0xff);
  em[0] = 0;
  em[1] = 1;
  em[k - t.length - 1] = 0;
  em.set(t, k - t.length);
  return em;
}

function mgf1(seed: Uint8Array, len: number, hash: HashAlgorithm): Uint8Array {
  const h = hashFn(hash);
  const out = new Uint8Array(len);
  const buf = new Uint8Array(seed.length + 4);
  buf.set(seed);
  let off = 0;
  for (let c = 0; off < len; c++) {
    buf[seed.length] = c >>> 24;
    buf[seed.length + 1] = (c >>> 16) & 0xff;
    buf[seed.length + 2] = (c >>> 8) & 0xff;
    buf[seed.length + 3] = c & 0xff;
    const block = h(buf);
    out.set(block.subarray(0, Math.min(block.length, len - off)), off);
    off += block.length;
  }
  return out;
}

/** H = Hash(M'), M' = (0x)00 00 00 00 00 00 00 00 || mHash || salt (RFC 8017 section 9.1). */
function pssHash(digest: Uint8Array, salt: Uint8Array, hash: HashAlgorithm): Uint8Array {
  const mPrime = new Uint8Array(8 + digest.length + salt.length);
  mPrime.set(digest, 8);
  mPrime.set(salt, 8 + digest.length);
  return hashFn(hash)(mPrime);
}

function pssEncode(
  digest: Uint8Array,
  hash: HashAlgorithm,
  emBits: number,
  salt: Uint8Array,
): Uint8Array {
  const hLen = hashLength(hash);
  const emLen = Math.ceil(emBits / 8);
  if (emLen < hLen + salt.length + 2) {
    throw new CosignError("KEY", "Cannot sign with RSA-PSS: the key is too small");
  }
  const H = pssHash(digest, salt, hash);
  const db = new Uint8Array(emLen - hLen - 1);
  db[emLen - salt.length - hLen - 2] = 1;
  db.set(salt, emLen - salt.length - hLen - 1);
  const mask = mgf1(H, db.length, hash);
  for (let i = 0; i < db.length; i++) db[i] ^= mask[i];
  db[0] &= 0xff >> (8 * emLen - emBits);
  const em = new Uint8Array(emLen);
  em.set(db);
  em.set(H, db.length);
  em[emLen - 1] = 0xbc;
  return em;
}

function pssVerify(digest: Uint8Array, em: Uint8Array, emBits: number, hash: HashAlgorithm) {
  const hLen = hashLength(hash);
  const emLen = Math.ceil(emBits / 8);
  if (em.length !== emLen || emLen < hLen + 2 || em[emLen - 1] !== 0xbc) return false;
  const db = em.slice(0, emLen - hLen - 1);
  const H = em.subarray(emLen - hLen - 1, emLen - 1);
  const topBits = 8 * emLen - emBits;
  if (db[0] & ~(0xff >> topBits) & 0xff) return false;
  const mask = mgf1(H, db.length, hash);
  for (let i = 0; i < db.length; i++) db[i] ^= mask[i];
  db[0] &= 0xff >> topBits;
  let i = 0;
  while (i < db.length && db[i] === 0) i++;
  if (i >= db.length || db[i] !== 1) return false;
  const salt = db.subarray(i + 1);
  const H2 = pssHash(digest, salt, hash);
  return H2.length === H.length && H2.every((v, j) => v === H[j]);
}

/**
 * Verifies an RSA signature over a digest. Returns false (never throws) for a bad signature,
 * a wrong length or a digest of the wrong size.
 */
export function rsaVerifyDigest(
  key: RsaPublicKey,
  digest: Uint8Array,
  signature: Uint8Array,
  hash: HashAlgorithm,
  padding: RsaPadding,
): boolean {
  if (digest.length !== hashLength(hash)) return false;
  const k = byteLen(key.n);
  if (signature.length !== k) return false;
  const s = bytesToBigint(signature);
  if (s >= key.n) return false;
  const m = modPow(s, key.e, key.n);
  if (padding === "pkcs1") {
    const expected = pkcs1Encode(digest, hash, k);
    if (!expected) return false;
    const em = bigintToBytes(m, k);
    let diff = 0;
    for (let i = 0; i < k; i++) diff |= em[i] ^ expected[i];
    return diff === 0;
  }
  const emBits = key.n.toString(2).length - 1;
  const emLen = Math.ceil(emBits / 8);
  if (m.toString(2).length > emBits) return false;
  return pssVerify(digest, bigintToBytes(m, emLen), emBits, hash);
}

function privateOp(key: RsaPrivateKey, m: bigint): bigint {
  // CRT: s = s2 + q * (qi * (s1 - s2) mod p)
  const s1 = modPow(m % key.p, key.dp, key.p);
  const s2 = modPow(m % key.q, key.dq, key.q);
  let h = (key.qi * (s1 - s2)) % key.p;
  if (h < 0n) h += key.p;
  return s2 + key.q * h;
}

/**
 * Signs a digest with an RSA private key. Throws CosignError("KEY") when the key is too small
 * for the padding or the computation fails its self-check.
 */
export function rsaSignDigest(
  key: RsaPrivateKey,
  digest: Uint8Array,
  hash: HashAlgorithm,
  padding: RsaPadding,
): Uint8Array {
  if (digest.length !== hashLength(hash)) {
    throw new CosignError("INTERNAL", `RSA sign: digest is not ${hash}`);
  }
  const k = byteLen(key.n);
  let em: Uint8Array | null;
  if (padding === "pkcs1") {
    em = pkcs1Encode(digest, hash, k);
    if (!em) throw new CosignError("KEY", "Cannot sign with RSA: the key is too small");
  } else {
    const salt = crypto.getRandomValues(new Uint8Array(hashLength(hash)));
    em = pssEncode(digest, hash, key.n.toString(2).length - 1, salt);
  }
  const sig = bigintToBytes(privateOp(key, bytesToBigint(em)), k);
  if (!rsaVerifyDigest({ type: "rsa", n: key.n, e: key.e }, digest, sig, hash, padding)) {
    throw new CosignError("KEY", "Cannot sign with RSA: the private key is inconsistent");
  }
  return sig;
}
