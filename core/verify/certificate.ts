/**
 * X.509 certificates as Sigstore verification needs them: parsing (DER via core/keys/der.ts), signature checks
 * through WebCrypto, chain building to a certificate authority of the trusted root (the
 * intermediates come from the trusted root, never from the bundle alone), validity at the
 * signing times, and the Fulcio identity (SANs and the 1.3.6.1.4.1.57264.1.x extensions).
 *
 * @example
 * ```ts
 * const leaf = await parseCertificate(der);
 * const { authority } = await verifyChain(leaf, trust.certificateAuthorities, [signedAt]);
 * ```
 * @module
 */
import { CosignError } from "../errors.ts";
import type { CertificateAuthority } from "../trust/trusted_root.ts";
import { withinValidity } from "../trust/trusted_root.ts";
import { bytesEqual, verifySpki } from "./public_key.ts";
import { derChildren, type DerElement, derEncode, derReadAll, oidToString } from "../keys/der.ts";
import { base64Decode } from "../encoding.ts";

/** One extension. */
export interface Extension {
  /** Dotted OID. */
  oid: string;
  /** The critical flag. */
  critical: boolean;
  /** Contents of extnValue (the OCTET STRING's bytes). */
  value: Uint8Array;
  /** The whole Extension's DER. */
  der: Uint8Array;
}

/** A parsed certificate. */
export interface Certificate {
  /** The whole DER. */
  der: Uint8Array;
  /** DER of tbsCertificate. */
  tbs: Uint8Array;
  /** DER of each tbsCertificate child, in order. */
  tbsParts: Uint8Array[];
  /** Signature algorithm OID. */
  signatureAlgorithm: string;
  /** Signature bytes. */
  signature: Uint8Array;
  /** DER of the issuer Name. */
  issuer: Uint8Array;
  /** DER of the subject Name. */
  subject: Uint8Array;
  /** DER SubjectPublicKeyInfo. */
  spki: Uint8Array;
  /** Validity start. */
  notBefore: Date;
  /** Validity end. */
  notAfter: Date;
  /** Extensions by OID. */
  extensions: Extension[];
  /** basicConstraints cA. */
  isCA: boolean;
  /** extKeyUsage OIDs (empty when absent). */
  extKeyUsage: string[];
  /** keyUsage bits as a number (bit 0 = digitalSignature, 5 = keyCertSign), undefined when absent. */
  keyUsage?: number;
}

function bad(what: string): never {
  throw new CosignError("VERIFY", `Cannot verify certificate chain: ${what}`, {
    check: "certificate-chain",
    hint: "The certificate is malformed; check that the bundle or --certificate file is intact.",
  });
}

/** DER length + tag encoding for re-encoding constructed values. */
export function derWrap(tag: number, parts: Uint8Array[]): Uint8Array {
  return derEncode(tag, ...parts);
}

/** Parses one whole DER element; throws a CosignError("VERIFY") naming `what` when malformed. */
export function parseDer(der: Uint8Array, what: string): DerElement {
  try {
    return derReadAll(der);
  } catch {
    return bad(`${what} is not valid DER`);
  }
}

/** The children of a constructed DER element; CosignError("VERIFY") when malformed. */
export function childrenOf(e: DerElement, what: string): DerElement[] {
  try {
    return derChildren(e.value);
  } catch {
    return bad(`${what} is not valid DER`);
  }
}

function oid(e: DerElement | undefined, what: string): string {
  if (!e || e.tag !== 0x06) bad(`${what} is not an OID`);
  try {
    return oidToString(e!.value);
  } catch {
    return bad(`${what} is not an OID`);
  }
}

const ascii = new TextDecoder("latin1");

