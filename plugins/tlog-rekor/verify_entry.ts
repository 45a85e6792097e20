/**
 * Transparency-log entries of a Sigstore bundle: the canonicalized body must describe exactly
 * this signature, key/certificate and artifact (Rekor v1 hashedrekord 0.0.1, dsse 0.0.1,
 * intoto 0.0.2; Rekor v2 hashedrekord/dsse 0.0.2; hashedrekord digests SHA-256/384/512; a DSSE
 * bundle may carry a hashedrekord entry over its PAE, as Rekor v2 now records DSSE); the signed entry timestamp (SET) verifies
 * with the log's key over canonical JSON of {body, integratedTime, logID, logIndex}; the
 * inclusion proof (RFC 6962 audit path) leads to the root of a checkpoint signed by the log.
 *
 * @example
 * ```ts
 * const r = await verifyTlogEntry(entry, { signature, digest, keyDer, kind: "message" }, trust.tlogs);
 * if (r.integratedTime) times.push(r.integratedTime);
 * ```
 * @module
 */
import type { TransparencyLogEntry } from "@sigstore/bundle";
import type { LogAuthority } from "../../core/trust/trusted_root.ts";
import { withinValidity } from "../../core/trust/trusted_root.ts";
import { parseCheckpoint } from "../../core/verify/checkpoint.ts";
import { leafHash, rootFromInclusionProof, type SyncSha256 } from "../../core/verify/merkle.ts";
import { bytesEqual, toHex, verifySpki } from "../../core/verify/public_key.ts";
import { rejectDuplicateKeys } from "../../core/strict_json.ts";
import { base64Encode } from "../../core/encoding.ts";
import { failEntry, isKnownEntryKind, readEntryBody } from "./entry_body.ts";

/** What the log entry must describe. */
export interface SignedContent {
  /** "message" (hashedrekord) or "dsse" (dsse / intoto). */
  kind: "message" | "dsse";
  /** The signature bytes. */
  signature: Uint8Array;
  /** hashedrekord: the artifact's digest (see digestAlgorithm); dsse: SHA-256 of the payload. */
  digest: Uint8Array;
  /** The hash of `digest` for message signatures, as the bundle's messageDigest names it. */
  digestAlgorithm?: "sha256" | "sha384" | "sha512";
  /**
   * DSSE only: the digest of the bytes the signature covers (the PAE), with the signing key's
   * default hash (P-256: SHA-256, P-384: SHA-384, P-521 and Ed25519: SHA-512). A hashedrekord
   * entry for a DSSE bundle (Rekor v2, and Rekor v1 as the client spec allows) logs this.
   */
  signedDigest?: { algorithm: "sha256" | "sha384" | "sha512"; value: Uint8Array };
  /** DER of the signing certificate, or the SPKI of the signing key. */
  keyDer: Uint8Array;
  /** DSSE payload type (dsse only). */
  payloadType?: string;
}

/** What a verified entry proves. */
export interface TlogResult {
  /** The integrated time when the SET verified (a trusted signing time); else undefined. */
  integratedTime?: Date;
  /** The log that holds the entry. */
  log: LogAuthority;
  /** "0.0.1", "0.0.2", … and kind. */
  kind: string;
}

const dec = new TextDecoder();
const fail = failEntry;

// deno-lint-ignore no-explicit-any
type Json = any;

/**
 * What a hashedrekord entry must log: for a message signature the artifact's digest with the
 * bundle's algorithm (SHA-256/384/512); for a DSSE envelope the digest of its PAE with the key's
 * default hash, as sigstore-go reconstructs Rekor v2 entries (and as the client spec allows for
 * Rekor v1 hashedrekord entries of DSSE bundles).
 */
function hashedDigest(c: SignedContent): { algorithm: string; value: Uint8Array } {
  if (c.kind === "message") return { algorithm: c.digestAlgorithm ?? "sha256", value: c.digest };
  if (!c.signedDigest) return fail("tlog entry body", "a hashedrekord entry for a DSSE bundle");
  return c.signedDigest;
}

