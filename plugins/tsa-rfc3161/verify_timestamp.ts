/**
 * RFC 3161 signed timestamps (a TimeStampResp or a bare token: CMS SignedData over a TSTInfo,
 * read in one pass with the DER reader certificate parsing uses, core/keys/der.ts; no schema
 * objects): the signature must verify with the key of a timestamp authority of the trusted root,
 * whose chain verifies and whose validFor window (inclusive) and certificates cover the generation
 * time; the message imprint must be the hash of the signature bytes. The certificates a timestamp carries are not
 * trusted.
 *
 * @example
 * ```ts
 * const when = await verifyRfc3161Timestamp(tsDer, signatureBytes, trust.timestampAuthorities);
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { CertificateAuthority } from "../../core/trust/trusted_root.ts";
import { withinValidity } from "../../core/trust/trusted_root.ts";
import {
  certificateValidAt,
  parseCertificate,
  verifyChain,
} from "../../core/verify/certificate.ts";
import { bytesEqual, digest, verifySpki } from "../../core/verify/public_key.ts";
import { derChildren, type DerElement, derReadAll, oidToString } from "../../core/keys/der.ts";

const HASH_OIDS: Record<string, "sha256" | "sha384" | "sha512"> = {
  "2.16.840.1.101.3.4.2.1": "sha256",
  "2.16.840.1.101.3.4.2.2": "sha384",
  "2.16.840.1.101.3.4.2.3": "sha512",
};
const SIG_HASH: Record<string, "sha256" | "sha384" | "sha512"> = {
  "1.2.840.10045.4.3.2": "sha256",
  "1.2.840.10045.4.3.3": "sha384",
  "1.2.840.10045.4.3.4": "sha512",
  "1.2.840.113549.1.1.11": "sha256",
  "1.2.840.113549.1.1.12": "sha384",
  "1.2.840.113549.1.1.13": "sha512",
};
const TIMESTAMPING_EKU = "1.3.6.1.5.5.7.3.8";

function fail(what: string): never {
  throw new CosignError("VERIFY", `Cannot verify RFC 3161 timestamp: ${what}`, {
    check: "timestamp",
    hint: "The timestamp does not come from a timestamp authority of the trusted root in use, " +
      "or does not cover this signature.",
  });
}

/** What verification needs from a timestamp token, read in one DER pass. */
interface ParsedTimestamp {
  /** TSTInfo messageImprint hash algorithm OID and value. */
  imprintAlg: string;
  imprint: Uint8Array;
  /** TSTInfo genTime (invalid Date when unreadable). */
  genTime: Date;
  /** The encapsulated TSTInfo DER (what the messageDigest attribute hashes). */
  eContent: Uint8Array;
  /** The SignerInfos, in order. */
  signers: ParsedSigner[];
}

/** One SignerInfo. */
interface ParsedSigner {
  digestAlg: string;
  /** The signed attributes re-tagged as SET OF (what CMS signs), absent when there are none. */
  signedAttrs?: Uint8Array;
  /** Attribute type OID → first value element. */
  attrs: Map<string, DerElement | undefined>;
  signatureAlg: string;
  signature: Uint8Array;
}

const GENERALIZED_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\.\d+)?Z$/;

/** One whole DER element (the reader certificate.ts uses); throws naming `what`. */
function readDer(der: Uint8Array, what: string): DerElement {
  try {
    return derReadAll(der);
  } catch {
    throw new Error(`${what} is not valid DER`);
  }
}

/** The children of a constructed element; throws naming `what`. */
function childrenOf(e: DerElement, what: string): DerElement[] {
  try {
    return derChildren(e.value);
  } catch {
    throw new Error(`${what} is not valid DER`);
  }
}

/** Children of a constructed element with tag `tag`; throws naming `what`. */
function seqOf(e: DerElement | undefined, what: string, tag = 0x30): DerElement[] {
  if (!e || e.tag !== tag) throw new Error(`${what} is missing or has the wrong type`);
  return childrenOf(e, what);
}