/** Parses an ASN.1 UTCTime or GeneralizedTime element. */
function derTime(e: DerElement | undefined): Date {
  const t = e ? ascii.decode(e.value) : "";
  let m: RegExpExecArray | null = null;
  let year = 0;
  if (e?.tag === 0x17 && (m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(t))) {
    year = Number(m[1]);
    year += year >= 50 ? 1900 : 2000;
  } else if (
    e?.tag === 0x18 && (m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\.\d+)?Z$/.exec(t))
  ) {
    year = Number(m[1]);
  }
  if (!m) bad("certificate has an invalid validity time");
  const ms = m![7] ? Math.floor(Number(m![7]) * 1000) : 0;
  return new Date(
    Date.UTC(
      year,
      Number(m![2]) - 1,
      Number(m![3]),
      Number(m![4]),
      Number(m![5]),
      Number(m![6]),
      ms,
    ),
  );
}

/** Parses a DER certificate. Throws CosignError("VERIFY") when malformed. */
export function parseCertificate(der: Uint8Array): Promise<Certificate> {
  try {
    return Promise.resolve(parseCertificateSync(der));
  } catch (e) {
    return Promise.reject(e);
  }
}

function parseCertificateSync(der: Uint8Array): Certificate {
  const root = parseDer(der, "certificate");
  const top = childrenOf(root, "certificate");
  if (root.tag !== 0x30 || top.length !== 3) bad("certificate is not a SEQUENCE of three");
  const [tbsBlock, algBlock, sigBlock] = top;
  if (tbsBlock.tag !== 0x30 || algBlock.tag !== 0x30 || sigBlock.tag !== 0x03) {
    bad("certificate structure is wrong");
  }
  const tbsItems = childrenOf(tbsBlock, "tbsCertificate");
  const i = tbsItems[0]?.tag === 0xa0 ? 1 : 0;
  const [, , issuer, validity, subject, spki] = tbsItems.slice(i, i + 6);
  if (!spki || validity?.tag !== 0x30 || issuer.tag !== 0x30 || subject.tag !== 0x30) {
    bad("tbsCertificate is incomplete");
  }
  const times = childrenOf(validity, "validity");
  const extensions: Extension[] = [];
  for (const item of tbsItems.slice(i + 6)) {
    if (item.tag !== 0xa3) continue;
    const seq = childrenOf(item, "extensions")[0];
    if (!seq || seq.tag !== 0x30) bad("extensions are malformed");
    for (const ext of childrenOf(seq, "extensions")) {
      const parts = childrenOf(ext, "extension");
      const id = oid(parts[0], "extension id");
      let critical = false;
      let valBlock = parts[1];
      if (parts.length === 3) {
        critical = parts[1].tag === 0x01 && parts[1].value[0] !== 0;
        valBlock = parts[2];
      }
      if (!valBlock || valBlock.tag !== 0x04) bad(`extension ${id} has no value`);
      extensions.push({ oid: id, critical, value: valBlock.value, der: ext.raw });
    }
  }
  const algParts = childrenOf(algBlock, "signature algorithm");
  const cert: Certificate = {
    der: new Uint8Array(der),
    tbs: tbsBlock.raw,
    tbsParts: tbsItems.map((x) => x.raw),
    signatureAlgorithm: oid(algParts[0], "signature algorithm"),
    signature: sigBlock.value.subarray(1),
    issuer: issuer.raw,
    subject: subject.raw,
    spki: spki.raw,
    notBefore: derTime(times[0]),
    notAfter: derTime(times[1]),
    extensions,
    isCA: false,
    extKeyUsage: [],
  };
  const bc = extensions.find((e) => e.oid === "2.5.29.19");
  if (bc) {
    const first = childrenOf(parseDer(bc.value, "basicConstraints"), "basicConstraints")[0];
    cert.isCA = !!(first && first.tag === 0x01 && first.value[0] !== 0);
  }
  const eku = extensions.find((e) => e.oid === "2.5.29.37");
  if (eku) {
    cert.extKeyUsage = childrenOf(parseDer(eku.value, "extKeyUsage"), "extKeyUsage").map((o) =>
      oid(o, "extended key usage")
    );
  }
  const ku = extensions.find((e) => e.oid === "2.5.29.15");
  if (ku) {
    const bits = parseDer(ku.value, "keyUsage").value.subarray(1);
    let n = 0;
    for (let b = 0; b < 16; b++) {
      const byte = bits[b >> 3] ?? 0;
      if (byte & (0x80 >> (b & 7))) n |= 1 << b;
    }
    cert.keyUsage = n;
  }
  return cert;
}