function checkBody(body: Json, kind: string, version: string, c: SignedContent): void {
  const known = isKnownEntryKind(kind, version);
  const spec = body?.spec;
  if (known && typeof spec === "object" && spec !== null) {
    // What the bundle cannot have, before what the body holds.
    if (kind === "hashedrekord") hashedDigest(c);
    else if (c.kind !== "dsse") {
      fail(
        "tlog entry body",
        `a${kind === "intoto" ? "n" : ""} ${kind} entry for a message-signature bundle`,
      );
    }
  }
  const logged = readEntryBody(body, kind, version, { oneSignature: true });
  const [{ signature, keyDer }] = logged.signatures;
  if (!bytesEqual(signature, c.signature)) {
    fail("tlog entry body", "the logged signature is not the bundle's signature");
  }
  if (!bytesEqual(keyDer, c.keyDer)) {
    fail("tlog entry body", "the logged key/certificate is not the bundle's signer");
  }
  if (kind === "intoto" && c.payloadType !== undefined && logged.payloadType !== c.payloadType) {
    fail("tlog entry body", "the logged payload type is not the envelope's");
  }
  const want = kind === "hashedrekord" ? hashedDigest(c) : { algorithm: "sha256", value: c.digest };
  if (logged.digest.algorithm !== want.algorithm) {
    fail(
      "tlog entry body",
      `the logged digest is ${logged.digest.algorithm}, the bundle's is ${want.algorithm}`,
    );
  }
  if (!bytesEqual(logged.digest.value, want.value)) {
    fail(
      "tlog entry body",
      c.kind === "message"
        ? "the logged artifact digest is not the artifact's digest"
        : "the logged payload hash is not the envelope payload's hash",
    );
  }
}

/** Canonical JSON of the SET payload (keys sorted, no spaces), as Rekor signs it. */
export function setPayload(
  body: Uint8Array,
  integratedTime: bigint,
  logId: Uint8Array,
  logIndex: bigint,
): Uint8Array {
  const text = `{"body":${JSON.stringify(base64Encode(body))},"integratedTime":${integratedTime},` +
    `"logID":${JSON.stringify(toHex(logId))},"logIndex":${logIndex}}`;
  return new TextEncoder().encode(text);
}

function toBig(v: unknown, what: string): bigint {
  if (typeof v === "bigint") return v;
  if (
    (typeof v === "string" && /^\d+$/.test(v)) || (typeof v === "number" && Number.isInteger(v))
  ) {
    return BigInt(v);
  }
  return fail("tlog entry", `${what} is not an integer`);
}

/**
 * Verifies one log entry against the signed content and the trusted logs. Requires a verified
 * SET or a verified inclusion proof (or both, each checked when present). `options.sha256`, a
 * synchronous SHA-256 (the runtime's `digestSync`), hashes the audit path; else WebCrypto. Throws
 * CosignError("VERIFY") naming the failed check: "tlog entry body", "tlog inclusion promise
 * (SET)", "tlog inclusion proof", "tlog entry" (unknown log, time outside its validFor).
 */
