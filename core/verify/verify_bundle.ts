/**
 * Verifies a Sigstore bundle (v0.1–v0.3) against an artifact, a policy and a trusted root, as
 * the Sigstore client specification and cosign do:
 *
 * 1. the signature over the artifact (message signature; the bundle's digest must match) or
 *    over the DSSE PAE, with the artifact's digest matching an in-toto subject;
 * 2. transparency-log entries (body, SET, inclusion proof against a signed checkpoint);
 * 3. RFC 3161 timestamps;
 * 4. for certificates: the chain to a Fulcio CA of the trusted root at every verified signing
 *    time, the embedded SCTs, and the identity policy; for keys: the given public key;
 * 5. thresholds: at least `tlogThreshold` log entries and `timestampThreshold` verified times.
 *
 * Every failure is a CosignError("VERIFY") whose message names the check: "signature",
 * "artifact digest", "certificate chain", "SCT", "identity", "tlog entry body",
 * "tlog inclusion promise (SET)", "tlog inclusion proof", "RFC 3161 timestamp", "timestamps".
 *
 * @example
 * ```ts
 * const { bundle } = await parseBundle(text);
 * const r = await verifyBundle(bundle, { bytes }, { identity: "me@example.com",
 *   issuer: "https://accounts.google.com" }, await publicGoodTrustedRoot());
 * ```
 * @module
 */
import type { Bundle } from "@sigstore/bundle";
import { CosignError, type FailedCheck } from "../errors.ts";
import type { TrustedRoot } from "../trust/trusted_root.ts";
import { withinValidity } from "../trust/trusted_root.ts";
import type { Certificate } from "./certificate.ts";
import { parseCertificate, verifyChain } from "./certificate.ts";
import type { CertificateIdentity, IdentityPolicy } from "./identity.ts";
import { certificateIdentity, checkIdentity } from "./identity.ts";
import { bytesEqual, digest, sha256, spkiKind, toHex, verifySpki } from "./public_key.ts";
import { verifyEmbeddedScts } from "./sct.ts";
import { verifyRfc3161Timestamp } from "../../plugins/tsa-rfc3161/verify_timestamp.ts";
import type { SignedContent, TlogResult } from "../../plugins/tlog-rekor/verify_entry.ts";
import { verifyTlogEntry } from "../../plugins/tlog-rekor/verify_entry.ts";

/**
 * The artifact: its bytes, or its SHA-256 digest (`sha256:<hex>` on the command line), with
 * optional SHA-384/512 digests for in-toto subjects that name those (npm provenance uses sha512).
 */
export type ArtifactInput =
  | { bytes: Uint8Array }
  | { sha256: Uint8Array; sha384?: Uint8Array; sha512?: Uint8Array };

/** What must hold besides the cryptography. */
export interface VerifyPolicy extends IdentityPolicy {
  /** Verify with this public key (DER SPKI) instead of a certificate (cosign --key). */
  publicKey?: Uint8Array;
  /** A certificate given outside the bundle (cosign --certificate), DER. */
  certificate?: Uint8Array;
  /** Minimum verified log entries (default 1; 0 = cosign --insecure-ignore-tlog). */
  tlogThreshold?: number;
  /** Minimum verified signing times for certificates (default 1). */
  timestampThreshold?: number;
  /** Minimum verified SCTs (default 1; 0 = cosign --insecure-ignore-sct). */
  ctlogThreshold?: number;
}

/** What verification established. */
export interface VerifyResult {
  /** The signing certificate, when keyless. */
  certificate?: Certificate;
  /** Its identity, when keyless. */
  identity?: CertificateIdentity;
  /** The signer's public key (SPKI DER). */
  spki: Uint8Array;
  /** Verified signing times and where they came from. */
  timestamps: { source: "tlog" | "tsa"; time: Date }[];
  /** Number of verified log entries. */
  tlogEntries: number;
  /** The DSSE payload (for attestations), if any. */
  dssePayload?: { payloadType: string; payload: Uint8Array };
}

const enc = new TextEncoder();

/** The stable {@link FailedCheck} code for a check named in messages ("tlog entry" → "tlog-entry"). */
function checkCode(check: string): FailedCheck {
  if (check === "signature") return "signature";
  if (check === "artifact digest") return "digest";
  if (check === "certificate chain" || check === "certificate") return "certificate-chain";
  if (check === "SCT") return "sct";
  if (check === "identity") return "identity";
  if (check.startsWith("tlog")) return "tlog-entry";
  if (check === "RFC 3161 timestamp" || check === "timestamps") return "timestamp";
  return "bundle";
}

function fail(check: string, what: string, hint?: string): never {
  throw new CosignError("VERIFY", `Cannot verify ${check}: ${what}`, {
    check: checkCode(check),
    ...(hint ? { hint } : {}),
  });
}

