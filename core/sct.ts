/**
 * Signed certificate timestamps (RFC 6962): checks that a Fulcio certificate was logged by a CT
 * log the trusted root names. Embedded SCTs (precertificate entries, the usual case) and
 * detached SCTs (x509 entries) are both handled. Signatures are checked with WebCrypto.
 *
 * @example
 * ```ts
 * await verifyCertificateScts(leafDer, issuerDer, ctlogsFromTrustedRoot(rootJson));
 * ```
 * @module
 */
import { CosignError } from "./errors.ts";

/** OID of the embedded SCT list extension. */
export const SCT_LIST_OID = "1.3.6.1.4.1.11129.2.4.2";

/** A CT log's key, as a trusted root lists it. */
export interface CtLogKey {
  /** SHA-256 of the key's SPKI (the RFC 6962 log ID). */
  logId: Uint8Array;
  /** DER SubjectPublicKeyInfo. */
  spki: Uint8Array;
  /** Validity window start. */
  start?: Date;
  /** Validity window end (inclusive). */
  end?: Date;
}

/** One parsed SCT. */
export interface Sct {
  /** Version (0 = v1). */
  version: number;
  /** Log ID (32 bytes). */
  logId: Uint8Array;
  /** Milliseconds since the epoch. */
  timestamp: number;
  /** CT extensions. */
  extensions: Uint8Array;
  /** TLS hash algorithm (4 = SHA-256). */
  hashAlgorithm: number;
  /** TLS signature algorithm (3 = ECDSA, 1 = RSA). */
  signatureAlgorithm: number;
  /** The signature. */
  signature: Uint8Array;
}

function invalid(what: string): CosignError {
  return new CosignError("VERIFY", `Cannot check the certificate's SCT: ${what}`, {
    hint: "The certificate did not come from a Fulcio that logs to the trusted CT logs.",
  });
}

