/**
 * Signed certificate timestamps embedded in a Fulcio certificate (extension
 * 1.3.6.1.4.1.11129.2.4.2, RFC 6962 section 3.3), verified against the CT log keys of the
 * trusted root. The signed data is rebuilt from the precertificate: the leaf's TBS without the
 * SCT extension, and the SHA-256 of the issuer's public key.
 *
 * @example
 * ```ts
 * const n = await verifyEmbeddedScts(leaf, issuer, trust.ctlogs); // throws when none verifies
 * ```
 * @module
 */
import { base64 } from "@scure/base";
import { CosignError } from "../errors.ts";
import type { LogAuthority } from "../trust/trusted_root.ts";
import { withinValidity } from "../trust/trusted_root.ts";
import type { Certificate } from "./certificate.ts";
import { derWrap, parseDer } from "./certificate.ts";
import { bytesEqual, sha256, verifySpki } from "./public_key.ts";

/** The embedded SCT list extension OID. */
export const SCT_LIST_OID = "1.3.6.1.4.1.11129.2.4.2";

/** One parsed SCT. */
export interface Sct {
  /** Always 0 (v1). */
  version: number;
  /** SHA-256 of the CT log's key. */
  logId: Uint8Array;
  /** Milliseconds since the epoch. */
  timestamp: bigint;
  /** CT extensions. */
  extensions: Uint8Array;
  /** Hash algorithm code (4 = SHA-256). */
  hashAlgorithm: number;
  /** Signature algorithm code (3 = ECDSA, 1 = RSA). */
  signatureAlgorithm: number;
  /** Signature bytes. */
  signature: Uint8Array;
}

function fail(what: string): never {
  throw new CosignError("VERIFY", `Cannot verify SCT: ${what}`, {
    check: "sct",
    hint: "The certificate's signed certificate timestamp does not come from a CT log of the " +
      "trusted root in use (see --trusted-root).",
  });
}

/** Parses the TLS-encoded SignedCertificateTimestampList. Throws CosignError("VERIFY"). */
export function parseSctList(list: Uint8Array): Sct[] {
  const dv = new DataView(list.buffer, list.byteOffset, list.byteLength);
  if (list.length < 2 || dv.getUint16(0) !== list.length - 2) fail("the SCT list is malformed");
  const out: Sct[] = [];
  let p = 2;
  while (p < list.length) {
    if (p + 2 > list.length) fail("the SCT list is truncated");
    const len = dv.getUint16(p);
    p += 2;
    const end = p + len;
    if (end > list.length || len < 47) fail("an SCT is truncated");
    const version = list[p];
    const logId = list.subarray(p + 1, p + 33);
    const timestamp = dv.getBigUint64(p + 33);
    const extLen = dv.getUint16(p + 41);
    let q = p + 43 + extLen;
    if (q + 4 > end) fail("an SCT is truncated");
    const extensions = list.subarray(p + 43, q);
    const hashAlgorithm = list[q];
    const signatureAlgorithm = list[q + 1];
    const sigLen = dv.getUint16(q + 2);
    q += 4;
    if (q + sigLen !== end) fail("an SCT has a bad signature length");
    out.push({
      version,
      logId,
      timestamp,
      extensions,
      hashAlgorithm,
      signatureAlgorithm,
      signature: list.subarray(q, end),
    });
    p = end;
  }
  return out;
}

/** Rebuilds the precertificate TBS: the leaf's tbsCertificate without the SCT extension. */
export function precertTbs(leaf: Certificate): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const part of leaf.tbsParts) {
    if (part[0] === 0xa3) {
      const exts = leaf.extensions.filter((e) => e.oid !== SCT_LIST_OID).map((e) => e.der);
      parts.push(derWrap(0xa3, [derWrap(0x30, exts)]));
    } else parts.push(part);
  }
  return derWrap(0x30, parts);
}

/**
 * Verifies the SCTs embedded in `leaf` (issued by `issuer`) against `ctlogs`; returns how many
 * verified. Throws CosignError("VERIFY") when fewer than `threshold` verify, naming why.
 */