/** DSSE pre-authentication encoding: "DSSEv1 <len> <type> <len> <payload>". */
export function pae(payloadType: string, payload: Uint8Array): Uint8Array {
  const t = enc.encode(payloadType);
  const head = enc.encode(`DSSEv1 ${t.length} ${payloadType} ${payload.length} `);
  const out = new Uint8Array(head.length + payload.length);
  out.set(head);
  out.set(payload, head.length);
  return out;
}

async function verifyPrehashed(
  spki: Uint8Array,
  hash: Uint8Array,
  sig: Uint8Array,
): Promise<boolean> {
  const kind = spkiKind(spki);
  const n = { "ec-p256": 65, "ec-p384": 97, "ec-p521": 133 }[kind as string];
  if (!n) {
    throw new CosignError("UNSUPPORTED", `Cannot verify a ${kind} signature from a digest alone`, {
      hint: "Pass the artifact file instead of sha256:<hex>.",
    });
  }
  const nist = await import("@noble/curves/nist.js");
  const curve = kind === "ec-p256" ? nist.p256 : kind === "ec-p384" ? nist.p384 : nist.p521;
  const point = spki.subarray(spki.length - n);
  try {
    return curve.verify(sig, hash, point, { prehash: false, format: "der", lowS: false });
  } catch {
    return false;
  }
}

function subjectMatches(statement: unknown, digests: Record<string, string>): boolean {
  const subjects = (statement as { subject?: unknown })?.subject;
  if (!Array.isArray(subjects)) return false;
  return subjects.some((s) => {
    const d = (s as { digest?: Record<string, unknown> })?.digest;
    if (!d || typeof d !== "object") return false;
    return Object.entries(digests).some(([alg, hex]) =>
      typeof d[alg] === "string" && (d[alg] as string).toLowerCase() === hex
    );
  });
}

/**
 * Verifies `bundle` for `artifact` under `policy` with `trust`. Returns what was established;
 * throws CosignError("VERIFY") naming the failed check, CosignError("USAGE") for an unusable
 * policy (no key for a key bundle, bad regular expression).
 */
