/**
 * Signature verification with a DER SubjectPublicKeyInfo, through WebCrypto (native on Deno and
 * Bun, same answer on both) with @noble as fallback. ECDSA signatures arrive in ASN.1 DER as
 * Sigstore writes them; RSA as PKCS#1 v1.5 (or PSS when the key/details say so); Ed25519 raw.
 *
 * @example
 * ```ts
 * const ok = await verifySpki(spkiDer, message, signatureDer, "sha256");
 * ```
 * @module
 */
import { CosignError } from "../errors.ts";
import { toHex as encodeHex } from "../encoding.ts";

/** Key types recognised from an SPKI's algorithm identifier. */
export type SpkiKind = "ec-p256" | "ec-p384" | "ec-p521" | "ed25519" | "rsa";

const OID_EC = "2a8648ce3d0201";
const OID_P256 = "2a8648ce3d030107";
const OID_P384 = "2b81040022";
const OID_P521 = "2b81040023";
const OID_ED25519 = "2b6570";
const OID_RSA = "2a864886f70d010101";

// core/encoding's table-driven hex (Array.from + padStart per byte was a hot spot).
const hex = (b: Uint8Array): string => encodeHex(b);

/** Identifies the key type of a DER SubjectPublicKeyInfo. Throws CosignError("KEY") if unknown. */
export function spkiKind(spki: Uint8Array): SpkiKind {
  const h = hex(spki.subarray(0, Math.min(spki.length, 40)));
  if (h.includes("06072a8648ce3d0201")) {
    if (h.includes("0608" + OID_P256)) return "ec-p256";
    if (h.includes("0605" + OID_P384)) return "ec-p384";
    if (h.includes("0605" + OID_P521)) return "ec-p521";
  }
  if (h.includes("0603" + OID_ED25519)) return "ed25519";
  if (h.includes("0609" + OID_RSA)) return "rsa";
  void OID_EC;
  throw new CosignError(
    "KEY",
    `Cannot use public key: unsupported key type (SPKI ${h.slice(0, 40)}…)`,
  );
}

/** Converts an ASN.1 DER ECDSA signature to IEEE P1363 r‖s of `size` bytes each; null if malformed. */
export function derToP1363(der: Uint8Array, size: number): Uint8Array | null {
  let p = 0;
  const readLen = (): number => {
    let len = der[p++];
    if (len === undefined) return -1;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n < 1 || n > 2) return -1;
      len = 0;
      for (let i = 0; i < n; i++) len = (len << 8) | der[p++];
    }
    return len;
  };
  if (der[p++] !== 0x30) return null;
  const total = readLen();
  if (total < 0 || p + total !== der.length) return null;
  const out = new Uint8Array(size * 2);
  for (let k = 0; k < 2; k++) {
    if (der[p++] !== 0x02) return null;
    const len = readLen();
    if (len <= 0 || p + len > der.length) return null;
    let v = der.subarray(p, p + len);
    p += len;
    while (v.length > 1 && v[0] === 0) v = v.subarray(1);
    if (v.length > size) return null;
    out.set(v, k * size + size - v.length);
  }
  return p === der.length ? out : null;
}

const subtle = (): SubtleCrypto => globalThis.crypto.subtle;
const keyCache = new Map<string, Promise<CryptoKey>>();

function hashName(h: "sha256" | "sha384" | "sha512"): string {
  return h === "sha256" ? "SHA-256" : h === "sha384" ? "SHA-384" : "SHA-512";
}

/** Default hash for a key type, as Sigstore uses it. */
export function defaultHash(kind: SpkiKind): "sha256" | "sha384" | "sha512" {
  return kind === "ec-p384" ? "sha384" : kind === "ec-p521" ? "sha512" : "sha256";
}

/**
 * Verifies `signature` over `message` with the SPKI key. Returns false for a bad signature or a
 * malformed one; throws CosignError("KEY") only for an unusable key.
 */
export async function verifySpki(
  spki: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
  hash?: "sha256" | "sha384" | "sha512",
  options: { rsaPss?: boolean } = {},
): Promise<boolean> {
  const kind = spkiKind(spki);
  const h = hash ?? defaultHash(kind);
  const msg = new Uint8Array(message);
  try {
    if (kind === "ed25519") {
      const key = await importKey(spki, { name: "Ed25519" }, "ed");
      return await subtle().verify({ name: "Ed25519" }, key, new Uint8Array(signature), msg);
    }
    if (kind === "rsa") {
      const name = options.rsaPss ? "RSA-PSS" : "RSASSA-PKCS1-v1_5";
      const key = await importKey(spki, { name, hash: hashName(h) }, `${name}-${h}`);
      const params = options.rsaPss
        ? { name, saltLength: h === "sha256" ? 32 : h === "sha384" ? 48 : 64 }
        : { name };
      return await subtle().verify(params, key, new Uint8Array(signature), msg);
    }
    const curve = kind === "ec-p256" ? "P-256" : kind === "ec-p384" ? "P-384" : "P-521";
    const size = kind === "ec-p256" ? 32 : kind === "ec-p384" ? 48 : 66;
    const raw = derToP1363(signature, size);
    if (!raw) return false;
    const key = await importKey(spki, { name: "ECDSA", namedCurve: curve }, "ec");
    return await subtle().verify(
      { name: "ECDSA", hash: hashName(h) },
      key,
      new Uint8Array(raw),
      msg,
    );
  } catch (e) {
    if (e instanceof CosignError) throw e;
    return false;
  }
}

function importKey(
  spki: Uint8Array,
  alg: AlgorithmIdentifier | RsaHashedImportParams | EcKeyImportParams,
  tag: string,
): Promise<CryptoKey> {
  const id = tag + ":" + hex(spki);
  let p = keyCache.get(id);
  if (!p) {
    p = subtle().importKey("spki", new Uint8Array(spki), alg, false, ["verify"]).catch((e) => {
      keyCache.delete(id);
      throw new CosignError("KEY", `Cannot import public key: ${(e as Error).message}`);
    });
    keyCache.set(id, p);
  }
  return p;
}

/** SHA-256 of bytes (WebCrypto). */
export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest("SHA-256", data as Uint8Array<ArrayBuffer>));
}

/** Digest with a named hash (WebCrypto). */
export async function digest(
  alg: "sha256" | "sha384" | "sha512",
  data: Uint8Array,
): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest(hashName(alg), data as Uint8Array<ArrayBuffer>));
}

/** Constant-shape byte comparison. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

/** Lower-case hex of bytes. */
export function toHex(b: Uint8Array): string {
  return hex(b);
}