export async function verifyEmbeddedScts(
  leaf: Certificate,
  issuer: Certificate,
  ctlogs: LogAuthority[],
  threshold = 1,
): Promise<number> {
  const ext = leaf.extensions.find((e) => e.oid === SCT_LIST_OID);
  if (!ext) {
    if (threshold <= 0) return 0;
    return fail("the certificate has no embedded SCT");
  }
  const octets = parseDer(ext.value, "SCT extension");
  if (octets.tag !== 0x04) fail("the SCT extension is not an OCTET STRING");
  const list = octets.value;
  const scts = parseSctList(list);
  const tbs = await precertTbs(leaf);
  const issuerKeyHash = await sha256(issuer.spki);
  let verified = 0;
  let reason = "no SCT was issued by a CT log of the trusted root";
  for (const sct of scts) {
    const log = ctlogs.find((l) => bytesEqual(l.logId, sct.logId));
    if (!log) continue;
    if (sct.version !== 0) {
      reason = `unsupported SCT version ${sct.version}`;
      continue;
    }
    const when = new Date(Number(sct.timestamp));
    if (!withinValidity(log.validFor, when)) {
      reason = `the CT log key is not valid at the SCT time ${when.toISOString()}`;
      continue;
    }
    const data = new Uint8Array(12 + 32 + 3 + tbs.length + 2 + sct.extensions.length);
    const dv = new DataView(data.buffer);
    data[0] = 0; // v1
    data[1] = 0; // certificate_timestamp
    dv.setBigUint64(2, sct.timestamp);
    dv.setUint16(10, 1); // precert_entry
    data.set(issuerKeyHash, 12);
    data[44] = (tbs.length >> 16) & 0xff;
    data[45] = (tbs.length >> 8) & 0xff;
    data[46] = tbs.length & 0xff;
    data.set(tbs, 47);
    dv.setUint16(47 + tbs.length, sct.extensions.length);
    data.set(sct.extensions, 49 + tbs.length);
    const hash = sct.hashAlgorithm === 5 ? "sha384" : sct.hashAlgorithm === 6 ? "sha512" : "sha256";
    if (await verifySpki(log.spki, data, sct.signature, hash)) verified++;
    else reason = "the SCT signature does not verify with the CT log's key";
  }
  if (verified < threshold) fail(reason);
  return verified;
}

/**
 * cosign `--sct`: verifies a detached SCT (an RFC 6962 AddChainResponse, JSON: `sct_version`,
 * `id`, `timestamp`, `extensions`, `signature`) over the final certificate `leaf` (an
 * x509_entry, RFC 6962 section 3.2) against `ctlogs`. Throws CosignError("VERIFY", check "sct")
 * when it is malformed, from a log outside `ctlogs`, outside the log key's validity, or forged.
 *
 * @example
 * ```ts
 * await verifyDetachedSct(leaf, await readFile("cert.sct"), trust.ctlogs);
 * ```
 */
export async function verifyDetachedSct(
  leaf: Certificate,
  addChainResponse: Uint8Array,
  ctlogs: LogAuthority[],
): Promise<void> {
  const malformed = "the detached SCT (--sct) is not an RFC 6962 AddChainResponse " +
    "(sct_version, id, timestamp, extensions, signature)";
  let r: Record<string, unknown>;
  let logId: Uint8Array, extensions: Uint8Array, signed: Uint8Array;
  try {
    r = JSON.parse(new TextDecoder().decode(addChainResponse));
    if (typeof r?.id !== "string" || typeof r.signature !== "string") throw new Error();
    if (typeof r.timestamp !== "number" || !Number.isSafeInteger(r.timestamp)) throw new Error();
    logId = base64.decode(r.id);
    extensions = typeof r.extensions === "string" ? base64.decode(r.extensions) : new Uint8Array();
    signed = base64.decode(r.signature);
  } catch {
    return fail(malformed);
  }
  const version = r.sct_version ?? 0;
  if (version !== 0) fail(`unsupported SCT version ${version}`);
  // DigitallySigned: hash algorithm (1), signature algorithm (1), length (2), signature.
  if (signed.length < 4 || signed.length !== 4 + ((signed[2] << 8) | signed[3])) fail(malformed);
  const log = ctlogs.find((l) => bytesEqual(l.logId, logId));
  if (!log) fail("the detached SCT (--sct) was not issued by a CT log of the trusted root");
  const timestamp = r.timestamp as number;
  const when = new Date(timestamp);
  if (!withinValidity(log.validFor, when)) {
    fail(`the CT log key is not valid at the SCT time ${when.toISOString()}`);
  }
  const der = leaf.der;
  const data = new Uint8Array(12 + 3 + der.length + 2 + extensions.length);
  const dv = new DataView(data.buffer);
  data[0] = 0; // v1
  data[1] = 0; // certificate_timestamp
  dv.setBigUint64(2, BigInt(timestamp));
  dv.setUint16(10, 0); // x509_entry
  data[12] = (der.length >> 16) & 0xff;
  data[13] = (der.length >> 8) & 0xff;
  data[14] = der.length & 0xff;
  data.set(der, 15);
  dv.setUint16(15 + der.length, extensions.length);
  data.set(extensions, 17 + der.length);
  const hash = signed[0] === 5 ? "sha384" : signed[0] === 6 ? "sha512" : "sha256";
  if (!(await verifySpki(log.spki, data, signed.subarray(4), hash))) {
    fail("the detached SCT's (--sct) signature does not verify with the CT log's key");
  }
}