/** Decodes a PEM or DER certificate file's bytes into DER certificates (PEM may hold several). */
export function certificatesFromPemOrDer(data: Uint8Array): Uint8Array[] {
  const text = new TextDecoder().decode(data);
  if (text.includes("-----BEGIN CERTIFICATE-----")) {
    const out: Uint8Array[] = [];
    const re = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
    for (const m of text.matchAll(re)) {
      try {
        out.push(base64Decode(m[1]));
      } catch {
        throw new CosignError("INVALID_INPUT", "Cannot read certificate: invalid base64 in PEM");
      }
    }
    return out;
  }
  return [data];
}

const SIG_ALGS: Record<string, { hash: "sha256" | "sha384" | "sha512"; pss?: boolean }> = {
  "1.2.840.10045.4.3.2": { hash: "sha256" },
  "1.2.840.10045.4.3.3": { hash: "sha384" },
  "1.2.840.10045.4.3.4": { hash: "sha512" },
  "1.2.840.113549.1.1.11": { hash: "sha256" },
  "1.2.840.113549.1.1.12": { hash: "sha384" },
  "1.2.840.113549.1.1.13": { hash: "sha512" },
  "1.3.101.112": { hash: "sha512" },
};

/** True when `cert`'s signature verifies with `issuerSpki`. */
export async function certificateSignedBy(
  cert: Certificate,
  issuerSpki: Uint8Array,
): Promise<boolean> {
  const alg = SIG_ALGS[cert.signatureAlgorithm];
  if (!alg) return false;
  return await verifySpki(issuerSpki, cert.tbs, cert.signature, alg.hash);
}

/** True when the certificate is valid at `t` (inclusive). */
export function certificateValidAt(cert: Certificate, t: Date): boolean {
  return cert.notBefore.getTime() <= t.getTime() && t.getTime() <= cert.notAfter.getTime();
}

const KNOWN_CRITICAL = new Set([
  "2.5.29.15",
  "2.5.29.19",
  "2.5.29.37",
  "2.5.29.17",
  "2.5.29.14",
  "2.5.29.35",
  "2.5.29.32",
  "2.5.29.30",
]);

/** The result of {@link verifyChain}. */
export interface ChainResult {
  /** The authority the leaf chains to. */
  authority: CertificateAuthority;
  /** The issuer of the leaf (first certificate of the authority's chain). */
  issuer: Certificate;
  /** Leaf first, then the authority's certificates. */
  path: Certificate[];
}

/** An authority's parsed chain and, once checked, why it is unusable (undefined: it is sound). */
interface AuthorityChain {
  /** Private copies of the DER certificates the entry was made from. */
  ders: Uint8Array[];
  chain: Certificate[];
  verdict?: Promise<string | undefined>;
}

// Per trusted-root authority: its certificates parsed once and the checks among them (CA flags,
// issuer names, signatures) made once, instead of on every verification (≈ 8% of an in-process
// bundle verification, two of its seven signature checks). An entry is used only while the
// authority still holds the same certificate bytes.
const authorityChains = new WeakMap<CertificateAuthority, AuthorityChain>();

function authorityChain(authority: CertificateAuthority): AuthorityChain {
  const ders = authority.certificates;
  const known = authorityChains.get(authority);
  if (
    known && known.ders.length === ders.length && known.ders.every((d, i) => bytesEqual(d, ders[i]))
  ) {
    return known;
  }
  const fresh: AuthorityChain = {
    ders: ders.map((d) => new Uint8Array(d)),
    chain: ders.map(parseCertificateSync),
  };
  authorityChains.set(authority, fresh);
  return fresh;
}