export async function verifyBundle(
  bundle: Bundle,
  artifact: ArtifactInput,
  policy: VerifyPolicy,
  trust: TrustedRoot,
): Promise<VerifyResult> {
  const vm = bundle.verificationMaterial;
  const content = vm?.content;
  // 1. the signer's key
  let leaf: Certificate | undefined;
  let spki: Uint8Array;
  let keyDer: Uint8Array;
  let leafDer: Uint8Array | undefined;
  if (content?.$case === "x509CertificateChain") {
    leafDer = new Uint8Array(content.x509CertificateChain.certificates[0]?.rawBytes ?? []);
  } else if (content?.$case === "certificate") {
    leafDer = new Uint8Array(content.certificate.rawBytes);
  }
  if (leafDer && policy.certificate && !bytesEqual(leafDer, policy.certificate)) {
    fail("certificate", "the --certificate given differs from the bundle's certificate");
  }
  leafDer ??= policy.certificate;
  if (leafDer && leafDer.length) {
    leaf = await parseCertificate(leafDer);
    spki = leaf.spki;
    keyDer = leaf.der;
    if (policy.publicKey && !bytesEqual(policy.publicKey, spki)) {
      fail("signature", "the certificate's key is not the --key given");
    }
  } else if (policy.publicKey) {
    spki = policy.publicKey;
    keyDer = spki;
  } else {
    throw new CosignError(
      "USAGE",
      "Cannot verify bundle: it names a public key, not a certificate",
      {
        hint: "Pass the public key with --key.",
      },
    );
  }

  // 2. the signature over the artifact
  const artifactSha256 = "bytes" in artifact ? await sha256(artifact.bytes) : artifact.sha256;
  let signature: Uint8Array;
  let signed: SignedContent;
  let dssePayload: VerifyResult["dssePayload"];
  if (bundle.content.$case === "messageSignature") {
    const ms = bundle.content.messageSignature;
    signature = new Uint8Array(ms.signature);
    if (ms.messageDigest) {
      const alg = ms.messageDigest.algorithm;
      // HashAlgorithm.SHA2_256 = 1
      if (alg === 1 && !bytesEqual(new Uint8Array(ms.messageDigest.digest), artifactSha256)) {
        fail(
          "artifact digest",
          `the bundle signs sha256:${toHex(new Uint8Array(ms.messageDigest.digest))}, ` +
            `the artifact is sha256:${toHex(artifactSha256)}`,
          "The bundle is for another artifact.",
        );
      }
    }
    const ok = "bytes" in artifact
      ? await verifySpki(spki, artifact.bytes, signature)
      : await verifyPrehashed(spki, artifactSha256, signature);
    if (!ok) {
      fail("signature", "the signature over the artifact does not verify with the signer's key");
    }
    signed = { kind: "message", signature, digest: artifactSha256, keyDer };
  } else if (bundle.content.$case === "dsseEnvelope") {
    const env = bundle.content.dsseEnvelope;
    if (env.signatures.length !== 1) {
      fail("signature", "the DSSE envelope must carry exactly one signature");
    }
    signature = new Uint8Array(env.signatures[0].sig);
    const payload = new Uint8Array(env.payload);
    if (!(await verifySpki(spki, pae(env.payloadType, payload), signature))) {
      fail("signature", "the DSSE signature does not verify with the signer's key");
    }
    if (env.payloadType !== "application/vnd.in-toto+json") {
      fail(
        "artifact digest",
        `the DSSE payload type is ${JSON.stringify(env.payloadType)}, not in-toto`,
      );
    }
    let statement: unknown;
    try {
      statement = JSON.parse(new TextDecoder().decode(payload));
    } catch {
      fail("artifact digest", "the in-toto statement is not JSON");
    }
    const digests: Record<string, string> = { sha256: toHex(artifactSha256) };
    if ("bytes" in artifact) {
      digests.sha512 = toHex(await digest("sha512", artifact.bytes));
      digests.sha384 = toHex(await digest("sha384", artifact.bytes));
    } else {
      if (artifact.sha512) digests.sha512 = toHex(artifact.sha512);
      if (artifact.sha384) digests.sha384 = toHex(artifact.sha384);
    }
    if (!subjectMatches(statement, digests)) {
      fail(
        "artifact digest",
        `no in-toto subject has the artifact's digest sha256:${digests.sha256}`,
        "The attestation is for another artifact.",
      );
    }
    signed = {
      kind: "dsse",
      signature,
      digest: await sha256(payload),
      keyDer,
      payloadType: env.payloadType,
    };
    dssePayload = { payloadType: env.payloadType, payload };
  } else {
    return fail("bundle", "it has neither a message signature nor a DSSE envelope");
  }

  // 3. transparency log entries
  const timestamps: VerifyResult["timestamps"] = [];
  let tlogEntries = 0;
  const untimedLogs: TlogResult["log"][] = [];
  for (const entry of vm.tlogEntries ?? []) {
    const r = await verifyTlogEntry(entry, signed, trust.tlogs);
    tlogEntries++;
    if (r.integratedTime) timestamps.push({ source: "tlog", time: r.integratedTime });
    else if (BigInt(entry.integratedTime || "0") === 0n) untimedLogs.push(r.log);
  }
  const tlogThreshold = policy.tlogThreshold ?? 1;
  if (tlogEntries < tlogThreshold) {
    fail(
      "tlog entry",
      `the bundle has ${tlogEntries} transparency log entries, ${tlogThreshold} required`,
      "Sign with a transparency log (Rekor), or pass --insecure-ignore-tlog for a private setup.",
    );
  }

  // 4. RFC 3161 timestamps
  for (const ts of vm.timestampVerificationData?.rfc3161Timestamps ?? []) {
    const t = await verifyRfc3161Timestamp(
      new Uint8Array(ts.signedTimestamp),
      signature,
      trust.timestampAuthorities,
    );
    timestamps.push({ source: "tsa", time: t });
  }
  // Entries without an integrated time (Rekor v2): the log's key must have been valid at a
  // verified timestamp.
  const tsaTimes = timestamps.filter((t) => t.source === "tsa").map((t) => t.time);
  for (const log of untimedLogs) {
    if (tsaTimes.length && !tsaTimes.some((t) => withinValidity(log.validFor, t))) {
      fail(
        "tlog entry",
        `the log key of ${log.baseUrl} is not valid at the timestamp ${tsaTimes[0].toISOString()}`,
        "The trusted root's validFor window for this log does not cover the signing time.",
      );
    }
  }

  // 5. certificate: chain at the signing times, SCTs, identity
  let identity: CertificateIdentity | undefined;
  if (leaf) {
    const threshold = policy.timestampThreshold ?? 1;
    if (timestamps.length < threshold) {
      fail(
        "timestamps",
        `${timestamps.length} verified signing times, ${threshold} required ` +
          "(a tlog entry with a signed entry timestamp, or an RFC 3161 timestamp)",
      );
    }
    const chain = await verifyChain(
      leaf,
      trust.certificateAuthorities,
      timestamps.map((t) => t.time),
      "certificate chain",
      "1.3.6.1.5.5.7.3.3",
    );
    await verifyEmbeddedScts(leaf, chain.issuer, trust.ctlogs, policy.ctlogThreshold ?? 1);
    identity = await certificateIdentity(leaf);
    checkIdentity(identity, policy);
  }
  return { certificate: leaf, identity, spki: spki!, timestamps, tlogEntries, dssePayload };
}