function oidOf(e: DerElement | undefined, what: string): string {
  if (!e || e.tag !== 0x06) throw new Error(`${what} is not an OID`);
  try {
    return oidToString(e.value);
  } catch {
    throw new Error(`${what} is not an OID`);
  }
}

/** AlgorithmIdentifier → its OID. */
function algOf(e: DerElement | undefined, what: string): string {
  return oidOf(seqOf(e, what)[0], what);
}

/** OCTET STRING content (a BER constructed one is concatenated, as pkijs did). */
function octets(e: DerElement | undefined, what: string): Uint8Array {
  if (e?.tag === 0x04) return e.value;
  if (e?.tag === 0x24) {
    const parts = childrenOf(e, what).map((p) => octets(p, what));
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let off = 0;
    for (const p of parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }
  throw new Error(`${what} is not an OCTET STRING`);
}

function generalizedTime(e: DerElement | undefined): Date {
  const m = e?.tag === 0x18 ? GENERALIZED_TIME.exec(new TextDecoder().decode(e.value)) : null;
  if (!m) return new Date(NaN);
  const ms = m[7] ? Math.floor(Number(m[7]) * 1000) : 0;
  return new Date(
    Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], ms),
  );
}

function parseSigner(e: DerElement): ParsedSigner {
  const parts = seqOf(e, "SignerInfo");
  // version, sid, digestAlgorithm, [0] signedAttrs?, signatureAlgorithm, signature, [1]?
  let i = 2;
  const digestAlg = algOf(parts[i++], "SignerInfo digestAlgorithm");
  let signedAttrs: Uint8Array | undefined;
  const attrs = new Map<string, DerElement | undefined>();
  if (parts[i]?.tag === 0xa0) {
    for (const a of childrenOf(parts[i], "signed attributes")) {
      const [type, values] = seqOf(a, "signed attribute");
      const id = oidOf(type, "signed attribute type");
      if (!attrs.has(id)) attrs.set(id, seqOf(values, "attribute values", 0x31)[0]);
    }
    signedAttrs = new Uint8Array(parts[i].raw);
    signedAttrs[0] = 0x31; // [0] IMPLICIT → SET OF, as CMS signs it
    i++;
  }
  const signatureAlg = algOf(parts[i++], "SignerInfo signatureAlgorithm");
  const signature = octets(parts[i], "SignerInfo signature");
  return { digestAlg, signedAttrs, attrs, signatureAlg, signature };
}

/**
 * Reads a TimeStampResp (status + token, as Sigstore bundles store it) or a bare token
 * (ContentInfo of CMS SignedData over a TSTInfo) with the DER reader of certificate.ts.
 * Throws a plain Error saying what is wrong; the caller reports it as malformed.
 */
function parseTimestampToken(der: Uint8Array): ParsedTimestamp {
  let top = seqOf(readDer(der, "timestamp"), "timestamp");
  if (top[0]?.tag === 0x30) {
    // TimeStampResp: PKIStatusInfo, then the token.
    const status = seqOf(top[0], "PKIStatusInfo")[0];
    if (status?.tag !== 0x02) throw new Error("the response status is not an INTEGER");
    const code = status.value.length === 1 ? status.value[0] : -1;
    if (code !== 0 && code !== 1) throw new Error(`the response status is ${code}, not granted`);
    if (!top[1]) throw new Error("the response carries no token");
    top = seqOf(top[1], "timeStampToken");
  }
  if (oidOf(top[0], "contentType") !== "1.2.840.113549.1.7.2") {
    throw new Error("not CMS SignedData");
  }
  const sd = seqOf(seqOf(top[1], "content", 0xa0)[0], "SignedData");
  // version, digestAlgorithms, encapContentInfo, [0] certificates?, [1] crls?, signerInfos
  if (sd[0]?.tag !== 0x02 || sd[1]?.tag !== 0x31) throw new Error("SignedData is incomplete");
  const encap = seqOf(sd[2], "encapContentInfo");
  if (oidOf(encap[0], "eContentType") !== "1.2.840.113549.1.9.16.1.4") {
    throw new Error("content is not a TSTInfo");
  }
  const eContent = octets(seqOf(encap[1], "eContent", 0xa0)[0], "eContent");
  const infos = sd[sd.length - 1];
  const signers = seqOf(infos, "signerInfos", 0x31).map(parseSigner);
  const tst = seqOf(readDer(eContent, "TSTInfo"), "TSTInfo");
  // version, policy, messageImprint, serialNumber, genTime, ...
  const mi = seqOf(tst[2], "messageImprint");
  return {
    imprintAlg: algOf(mi[0], "messageImprint hashAlgorithm"),
    imprint: octets(mi[1], "hashedMessage"),
    genTime: generalizedTime(tst[4]),
    eContent,
    signers,
  };
}

