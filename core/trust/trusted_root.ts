/**
 * The Sigstore trusted root (`trusted_root.json`, protobuf-specs `TrustedRoot` JSON): Fulcio
 * certificate authorities, transparency logs (Rekor), certificate-transparency logs and
 * timestamp authorities, each with a `validFor` window whose ends are inclusive.
 *
 * @example
 * ```ts
 * const trust = await parseTrustedRoot(await readFile("trusted_root.json", "utf8"), "trusted_root.json");
 * const logs = trust.tlogs.filter((t) => withinValidity(t.validFor, new Date()));
 * ```
 * @module
 */
import { CosignError, describeError } from "../errors.ts";
import { PUBLIC_GOOD_TRUSTED_ROOT } from "./public_good.ts";
import { derChildren, derReadAll } from "../keys/der.ts";
import { rejectDuplicateKeys } from "../strict_json.ts";
import { toHex } from "../encoding.ts";

/** A validity window; a missing end means "still valid". Both ends inclusive. */
export interface ValidityWindow {
  /** First instant of validity (absent: since forever). */
  start?: Date;
  /** Last instant of validity (absent: open-ended). */
  end?: Date;
}

/** A log (transparency or certificate-transparency) known by its key. */
export interface LogAuthority {
  /** The log's URL. */
  baseUrl: string;
  /** Log ID: SHA-256 of the key for Rekor v1 / CT logs, the note key ID for Rekor v2. */
  logId: Uint8Array;
  /** Key ID used in checkpoint key hints when it differs from the log ID. */
  checkpointKeyId?: Uint8Array;
  /** DER SubjectPublicKeyInfo. */
  spki: Uint8Array;
  /** e.g. "PKIX_ECDSA_P256_SHA_256", "PKIX_ED25519". */
  keyDetails: string;
  /** When the key may be used. */
  validFor: ValidityWindow;
}

/** A certificate authority (Fulcio) or timestamp authority with its chain. */
export interface CertificateAuthority {
  /** The authority's URL. */
  uri: string;
  /** DER certificates, leaf-most first, root last (as the trusted root lists them). */
  certificates: Uint8Array[];
  /** When the authority may be used. */
  validFor: ValidityWindow;
}

/** A parsed trusted root. */
export interface TrustedRoot {
  /** Media type as written in the file. */
  mediaType: string;
  /** Rekor logs. */
  tlogs: LogAuthority[];
  /** CT logs (for SCTs). */
  ctlogs: LogAuthority[];
  /** Fulcio CAs. */
  certificateAuthorities: CertificateAuthority[];
  /** RFC 3161 timestamp authorities. */
  timestampAuthorities: CertificateAuthority[];
  /** Where this came from (file name, "embedded public-good", …) for messages. */
  source: string;
}

const MEDIA_TYPES = [
  "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
  "application/vnd.dev.sigstore.trustedroot.v0.2+json",
];

/** True when `t` lies inside the window (inclusive ends, as the trusted-root format defines). */
export function withinValidity(w: ValidityWindow, t: Date): boolean {
  if (w.start && t.getTime() < w.start.getTime()) return false;
  if (w.end && t.getTime() > w.end.getTime()) return false;
  return true;
}

function invalid(source: string, what: string): never {
  throw new CosignError("INVALID_INPUT", `Cannot read trusted root ${source}: ${what}`, {
    hint: "Pass a trusted_root.json in the Sigstore TrustedRoot JSON format (--trusted-root).",
  });
}

function bytes(b: Uint8Array | undefined): Uint8Array {
  return new Uint8Array(b ?? new Uint8Array(0));
}

/** DER of a certificate's issuer and subject Names (the 4th and 6th tbsCertificate fields). */
function names(der: Uint8Array): { issuer: string; subject: string } | undefined {
  try {
    const tbs = derChildren(derChildren(derReadAll(der).value)[0].value);
    const i = tbs[0]?.tag === 0xa0 ? 1 : 0;
    return { issuer: toHex(tbs[i + 2].raw), subject: toHex(tbs[i + 4].raw) };
  } catch {
    return undefined;
  }
}

/**
 * A certificate chain in the order the trusted-root format specifies (leaf-most first, root
 * last), whatever order the file lists it in: some roots list the root first. When the
 * certificates do not form one issuer chain, they are kept as listed.
 */