function unb64(s: string): Uint8Array {
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

/** The CT log keys of a trusted root JSON object (`ctlogs[]`). */
export function ctlogsFromTrustedRoot(root: unknown): CtLogKey[] {
  const logs = (root as { ctlogs?: unknown })?.ctlogs;
  if (!Array.isArray(logs)) return [];
  const out: CtLogKey[] = [];
  for (const l of logs) {
    const pk = (l as Record<string, Record<string, unknown>>)?.publicKey;
    const id = (l as Record<string, Record<string, unknown>>)?.logId?.keyId;
    if (typeof pk?.rawBytes !== "string" || typeof id !== "string") continue;
    const vf = (pk.validFor ?? {}) as Record<string, string>;
    out.push({
      logId: unb64(id),
      spki: unb64(pk.rawBytes),
      start: vf.start ? new Date(vf.start) : undefined,
      end: vf.end ? new Date(vf.end) : undefined,
    });
  }
  return out;
}

class Reader {
  #o = 0;
  constructor(readonly b: Uint8Array) {}
  get done(): boolean {
    return this.#o >= this.b.length;
  }
  bytes(n: number): Uint8Array {
    if (this.#o + n > this.b.length) throw invalid("the SCT list is truncated");
    const r = this.b.subarray(this.#o, this.#o + n);
    this.#o += n;
    return r;
  }
  uint(n: number): number {
    let v = 0;
    for (const x of this.bytes(n)) v = v * 256 + x;
    return v;
  }
  vec(lenBytes: number): Uint8Array {
    return this.bytes(this.uint(lenBytes));
  }
}

/** Parses one TLS-encoded SCT. */
export function parseSct(bytes: Uint8Array): Sct {
  const r = new Reader(bytes);
  const version = r.uint(1);
  const logId = r.bytes(32);
  const timestamp = r.uint(8);
  const extensions = r.vec(2);
  const hashAlgorithm = r.uint(1);
  const signatureAlgorithm = r.uint(1);
  const signature = r.vec(2);
  return { version, logId, timestamp, extensions, hashAlgorithm, signatureAlgorithm, signature };
}

/** Parses a TLS-encoded SignedCertificateTimestampList. */
export function parseSctList(bytes: Uint8Array): Sct[] {
  const outer = new Reader(bytes);
  const list = new Reader(outer.vec(2));
  const out: Sct[] = [];
  while (!list.done) out.push(parseSct(list.vec(2)));
  return out;
}

function u(n: number, len: number): Uint8Array {
  const r = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--) {
    r[i] = n % 256;
    n = Math.floor(n / 256);
  }
  return r;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const r = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    r.set(p, o);
    o += p.length;
  }
  return r;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function derToRaw(der: Uint8Array, size: number): Uint8Array<ArrayBuffer> | undefined {
  // SEQUENCE { INTEGER r, INTEGER s }, short or long form lengths.
  let o = 0;
  if (der[o++] !== 0x30) return undefined;
  let len = der[o++];
  if (len & 0x80) o += len & 0x7f;
  const out = new Uint8Array(size * 2);
  for (let k = 0; k < 2; k++) {
    if (der[o++] !== 0x02) return undefined;
    len = der[o++];
    let v = der.subarray(o, o + len);
    o += len;
    while (v.length > size && v[0] === 0) v = v.subarray(1);
    if (v.length > size) return undefined;
    out.set(v, k * size + size - v.length);
  }
  return out;
}

async function verifyWithSpki(
  spki: Uint8Array,
  data: Uint8Array,
  sig: Uint8Array,
): Promise<boolean> {
  const subtle = globalThis.crypto.subtle;
  for (const [curve, size, hash] of [["P-256", 32, "SHA-256"], ["P-384", 48, "SHA-384"]] as const) {
    let key: CryptoKey;
    try {
      key = await subtle.importKey(
        "spki",
        new Uint8Array(spki),
        {
          name: "ECDSA",
          namedCurve: curve,
        },
        false,
        ["verify"],
      );
    } catch {
      continue;
    }
    const raw = derToRaw(sig, size);
    if (!raw) return false;
    return await subtle.verify(
      { name: "ECDSA", hash: curve === "P-256" ? "SHA-256" : hash },
      key,
      raw,
      new Uint8Array(data),
    );
  }
  try {
    const key = await subtle.importKey(
      "spki",
      new Uint8Array(spki),
      {
        name: "RSASSA-PKCS1-v1_5",
        hash: "SHA-256",
      },
      false,
      ["verify"],
    );
    return await subtle.verify("RSASSA-PKCS1-v1_5", key, new Uint8Array(sig), new Uint8Array(data));
  } catch {
    return false;
  }
}

/**
 * Verifies the certificate's SCTs against the CT log keys: at least one SCT must come from a
 * known log, be valid in that log's window, and carry a valid signature. `detachedSct` (TLS
 * SCT) is used when the certificate embeds none. Throws CosignError("VERIFY") naming what failed.
 */
export async function verifyCertificateScts(
  leaf: Uint8Array,
  issuer: Uint8Array | undefined,
  ctlogs: CtLogKey[],
  detachedSct?: Uint8Array,
): Promise<Sct> {
  if (ctlogs.length === 0) throw invalid("the trusted root lists no CT logs");
  const pkijs = await import("pkijs");
  const asn1js = await import("asn1js");
  const cert = pkijs.Certificate.fromBER(new Uint8Array(leaf));
  const exts = cert.extensions ?? [];
  const sctExt = exts.find((e) => e.extnID === SCT_LIST_OID);
  let scts: Sct[];
  let signedEntry: (s: Sct) => Uint8Array;
  if (sctExt) {
    if (!issuer) throw invalid("the certificate chain has no issuer to compute the key hash");
    const inner = asn1js.fromBER(sctExt.extnValue.valueBlock.valueHexView.slice().buffer);
    if (inner.offset === -1 || !(inner.result instanceof asn1js.OctetString)) {
      throw invalid("the SCT extension is not an OCTET STRING");
    }
    scts = parseSctList(new Uint8Array(inner.result.valueBlock.valueHexView));
    cert.extensions = exts.filter((e) => e.extnID !== SCT_LIST_OID);
    const tbs = new Uint8Array(cert.encodeTBS().toBER(false));
    const issuerCert = pkijs.Certificate.fromBER(new Uint8Array(issuer));
    const issuerSpki = new Uint8Array(issuerCert.subjectPublicKeyInfo.toSchema().toBER(false));
    const keyHash = new Uint8Array(await crypto.subtle.digest("SHA-256", issuerSpki));
    signedEntry = (s) =>
      concat(
        u(s.version, 1),
        u(0, 1),
        u(s.timestamp, 8),
        u(1, 2), // precert_entry
        keyHash,
        u(tbs.length, 3),
        tbs,
        u(s.extensions.length, 2),
        s.extensions,
      );
  } else if (detachedSct) {
    scts = [parseSct(detachedSct)];
    signedEntry = (s) =>
      concat(
        u(s.version, 1),
        u(0, 1),
        u(s.timestamp, 8),
        u(0, 2), // x509_entry
        u(leaf.length, 3),
        leaf,
        u(s.extensions.length, 2),
        s.extensions,
      );
  } else {
    throw invalid("the certificate has no SCT");
  }
  const reasons: string[] = [];
  for (const s of scts) {
    const log = ctlogs.find((l) => equal(l.logId, s.logId));
    if (!log) {
      reasons.push(`no trusted CT log has log ID ${btoa(String.fromCharCode(...s.logId))}`);
      continue;
    }
    const t = s.timestamp;
    if ((log.start && t < log.start.getTime()) || (log.end && t > log.end.getTime())) {
      reasons.push(`the SCT time ${new Date(t).toISOString()} is outside the CT log's validity`);
      continue;
    }
    if (await verifyWithSpki(log.spki, signedEntry(s), s.signature)) return s;
    reasons.push("the SCT signature does not verify with the CT log key");
  }
  throw invalid(reasons.join("; "));
}