/**
 * Verifies a DER RFC 3161 timestamp response token over `signature`. Returns the verified
 * generation time and tells `onAuthority` which authority of the trusted root signed it (callers
 * count distinct authorities, as sigstore-go does). Throws CosignError("VERIFY") naming what failed.
 */
export async function verifyRfc3161Timestamp(
  token: Uint8Array,
  signature: Uint8Array,
  authorities: CertificateAuthority[],
  onAuthority?: (authority: CertificateAuthority) => void,
): Promise<Date> {
  let ts: ParsedTimestamp;
  try {
    ts = parseTimestampToken(token);
  } catch (e) {
    return fail(`it is malformed (${(e as Error).message})`);
  }
  const alg = HASH_OIDS[ts.imprintAlg];
  if (!alg) fail(`unsupported imprint hash ${ts.imprintAlg}`);
  if (!bytesEqual(ts.imprint, await digest(alg, signature))) {
    fail("the message imprint is not the hash of the signature");
  }
  const genTime = ts.genTime;
  if (isNaN(genTime.getTime())) fail("it has no valid genTime");
  if (ts.signers.length !== 1) fail("it must have exactly one signer");
  const si = ts.signers[0];
  const signedBytes = si.signedAttrs;
  if (!signedBytes) return fail("it has no signed attributes");
  const siHash = HASH_OIDS[si.digestAlg];
  if (!siHash) fail(`unsupported digest algorithm ${si.digestAlg}`);
  const md = si.attrs.get("1.2.840.113549.1.9.4");
  const ct = si.attrs.get("1.2.840.113549.1.9.3");
  if (!si.attrs.has("1.2.840.113549.1.9.4") || !si.attrs.has("1.2.840.113549.1.9.3")) {
    fail("it lacks the messageDigest or contentType attribute");
  }
  let ctOid = "";
  try {
    ctOid = oidOf(ct, "contentType");
  } catch { /* reported below */ }
  if (ctOid !== "1.2.840.113549.1.9.16.1.4") fail("the contentType attribute is not TSTInfo");
  let mdValue: Uint8Array;
  try {
    mdValue = octets(md, "messageDigest");
  } catch (e) {
    return fail(`it is malformed (${(e as Error).message})`);
  }
  if (!bytesEqual(mdValue, await digest(siHash, ts.eContent))) {
    fail("the messageDigest attribute does not match the TSTInfo");
  }
  const sigValue = si.signature;
  const sigHash = SIG_HASH[si.signatureAlg] ?? siHash;

  let reason = "no timestamp authority of the trusted root signed it";
  for (const authority of authorities) {
    const certs = await Promise.all(authority.certificates.map(parseCertificate));
    const leaf = certs[0];
    if (!(await verifySpki(leaf.spki, signedBytes, sigValue, sigHash))) continue;
    if (!withinValidity(authority.validFor, genTime)) {
      reason =
        `the timestamp authority is not valid at ${genTime.toISOString()} (trusted root validFor)`;
      continue;
    }
    if (certs.length > 1) {
      try {
        await verifyChain(
          leaf,
          [{ ...authority, certificates: authority.certificates.slice(1) }],
          [
            genTime,
          ],
          "timestamp authority chain",
          TIMESTAMPING_EKU,
        );
      } catch (e) {
        reason = (e as Error).message;
        continue;
      }
    } else if (!certificateValidAt(leaf, genTime)) {
      reason = `the timestamp authority's certificate is not valid at ${genTime.toISOString()}`;
      continue;
    }
    onAuthority?.(authority);
    return genTime;
  }
  return fail(reason);
}