export function leafFirst(certs: Uint8Array[]): Uint8Array[] {
  if (certs.length < 2) return certs;
  const n = certs.map(names);
  if (n.some((x) => !x)) return certs;
  const issuerOfOther = (k: number) =>
    n.some((o, j) => j !== k && o!.issuer === n[k]!.subject && o!.issuer !== o!.subject);
  const leaves = certs.map((_, k) => k).filter((k) => !issuerOfOther(k));
  if (leaves.length !== 1) return certs;
  const order = [leaves[0]];
  while (order.length < certs.length) {
    const last = n[order[order.length - 1]]!;
    if (last.issuer === last.subject) break;
    const next = n.findIndex((o, j) => !order.includes(j) && o!.subject === last.issuer);
    if (next < 0) break;
    order.push(next);
  }
  return order.length === certs.length ? order.map((k) => certs[k]) : certs;
}

/**
 * Parses trusted_root.json text. Throws CosignError("INVALID_INPUT") for malformed JSON, an
 * unknown media type, entries without keys/certificates, or a transparency-log key without a
 * validity start. Certificate chains listed root-first are put leaf-first.
 */
export async function parseTrustedRoot(text: string, source: string): Promise<TrustedRoot> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    invalid(source, `malformed JSON (${describeError(e)})`);
  }
  rejectDuplicateKeys(text, `trusted root ${source}`);
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    invalid(source, "not a JSON object");
  }
  const mediaType = (raw as Record<string, unknown>).mediaType;
  if (typeof mediaType !== "string" || !MEDIA_TYPES.includes(mediaType)) {
    invalid(source, `unknown media type ${JSON.stringify(mediaType)}`);
  }
  const specs = await import("@sigstore/protobuf-specs");
  // deno-lint-ignore no-explicit-any
  let tr: any;
  try {
    tr = specs.TrustedRoot.fromJSON(raw);
  } catch (e) {
    invalid(source, describeError(e));
  }
  const win = (v: { start?: Date; end?: Date } | undefined): ValidityWindow => ({
    start: v?.start,
    end: v?.end,
  });
  // deno-lint-ignore no-explicit-any
  const logs = (list: any[], kind: string): LogAuthority[] =>
    list.map((l, i) => {
      const spki = bytes(l.publicKey?.rawBytes);
      if (spki.length === 0) invalid(source, `${kind}[${i}] has no public key`);
      const logId = bytes(l.logId?.keyId);
      if (logId.length === 0) invalid(source, `${kind}[${i}] has no log ID`);
      const cp = bytes(l.checkpointKeyId?.keyId);
      // A transparency log key must say since when it is valid (sigstore-go and the
      // conformance suite reject a root whose tlog key has no validFor.start rather than
      // reading the missing bound as "forever").
      if (kind === "tlogs" && !l.publicKey?.validFor?.start) {
        invalid(source, `${kind}[${i}] (${l.baseUrl ?? "?"}) has no validFor.start for its key`);
      }
      return {
        baseUrl: String(l.baseUrl ?? ""),
        logId,
        checkpointKeyId: cp.length ? cp : undefined,
        spki,
        keyDetails: specs.publicKeyDetailsToJSON(l.publicKey?.keyDetails ?? 0),
        validFor: win(l.publicKey?.validFor),
      };
    });
  // deno-lint-ignore no-explicit-any
  const cas = (list: any[], kind: string): CertificateAuthority[] =>
    list.map((c, i) => {
      // deno-lint-ignore no-explicit-any
      const certs = (c.certChain?.certificates ?? []).map((x: any) => bytes(x.rawBytes));
      if (certs.length === 0 || certs.some((x: Uint8Array) => x.length === 0)) {
        invalid(source, `${kind}[${i}] has no certificates`);
      }
      return {
        uri: String(c.uri ?? ""),
        certificates: leafFirst(certs),
        validFor: win(c.validFor),
      };
    });
  return {
    mediaType: mediaType as string,
    tlogs: logs(tr.tlogs ?? [], "tlogs"),
    ctlogs: logs(tr.ctlogs ?? [], "ctlogs"),
    certificateAuthorities: cas(tr.certificateAuthorities ?? [], "certificateAuthorities"),
    timestampAuthorities: cas(tr.timestampAuthorities ?? [], "timestampAuthorities"),
    source,
  };
}

/** The embedded public-good trusted root (from @sigstore/tuf's seeds, see scripts/embed_trust.ts). */
export async function publicGoodTrustedRoot(): Promise<TrustedRoot> {
  return await parseTrustedRoot(PUBLIC_GOOD_TRUSTED_ROOT, "(embedded public-good)");
}