export async function verifyTlogEntry(
  entry: TransparencyLogEntry,
  content: SignedContent,
  tlogs: LogAuthority[],
  options: { sha256?: SyncSha256 } = {},
): Promise<TlogResult> {
  const kind = entry.kindVersion?.kind ?? "";
  const version = entry.kindVersion?.version ?? "";
  const bodyBytes = new Uint8Array(entry.canonicalizedBody ?? new Uint8Array(0));
  let body: Json;
  try {
    body = JSON.parse(dec.decode(bodyBytes));
  } catch {
    fail("tlog entry body", "canonicalizedBody is not JSON");
  }
  rejectDuplicateKeys(bodyBytes, "transparency log entry body", {
    code: "VERIFY",
    check: "tlog-entry",
  });
  if (body?.kind !== kind || body?.apiVersion !== version) {
    fail(
      "tlog entry body",
      `kind/version ${kind}/${version} does not match the body's ` +
        `${body?.kind}/${body?.apiVersion}`,
    );
  }
  checkBody(body, kind, version, content);

  const logId = new Uint8Array(entry.logId?.keyId ?? new Uint8Array(0));
  const candidates = tlogs.filter((t) => bytesEqual(t.logId, logId));
  if (candidates.length === 0) {
    fail(
      "tlog entry",
      `log ${toHex(logId)} is not a transparency log of the trusted root`,
      "Verify with the trusted root of the log that holds this entry (--trusted-root).",
    );
  }
  const integrated = toBig(entry.integratedTime ?? "0", "integratedTime");
  const integratedDate = new Date(Number(integrated) * 1000);
  const timely = integrated > 0n
    ? candidates.filter((t) => withinValidity(t.validFor, integratedDate))
    : candidates;
  if (timely.length === 0) {
    fail(
      "tlog entry",
      `the log key is not valid at the entry's integrated time ${integratedDate.toISOString()}`,
      "The trusted root's validFor window for this log does not cover the entry.",
    );
  }
  let verifiedTime: Date | undefined;
  let log = timely[0];
  let inclusion = false;
  if (entry.inclusionPromise) {
    const set = new Uint8Array(entry.inclusionPromise.signedEntryTimestamp ?? new Uint8Array(0));
    const data = setPayload(bodyBytes, integrated, logId, toBig(entry.logIndex, "logIndex"));
    let ok = false;
    for (const t of timely) {
      if (await verifySpki(t.spki, data, set)) {
        ok = true;
        log = t;
        break;
      }
    }
    if (!ok) {
      fail(
        "tlog inclusion promise (SET)",
        "the signed entry timestamp does not verify with the log's key",
      );
    }
    verifiedTime = integratedDate;
    inclusion = true;
  }
  if (entry.inclusionProof) {
    const proof = entry.inclusionProof;
    const envelope = proof.checkpoint?.envelope;
    if (!envelope) fail("tlog inclusion proof", "the proof has no checkpoint");
    const cp = parseCheckpoint(envelope as string);
    let signed = false;
    for (const t of timely) {
      const hint = (t.checkpointKeyId ?? t.logId).subarray(0, 4);
      for (const s of cp.signatures) {
        if (!bytesEqual(s.keyHint, hint)) continue;
        if (await verifySpki(t.spki, new TextEncoder().encode(cp.note), s.signature)) {
          signed = true;
          log = t;
        }
      }
      if (signed) break;
    }
    if (!signed) fail("tlog inclusion proof", "the checkpoint is not signed by the log's key");
    const size = toBig(proof.treeSize, "treeSize");
    const index = toBig(proof.logIndex, "inclusionProof.logIndex");
    const rootHash = new Uint8Array(proof.rootHash ?? new Uint8Array(0));
    if (cp.size !== size || !bytesEqual(cp.rootHash, rootHash)) {
      fail(
        "tlog inclusion proof",
        "the checkpoint's tree size or root hash differs from the proof's",
      );
    }
    const hashes = (proof.hashes ?? []).map((h) => new Uint8Array(h));
    const sha = options.sha256;
    const root = await rootFromInclusionProof(
      index,
      size,
      await leafHash(bodyBytes, sha),
      hashes,
      sha,
    );
    if (!root) {
      fail(
        "tlog inclusion proof",
        `the audit path is malformed for index ${index} in a tree of ${size}`,
      );
    }
    if (!bytesEqual(root as Uint8Array, rootHash)) {
      fail("tlog inclusion proof", "the audit path does not lead to the checkpoint's root hash");
    }
    inclusion = true;
  }
  if (!inclusion) fail("tlog entry", "it has neither an inclusion promise nor an inclusion proof");
  return { integratedTime: verifiedTime, log, kind: `${kind} ${version}` };
}
