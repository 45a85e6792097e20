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
 * Log entries and signed timestamps are verified by plugins, not here: each entry by the
 * transparency log plugin that recognizes it, each timestamp by the timestamp authority plugin
 * that recognizes it (core/verify/witnesses.ts), taken from `witnesses`: a plugin `Context`
 * (its registry: the built-in "rekor" and "rfc3161" plus any third-party ones) or an explicit
 * list. Library callers that want the built-in behaviour pass
 * `{ ctx, tlogs: [rekorTransparencyLog], timestampAuthorities: [rfc3161TimestampAuthority] }`
 * (plugins/tlog-rekor, plugins/tsa-rfc3161) or a context whose registry holds those plugins.
 *
 * Every failure is a CosignError("VERIFY") whose message names the check: "signature",
 * "artifact digest", "certificate chain", "SCT", "identity", "tlog entry body",
 * "tlog inclusion promise (SET)", "tlog inclusion proof", "RFC 3161 timestamp", "timestamps".
 *
 * @example
 * ```ts
 * const { bundle } = await parseBundle(text);
 * const r = await verifyBundle(bundle, { bytes }, { identity: "me@example.com",
 *   issuer: "https://accounts.google.com" }, await publicGoodTrustedRoot(), ctx);
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
import type { SpkiKind } from "./public_key.ts";
import { bytesEqual, defaultHash, digest, spkiKind, toHex, verifySpki } from "./public_key.ts";
import { BUNDLE_MEDIA_TYPES } from "../bundle.ts";
import { SCT_LIST_OID, verifyDetachedSct, verifyEmbeddedScts } from "./sct.ts";
import type { TlogEntry, TlogExpectation } from "../plugin.ts";
import {
  verifyLogEntry,
  verifyTimestampToken,
  witnessRuntime,
  type WitnessSource,
} from "./witnesses.ts";
import { rejectDuplicateKeys } from "../strict_json.ts";
import { INTOTO_PAYLOAD_TYPE, pae } from "../dsse.ts";
import { lazyModule } from "../lazy_module.ts";

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
  /**
   * cosign `--sct`: a detached SCT (RFC 6962 AddChainResponse JSON) for the certificate; it must
   * verify, and embedded SCTs, if the certificate has any, must verify too.
   */
  detachedSct?: Uint8Array;
  /**
   * Minimum valid RFC 3161 timestamps from distinct authorities when the bundle carries any
   * (default 1, as cosign asks sigstore-go for signed timestamps); the others may fail.
   */
  signedTimestampThreshold?: number;
  /**
   * DSSE only: the digests (algorithm → hex) one in-toto subject must carry, instead of the
   * artifact's (cosign verify-blob-attestation `--digest`/`--digestAlg`); `{}` checks no
   * subject (`--check-claims=false`: only the envelope is verified).
   */
  subjectDigests?: Record<string, string>;
  /**
   * The bytes the bundle's RFC 3161 timestamps cover when they are not the signature: cosign's
   * legacy attestations (`.att` layers, legacy attestation bundles) timestamp the DSSE envelope
   * JSON. Default: the signature, as Sigstore bundles do.
   */
  timestampedBytes?: Uint8Array;
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

// Loaded on first use, then reused (core/lazy_module.ts).
const protobufSpecs = lazyModule(() => import("@sigstore/protobuf-specs"));
const intotoLib = lazyModule(() => import("../intoto.ts"));

type Hash = "sha256" | "sha384" | "sha512";
const HASH_BY_ENUM: Record<number, Hash> = { 1: "sha256", 2: "sha384", 3: "sha512" };

/**
 * The hashes a signature may have been made with, in the order sigstore-go tries them: the key's
 * default (P-384: SHA-384, P-521: SHA-512), then — for bundles v0.1–v0.3 only — the hash the
 * bundle's messageDigest names, and SHA-256 for P-384/P-521 keys (sigstore-go's compatibility
 * verifier for signatures made by old clients that always hashed with SHA-256).
 */
function signatureHashes(kind: SpkiKind, legacy: boolean, bundleHash?: Hash): Hash[] {
  const out: Hash[] = [defaultHash(kind)];
  if (legacy) {
    if (bundleHash) out.push(bundleHash);
    if (kind === "ec-p384" || kind === "ec-p521") out.push("sha256");
  }
  return [...new Set(out)];
}

/** The hash sigstore-go uses for a hashedrekord entry of this key (Ed25519: Ed25519ph, SHA-512). */
function entryHash(kind: SpkiKind): Hash {
  return kind === "ed25519" ? "sha512" : defaultHash(kind);
}

/**
 * Verifies `bundle` for `artifact` under `policy` with `trust`, its log entries and timestamps
 * through the plugins `witnesses` names (see the module documentation). Returns what was established;
 * throws CosignError("VERIFY") naming the failed check, CosignError("USAGE") for an unusable
 * policy (no key for a key bundle, bad regular expression).
 */
export async function verifyBundle(
  bundle: Bundle,
  artifact: ArtifactInput,
  policy: VerifyPolicy,
  trust: TrustedRoot,
  witnesses: WitnessSource,
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

  // 2. the signature over the artifact. Digests go through the runtime's synchronous digest
  // where it has one (Bun), else WebCrypto: same bytes.
  const digestSync = witnessRuntime(witnesses)?.digestSync;
  const hashOf = async (alg: Hash, data: Uint8Array): Promise<Uint8Array> =>
    digestSync ? digestSync(alg, data) : await digest(alg, data);
  const artifactSha256 = "bytes" in artifact
    ? await hashOf("sha256", artifact.bytes)
    : artifact.sha256;
  const artifactDigest = async (alg: Hash): Promise<Uint8Array | undefined> =>
    alg === "sha256"
      ? artifactSha256
      : "bytes" in artifact
      ? await hashOf(alg, artifact.bytes)
      : artifact[alg];
  const keyKind = spkiKind(spki);
  const legacyHashes = BUNDLE_MEDIA_TYPES[bundle.mediaType] !== undefined;
  let signature: Uint8Array;
  let signed: TlogExpectation;
  let dssePayload: VerifyResult["dssePayload"];
  if (bundle.content.$case === "messageSignature") {
    const ms = bundle.content.messageSignature;
    signature = new Uint8Array(ms.signature);
    let digestAlgorithm: Hash = "sha256";
    if (ms.messageDigest) {
      const alg = HASH_BY_ENUM[ms.messageDigest.algorithm];
      if (!alg) {
        fail(
          "artifact digest",
          `unsupported message digest algorithm ${ms.messageDigest.algorithm}`,
        );
      }
      digestAlgorithm = alg;
      const mine = await artifactDigest(alg);
      if (!mine) {
        throw new CosignError("USAGE", `Cannot verify bundle: it signs a ${alg} digest`, {
          hint: "Pass the artifact file instead of a sha256 digest.",
        });
      }
      if (!bytesEqual(new Uint8Array(ms.messageDigest.digest), mine)) {
        fail(
          "artifact digest",
          `the bundle signs ${alg}:${toHex(new Uint8Array(ms.messageDigest.digest))}, ` +
            `the artifact is ${alg}:${toHex(mine)}`,
          "The bundle is for another artifact.",
        );
      }
    }
    let ok = false;
    for (const h of signatureHashes(keyKind, legacyHashes, digestAlgorithm)) {
      if ("bytes" in artifact) ok = await verifySpki(spki, artifact.bytes, signature, h);
      else {
        const d = await artifactDigest(h);
        ok = d !== undefined && await verifyPrehashed(spki, d, signature);
      }
      if (ok) break;
    }
    if (!ok) {
      fail("signature", "the signature over the artifact does not verify with the signer's key");
    }
    signed = {
      kind: "message",
      signature,
      digest: (await artifactDigest(digestAlgorithm))!,
      digestAlgorithm,
      keyDer,
    };
  } else if (bundle.content.$case === "dsseEnvelope") {
    const env = bundle.content.dsseEnvelope;
    if (env.signatures.length !== 1) {
      fail("signature", "the DSSE envelope must carry exactly one signature");
    }
    signature = new Uint8Array(env.signatures[0].sig);
    const payload = new Uint8Array(env.payload);
    const signedBytes = pae(env.payloadType, payload);
    let ok = false;
    for (const h of signatureHashes(keyKind, legacyHashes)) {
      if ((ok = await verifySpki(spki, signedBytes, signature, h))) break;
    }
    if (!ok) fail("signature", "the DSSE signature does not verify with the signer's key");
    if (env.payloadType !== INTOTO_PAYLOAD_TYPE) {
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
    rejectDuplicateKeys(payload, "in-toto statement", { code: "VERIFY", check: "bundle" });
    const { subjectMatches } = await intotoLib();
    const digests: Record<string, string> = { sha256: toHex(artifactSha256) };
    if (policy.subjectDigests) {
      if (
        Object.keys(policy.subjectDigests).length &&
        !subjectMatches(statement, policy.subjectDigests)
      ) {
        const [alg, hex] = Object.entries(policy.subjectDigests)[0];
        fail(
          "artifact digest",
          `no in-toto subject has the digest ${alg}:${hex}`,
          "The attestation is for another artifact.",
        );
      }
    } else if ("bytes" in artifact) {
      digests.sha512 = toHex(await hashOf("sha512", artifact.bytes));
      digests.sha384 = toHex(await hashOf("sha384", artifact.bytes));
    } else {
      if (artifact.sha512) digests.sha512 = toHex(artifact.sha512);
      if (artifact.sha384) digests.sha384 = toHex(artifact.sha384);
    }
    if (!policy.subjectDigests && !subjectMatches(statement, digests)) {
      fail(
        "artifact digest",
        `no in-toto subject has the artifact's digest sha256:${digests.sha256}`,
        "The attestation is for another artifact.",
      );
    }
    signed = {
      kind: "dsse",
      signature,
      digest: await hashOf("sha256", payload),
      signedDigest: {
        algorithm: entryHash(keyKind),
        value: await hashOf(entryHash(keyKind), signedBytes),
      },
      keyDer,
      payloadType: env.payloadType,
    };
    dssePayload = { payloadType: env.payloadType, payload };
  } else {
    return fail("bundle", "it has neither a message signature nor a DSSE envelope");
  }

  // 3. transparency log entries: each listed once (sigstore-go and sigstore-js reject
  // duplicates, which could otherwise meet a threshold); a verified SET's integrated time is a
  // signing time, one per log, as sigstore-go counts it.
  const timestamps: VerifyResult["timestamps"] = [];
  let tlogEntries = 0;
  const untimedLogs: { log: string; validFor: { start?: Date; end?: Date } }[] = [];
  const listed = new Set<string>();
  for (const entry of vm.tlogEntries ?? []) {
    const id = `${toHex(new Uint8Array(entry.logId?.keyId ?? []))}/${entry.logIndex}`;
    if (listed.has(id)) {
      fail(
        "tlog entry",
        `the bundle lists the same log entry twice (log index ${entry.logIndex})`,
        "A bundle lists each transparency log entry once; obtain the bundle again.",
      );
    }
    listed.add(id);
  }
  const timedLogs = new Set<string>();
  const { TransparencyLogEntry } = vm.tlogEntries?.length
    ? await protobufSpecs()
    : { TransparencyLogEntry: undefined };
  for (const entry of vm.tlogEntries ?? []) {
    // Each entry goes, in the Sigstore JSON form, to the log plugin that recognizes it.
    const json = TransparencyLogEntry!.toJSON(entry as never) as TlogEntry;
    const r = await verifyLogEntry(json, signed, trust, witnesses);
    tlogEntries++;
    if (r.integratedTime) {
      const logKey = toHex(new Uint8Array(entry.logId?.keyId ?? []));
      if (!timedLogs.has(logKey)) timestamps.push({ source: "tlog", time: r.integratedTime });
      timedLogs.add(logKey);
    } else if (r.keyValidFor) untimedLogs.push({ log: r.log, validFor: r.keyValidFor });
  }
  const tlogThreshold = policy.tlogThreshold ?? 1;
  if (tlogEntries < tlogThreshold) {
    fail(
      "tlog entry",
      `the bundle has ${tlogEntries} transparency log entries, ${tlogThreshold} required`,
      "Sign with a transparency log (Rekor), or pass --insecure-ignore-tlog for a private setup.",
    );
  }

  // 4. RFC 3161 timestamps: each is verified on its own; those that fail (another signature,
  // an authority outside the trusted root, …) are set aside, and at least
  // `signedTimestampThreshold` must verify, from distinct authorities (sigstore-go and
  // sigstore-python do the same). Every verified time then holds the certificate chain below.
  const tokens = vm.timestampVerificationData?.rfc3161Timestamps ?? [];
  const tsaFailures: CosignError[] = [];
  const tsaUsed = new Set<unknown>();
  for (const [i, ts] of tokens.entries()) {
    let authority: string;
    let t: Date;
    try {
      // The TSA plugin that recognizes the token verifies it and names the authority.
      const r = await verifyTimestampToken(
        new Uint8Array(ts.signedTimestamp),
        policy.timestampedBytes ?? signature,
        trust,
        witnesses,
      );
      t = r.time;
      authority = r.authority ?? `token ${i}`;
    } catch (e) {
      if (e instanceof CosignError && e.code === "VERIFY") {
        tsaFailures.push(e);
        continue;
      }
      throw e;
    }
    if (tsaUsed.has(authority)) continue; // the same authority twice counts once
    tsaUsed.add(authority);
    timestamps.push({ source: "tsa", time: t });
  }
  const tsaThreshold = tokens.length ? policy.signedTimestampThreshold ?? 1 : 0;
  if (tsaUsed.size < tsaThreshold) {
    if (tsaFailures.length === 1 && tsaThreshold === 1) throw tsaFailures[0];
    fail(
      "timestamps",
      `${tsaUsed.size} of ${tokens.length} RFC 3161 timestamps verified (from distinct ` +
        `authorities), ${tsaThreshold} required` +
        (tsaFailures.length ? `; ${tsaFailures.map((e) => e.message).join("; ")}` : ""),
      "The timestamps do not come from timestamp authorities of the trusted root in use, " +
        "or do not cover this signature.",
    );
  }
  // Entries without an integrated time (Rekor v2): the log's key must have been valid at a
  // verified timestamp.
  const tsaTimes = timestamps.filter((t) => t.source === "tsa").map((t) => t.time);
  for (const { log, validFor } of untimedLogs) {
    if (tsaTimes.length && !tsaTimes.some((t) => withinValidity(validFor, t))) {
      fail(
        "tlog entry",
        `the log key of ${log} is not valid at the timestamp ${tsaTimes[0].toISOString()}`,
        "The trusted root's validFor window for this log does not cover the signing time.",
      );
    }
  }

  // 5. certificate: chain at the signing times, SCTs, identity
  let identity: CertificateIdentity | undefined;
  if (leaf) {
    const threshold = policy.timestampThreshold ?? 1;
    // cosign --insecure-ignore-tlog with neither a log entry nor a timestamp: the certificate
    // must be valid now (cosign checks its expiry against the current time; sigstore-go's
    // WithCurrentTime), and there is no signing time to report.
    const chainTimes = timestamps.map((t) => t.time);
    const untimed = policy.tlogThreshold === 0 && timestamps.length === 0 && tokens.length === 0;
    if (untimed) chainTimes.push(new Date());
    if (!untimed && timestamps.length < threshold) {
      fail(
        "timestamps",
        `${timestamps.length} verified signing times, ${threshold} required ` +
          "(a tlog entry with a signed entry timestamp, or an RFC 3161 timestamp)",
      );
    }
    const chain = await verifyChain(
      leaf,
      trust.certificateAuthorities,
      chainTimes,
      "certificate chain",
      "1.3.6.1.5.5.7.3.3",
    );
    const ctThreshold = policy.ctlogThreshold ?? 1;
    if (policy.detachedSct && ctThreshold > 0) {
      // As cosign: the detached SCT, and the embedded ones too when there are any.
      await verifyDetachedSct(leaf, policy.detachedSct, trust.ctlogs);
      if (leaf.extensions.some((e) => e.oid === SCT_LIST_OID)) {
        await verifyEmbeddedScts(leaf, chain.issuer, trust.ctlogs, ctThreshold);
      }
    } else {
      await verifyEmbeddedScts(leaf, chain.issuer, trust.ctlogs, ctThreshold);
    }
    identity = await certificateIdentity(leaf);
    checkIdentity(identity, policy);
  }
  return { certificate: leaf, identity, spki: spki!, timestamps, tlogEntries, dssePayload };
}