/** Why an authority's own chain is unusable, or undefined when each link is a CA signed by the next. */
async function checkAuthorityChain(chain: Certificate[]): Promise<string | undefined> {
  for (let k = 0; k < chain.length; k++) {
    const c = chain[k];
    const parent = chain[k + 1] ?? c;
    if (!c.isCA || (c.keyUsage !== undefined && !(c.keyUsage & (1 << 5)))) {
      return "an authority certificate is not a CA (basicConstraints, keyCertSign)";
    }
    if (!bytesEqual(c.issuer, parent.subject) || !(await certificateSignedBy(c, parent.spki))) {
      return "the authority's chain does not verify";
    }
  }
  return undefined;
}

/**
 * Verifies that `leaf` chains to one of `authorities` at every time in `times`: the issuer is
 * the first certificate of the authority's chain, each signature verifies, every certificate
 * is valid at each time, the authority's validFor covers each time, the CA certificates are CAs
 * and the leaf is not. `purpose` names the check in errors ("certificate chain", "timestamp
 * authority chain"). `requiredEku` is an extended key usage the leaf must carry, if any.
 * Throws CosignError("VERIFY").
 */
export async function verifyChain(
  leaf: Certificate,
  authorities: CertificateAuthority[],
  times: Date[],
  purpose = "certificate chain",
  requiredEku?: string,
): Promise<ChainResult> {
  const fail = (what: string): never => {
    throw new CosignError("VERIFY", `Cannot verify ${purpose}: ${what}`, {
      check: purpose === "certificate chain" ? "certificate-chain" : "timestamp",
      hint: purpose === "certificate chain"
        ? "The certificate was not issued by a certificate authority of the trusted root in use " +
          "(see --trusted-root), or not at the signing time."
        : "The timestamp was not issued by a timestamp authority of the trusted root in use.",
    });
  };
  if (leaf.isCA) fail("the signing certificate is a CA certificate");
  for (const e of leaf.extensions) {
    if (e.critical && !KNOWN_CRITICAL.has(e.oid)) {
      fail(`the certificate has an unknown critical extension ${e.oid}`);
    }
  }
  if (leaf.keyUsage !== undefined && !(leaf.keyUsage & 1)) {
    fail("the certificate's key usage does not allow digital signatures");
  }
  if (requiredEku && !leaf.extKeyUsage.includes(requiredEku)) {
    fail(`the certificate lacks the extended key usage ${requiredEku}`);
  }
  let lastReason = "no certificate authority in the trusted root issued it";
  let issuerFound = false;
  for (const authority of authorities) {
    const known = authorityChain(authority);
    const chain = known.chain;
    if (!bytesEqual(chain[0].subject, leaf.issuer)) continue;
    if (!(await certificateSignedBy(leaf, chain[0].spki))) {
      if (!issuerFound) {
        lastReason = "the certificate's signature does not verify with its issuer's key";
      }
      continue;
    }
    issuerFound = true;
    const reason = await (known.verdict ??= checkAuthorityChain(chain).catch((e) => {
      known.verdict = undefined; // an error (an unusable key) is not remembered
      throw e;
    }));
    let ok = reason === undefined;
    if (reason !== undefined) lastReason = reason;
    if (!ok) continue;
    for (const t of times) {
      if (!withinValidity(authority.validFor, t)) {
        ok = false;
        lastReason = `the authority is not valid at ${t.toISOString()} (trusted root validFor)`;
        break;
      }
      const expired = [leaf, ...chain].find((c) => !certificateValidAt(c, t));
      if (expired) {
        ok = false;
        lastReason = `${expired === leaf ? "the certificate" : "an authority certificate"} ` +
          `is not valid at the signing time ${t.toISOString()} (valid ${expired.notBefore.toISOString()}` +
          ` to ${expired.notAfter.toISOString()})`;
        break;
      }
    }
    if (!ok) continue;
    return { authority, issuer: chain[0], path: [leaf, ...chain] };
  }
  return fail(lastReason);
}
