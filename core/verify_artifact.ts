/**
 * The one verify path, for every artifact kind: {@link verifyArtifact} takes a resolved
 * {@link Artifact} and what to verify with (a key's {@link Verifier}, or an identity policy and
 * a trusted root for keyless signatures), and checks each signature the artifact's store holds
 * (`artifact.signatures`) or the caller names (`signatures`, e.g. verify-blob's `--bundle`):
 *
 * - Sigstore bundles (v0.1–v0.3) go through the verification engine (core/verify/verify_bundle.ts):
 *   signature, artifact digest or in-toto subject, certificate chain, SCTs, identity, log
 *   entries, timestamps. With a key and no log requirement, a message-signature bundle is
 *   checked by the key provider's verifier (any key type the provider supports);
 * - legacy signatures (cosign's `.sig` layers, legacy blob bundles) with a key: the signature
 *   over the payload or the content (its digest where the verifier takes digests), then their
 *   Rekor bundle through the transparency-log plugin that recognizes it (`tlog.verify`);
 *   with a certificate (keyless): as the equivalent Sigstore bundle v0.1, by the engine;
 * - the signed payload's claims: `artifact.checkPayload` (images: cosign's claims and `-a`
 *   annotations; cosign v3 bundles: the predicate type), or, for artifacts with a payload but
 *   no check, byte equality with the payload the artifact would sign.
 *
 * No signatures: CosignError("NO_SIGNATURES", exit 10). None verifies: CosignError("NO_MATCH",
 * exit 12) listing each signature's reason, with `check` set (the first rejection's). A single
 * signature the caller named fails with its own error (e.g. VERIFY with check "signature").
 *
 * @example
 * ```ts
 * const artifact = await ctx.plugins.resolve("localhost:5000/app:v1", ctx);
 * const verifier = await ctx.plugins.verifier("cosign.pub", ctx);
 * const ok = await verifyArtifact(artifact, { ctx, verifier, ignoreTlog: true });
 * ```
 * @module
 */
import { hex } from "@scure/base";
import { CosignError, type FailedCheck, isCosignError } from "./errors.ts";
import { pemCertificates } from "./fulcio.ts";
import {
  legacyRekorBundleOf,
  legacySignatureBundleJson,
  rekorBundleText,
} from "./legacy_signature.ts";
import type {
  Artifact,
  Context,
  HashAlgorithm,
  SignatureKind,
  SignatureQuery,
  StoredSignature,
  TlogEntry,
  VerifiedSignature,
  Verifier,
} from "./plugin.ts";
import { MAX_WHOLE_MESSAGE_BYTES, readAll, readUpTo } from "./read_all.ts";
import { lazyModule } from "./lazy_module.ts";
import { mapLimit } from "./map_limit.ts";
import type { TrustedRoot } from "./trust/trusted_root.ts";
import type { ArtifactInput, VerifyPolicy, VerifyResult } from "./verify/verify_bundle.ts";

/** Options for {@link verifyArtifact}. */
export interface VerifyArtifactOptions {
  /** The plugin context (logs are reached through `ctx.plugins`). */
  ctx: Context;
  /** Verify with this key (cosign `--key`); absent: keyless (certificates and `policy`). */
  verifier?: Verifier;
  /** How messages name the key (e.g. its reference `cosign.pub`). */
  keyName?: string;
  /**
   * Identity policy for certificates (`--certificate-identity`, `--certificate-oidc-issuer`,
   * `--certificate`, `ctlogThreshold` 0 for `--insecure-ignore-sct`). Copied, never changed.
   */
  policy?: VerifyPolicy;
  /** The trusted root, loaded when first needed (bundles, certificates, log entries). */
  trustedRoot?: () => Promise<TrustedRoot>;
  /** Accept signatures without transparency-log evidence (`--insecure-ignore-tlog`). */
  ignoreTlog?: boolean;
  /** Claims every accepted payload must carry (`-a key=value`). */
  annotations?: Record<string, string>;
  /** Check the payload's claims (default true; cosign `--check-claims`). */
  checkClaims?: boolean;
  /** Verify these signatures instead of the artifact's store (`--bundle`, `--signature`). */
  signatures?: StoredSignature[];
  /** Which kind of stored signature to verify (default "signature"). */
  kind?: SignatureKind;
  /**
   * Looks up the log entries of a legacy signature that carries none (cosign's online Rekor
   * lookup by the signed content's SHA-256, e.g. plugins/tlog-rekor `findRekorEntries`); the
   * first entry with a signed entry timestamp is verified as if the signature carried it.
   */
  lookupTlog?: (sha256: Uint8Array, signature: Uint8Array) => Promise<TlogEntry[]>;
  /**
   * How many signatures are verified at once (cosign `--max-workers`, default 10): the log
   * look-ups, bundle checks and key operations of at most this many signatures run together;
   * when given, it is also the store's fetch concurrency ({@link SignatureQuery.concurrency}).
   */
  maxWorkers?: number;
  /**
   * cosign `--use-signed-timestamps`: every signature must carry RFC 3161 timestamps, verified
   * (by the timestamp authority plugins) against the trusted root's TSAs, also with a key and
   * `ignoreTlog`, where the signature alone would otherwise be checked.
   */
  requireTimestamps?: boolean;
  /**
   * Attestations: the predicate type URI every verified in-toto statement must have (cosign
   * `--type`, through core/intoto.ts `predicateTypeURI`); others are rejected with
   * CosignError("VERIFY", check "claims") `invalid predicate type, expected X got Y`.
   */
  predicateType?: string;
  /**
   * Attestations: the digests one in-toto subject must carry instead of the artifact's (cosign
   * `--digest`/`--digestAlg`); `{}` checks no subject (`--check-claims=false`).
   */
  subjectDigests?: Record<string, string>;
}

/** cosign's default `--max-workers`. */
export const DEFAULT_MAX_WORKERS = 10;

/**
 * How messages name the artifact: its `title()` (images: `image r/app:v1 (r/app@sha256:…)`), else
 * `<kind> "<ref>"`. Errors are those of `title()` (e.g. resolving an image's digest).
 *
 * @example
 * ```ts
 * await artifactTitle(blob); // 'blob "release.tar.gz"'
 * ```
 */
export async function artifactTitle(artifact: Artifact): Promise<string> {
  return (await artifact.title?.()) ?? `${artifact.kind} "${artifact.ref}"`;
}

function rejection(message: string, check: FailedCheck, hint?: string): CosignError {
  return new CosignError("VERIFY", message, hint ? { check, hint } : { check });
}

/** The check an engine error names in its message, for errors thrown without one. */
function inferCheck(message: string): FailedCheck {
  const rules: [RegExp, FailedCheck][] = [
    [/artifact digest|digest/i, "digest"],
    [/certificate chain|certificate authority|chain/i, "certificate-chain"],
    [/\bSCT/i, "sct"],
    [/identity|issuer|SAN/i, "identity"],
    [/tlog|transparency log|Rekor|SET\b|inclusion/i, "tlog-entry"],
    [/timestamp/i, "timestamp"],
    [/signature/i, "signature"],
  ];
  return rules.find(([re]) => re.test(message))?.[1] ?? "bundle";
}

function withCheck(e: unknown, fallback?: FailedCheck): unknown {
  if (!isCosignError(e) || e.check || !["VERIFY", "NO_MATCH"].includes(e.code)) return e;
  return new CosignError(e.code, e.message, {
    check: fallback ?? inferCheck(e.message),
    hint: e.hint,
    cause: e.cause,
  });
}

function toBytes(h: string): Uint8Array {
  return hex.decode(h.toLowerCase());
}

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(
    await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>),
  );
}

// Loaded on first use, then reused (core/lazy_module.ts): an import() per signature costs a
// module-loader round trip each (fifty signatures made a hundred and more).
const publicKeyLib = lazyModule(() => import("./verify/public_key.ts"));
const bundleLib = lazyModule(() => import("./bundle.ts"));
const engineLib = lazyModule(() => import("./verify/verify_bundle.ts"));
const witnessesLib = lazyModule(() => import("./verify/witnesses.ts"));

/** Public keys whose payload signatures WebCrypto checks natively (same answer on Deno and Bun). */
const nativeKeys = new WeakMap<Verifier, Promise<Uint8Array | undefined>>();

/**
 * A signature over a payload: ECDSA P-256 (SHA-256, cosign's default) and Ed25519 keys through
 * WebCrypto, which is native and asynchronous (fifty signatures cost little more than one);
 * other keys through the key provider's verifier. Never throws for a bad signature.
 */
async function verifyPayloadSignature(
  verifier: Verifier,
  payload: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  let spki = nativeKeys.get(verifier);
  if (!spki) {
    spki = (async () => {
      try {
        const k = await verifier.publicKey();
        const { spkiKind } = await publicKeyLib();
        const kind = spkiKind(k.spki);
        return kind === "ec-p256" || kind === "ed25519" ? k.spki : undefined;
      } catch {
        return undefined;
      }
    })();
    nativeKeys.set(verifier, spki);
  }
  try {
    const key = await spki;
    if (key) {
      const { verifySpki } = await publicKeyLib();
      return await verifySpki(key, payload, signature, "sha256");
    }
    return await verifier.verify(payload, signature);
  } catch {
    return false;
  }
}

/** The natural hash of the curves whose keys may sign with a hash other than SHA-256. */
const CURVE_HASH: Record<string, HashAlgorithm> = { p384: "sha384", p521: "sha512" };

/**
 * A signature over the artifact's content with a key: by digest when the verifier takes
 * digests, else over the whole content. `expected` (a bundle's message digest) must be the
 * content's (CosignError "VERIFY", check "digest").
 */
async function verifyContentSignature(
  artifact: Artifact,
  title: string,
  verifier: Verifier,
  signature: Uint8Array,
  expected?: { algorithm: HashAlgorithm; value: Uint8Array },
): Promise<boolean> {
  if (expected) {
    const actual = await artifact.digest(expected.algorithm);
    const named = hex.encode(expected.value);
    if (actual.hex !== named) {
      throw rejection(
        `Cannot verify ${title}: its ${expected.algorithm} digest (${actual.hex}) is not the one in the bundle (${named})`,
        "digest",
        "The blob or the bundle was changed, or they do not belong together.",
      );
    }
  }
  if (verifier.verifyDigest && verifier.hash) {
    const d = expected?.algorithm === verifier.hash
      ? expected.value
      : toBytes((await artifact.digest(verifier.hash)).hex);
    if (await verifier.verifyDigest(d, signature)) return true;
    // ECDSA verifies the digest it is given: a P-384/P-521 key's signature may be over the
    // curve's own hash (cosign v3, KMS keys, openssl dgst -sha384) while a key file's verifier
    // hashes with SHA-256 (verify() accepts both for whole messages): try the curve's hash.
    const curveHash = CURVE_HASH[/^ecdsa-(p384|p521)-/.exec(verifier.algorithm)?.[1] ?? ""];
    if (!curveHash || curveHash === verifier.hash) return false;
    const other = expected?.algorithm === curveHash
      ? expected.value
      : toBytes((await artifact.digest(curveHash)).hex);
    return await verifier.verifyDigest(other, signature);
  }
  if (!artifact.open) {
    throw new CosignError(
      "UNSUPPORTED",
      `Cannot verify "${artifact.ref}" with ${verifier.algorithm}: this key type needs the whole content, not its digest`,
      { hint: "Pass the file itself instead of its digest." },
    );
  }
  const message = await readAll(
    await artifact.open(),
    MAX_WHOLE_MESSAGE_BYTES,
    `"${artifact.ref}"`,
  );
  return await verifier.verify(message, signature);
}

/** Content up to this size is verified over its bytes rather than its digest. */
const SMALL_CONTENT_BYTES = 16 * 1024 * 1024;

/** The artifact as the verification engine takes it, for a bundle. */
async function bundleInput(
  artifact: Artifact,
  bundle: import("@sigstore/bundle").Bundle,
  policy: VerifyPolicy,
): Promise<ArtifactInput> {
  if (policy.subjectDigests && bundle.content.$case === "dsseEnvelope") {
    // The subject is matched against the given digests: the artifact's own is not needed.
    return { sha256: new Uint8Array(32) };
  }
  const input: ArtifactInput = { sha256: toBytes((await artifact.digest("sha256")).hex) };
  if (artifact.payload) return input; // the bundle covers the artifact's digest (in-toto subject)
  if (bundle.content.$case === "messageSignature") {
    // Digests suffice for ECDSA; other key types need the content.
    let spki = policy.publicKey;
    if (!spki) {
      const { bundleCertificates } = await bundleLib();
      const leaf = bundleCertificates(bundle)[0] ?? policy.certificate;
      if (leaf) {
        spki = (await (await import("./verify/certificate.ts")).parseCertificate(leaf)).spki;
      }
    }
    const { spkiKind } = await publicKeyLib();
    if (spki && !spkiKind(spki).startsWith("ec-")) {
      if (!artifact.open) {
        throw new CosignError(
          "UNSUPPORTED",
          `Cannot verify "${artifact.ref}" from its digest: this key type needs the content`,
          { hint: "Pass the file itself instead of its digest." },
        );
      }
      return {
        bytes: await readAll(await artifact.open(), MAX_WHOLE_MESSAGE_BYTES, `"${artifact.ref}"`),
      };
    }
    // Small content: verified over its bytes by WebCrypto (native; no pure-JS pre-hashed ECDSA
    // to load). Content that cannot be read again (standard input) keeps the digest.
    if (artifact.open) {
      const bytes = await artifact.open().then((s) => readUpTo(s, SMALL_CONTENT_BYTES), () => {
        return undefined;
      });
      if (bytes) return { bytes };
    }
    const md = bundle.content.messageSignature.messageDigest;
    // protobuf-specs HashAlgorithm: SHA2_384 = 2, SHA2_512 = 3
    const alg = md?.algorithm === 2 ? "sha384" : md?.algorithm === 3 ? "sha512" : undefined;
    if (alg) input[alg] = toBytes((await artifact.digest(alg)).hex);
    return input;
  }
  try {
    input.sha512 = toBytes((await artifact.digest("sha512")).hex);
  } catch {
    // only the sha256 subject can match (e.g. a bare sha256:<hex> or standard input)
  }
  return input;
}

/** What one check needs. */
interface Job {
  artifact: Artifact;
  title: string;
  o: VerifyArtifactOptions;
  trust: () => Promise<TrustedRoot>;
}

/** The engine's policy: the caller's, with the key's SPKI and the tlog/timestamp options. */
async function policyFor(job: Job): Promise<VerifyPolicy> {
  const policy: VerifyPolicy = { ...(job.o.policy ?? {}) };
  if (job.o.verifier) policy.publicKey = (await job.o.verifier.publicKey()).spki;
  if (job.o.subjectDigests) policy.subjectDigests = job.o.subjectDigests;
  if (job.o.ignoreTlog) policy.tlogThreshold = 0;
  if (job.o.requireTimestamps) {
    policy.signedTimestampThreshold = Math.max(1, policy.signedTimestampThreshold ?? 1);
  }
  return policy;
}

/** The verification engine over a bundle; its errors get the check they name. */
async function runEngine(
  job: Job,
  bundle: import("@sigstore/bundle").Bundle,
  input: ArtifactInput,
  policy: VerifyPolicy,
): Promise<VerifyResult> {
  const { verifyBundle } = await engineLib();
  return await verifyBundle(bundle, input, policy, await job.trust(), job.o.ctx).catch((e) => {
    throw withCheck(e);
  });
}

/** `--use-signed-timestamps` and a signature without any RFC 3161 timestamp: rejected. */
function noTimestamps(): CosignError {
  return rejection(
    "the signature has no RFC 3161 timestamp (--use-signed-timestamps requires one)",
    "timestamp",
    "Pass the timestamp with --rfc3161-timestamp (or a bundle that carries it), or drop " +
      "--use-signed-timestamps.",
  );
}

function resultOf(
  stored: StoredSignature,
  r: VerifyResult,
  payload: Uint8Array | undefined,
): VerifiedSignature {
  const v: VerifiedSignature = {
    stored,
    tlogVerified: r.tlogEntries > 0,
    times: r.timestamps.map((t) => t.time),
  };
  if (payload) v.payload = payload;
  if (r.identity) v.identity = { sans: r.identity.sans, issuer: r.identity.issuer };
  return v;
}

/** The payload's claims: `checkPayload`, or equality with the payload the artifact would sign. */
async function checkClaims(job: Job, payload: Uint8Array): Promise<void> {
  const { artifact, o } = job;
  if (o.checkClaims === false) return;
  try {
    if (artifact.checkPayload) {
      await artifact.checkPayload(payload, o.ctx, { annotations: o.annotations, kind: o.kind });
    } else if (artifact.payload) {
      const mine = await artifact.payload(o.ctx, { annotations: o.annotations });
      if (mine.length !== payload.length || mine.some((b, i) => b !== payload[i])) {
        throw rejection(`the signed payload is not the one ${job.title} signs`, "claims");
      }
    }
  } catch (e) {
    throw withCheck(e, "claims");
  }
}

/** `predicateType`: the verified in-toto statement must have it (CosignError VERIFY, "claims"). */
async function checkPredicateType(job: Job, payload: Uint8Array): Promise<void> {
  if (job.o.predicateType === undefined) return;
  const { parseStatement, checkStatement } = await import("./intoto.ts");
  const st = parseStatement(payload, job.title, { code: "VERIFY" });
  checkStatement(st, { predicateType: job.o.predicateType });
}

async function verifyStoredBundle(job: Job, stored: StoredSignature): Promise<VerifiedSignature> {
  const { artifact, o } = job;
  const { bundleFromJSONValue, messageSignatureOf } = await bundleLib();
  const { bundle } = await bundleFromJSONValue(stored.bundle, `"${stored.location}"`);
  if (o.requireTimestamps) {
    const vm = (stored.bundle as {
      verificationMaterial?: { timestampVerificationData?: { rfc3161Timestamps?: unknown[] } };
    })?.verificationMaterial;
    if (!vm?.timestampVerificationData?.rfc3161Timestamps?.length) throw noTimestamps();
  }
  if (
    o.verifier && o.ignoreTlog && !artifact.payload && !o.requireTimestamps &&
    (bundle.content.$case === "messageSignature" || o.kind !== "attestation")
  ) {
    // A key and no log requirement: the key provider's verifier (any key type it supports) over
    // the bundle's message signature (a DSSE envelope is an attestation: UNSUPPORTED here,
    // unless attestations are verified, which the engine does).
    const ms = messageSignatureOf(bundle, `"${stored.location}"`);
    if (!(await verifyContentSignature(artifact, job.title, o.verifier, ms.signature, ms.digest))) {
      throw badContentSignature(job);
    }
    return { stored, tlogVerified: false, times: [] };
  }
  const policy = await policyFor(job);
  if (stored.timestamped) policy.timestampedBytes = stored.timestamped;
  const r = await runEngine(job, bundle, await bundleInput(artifact, bundle, policy), policy);
  const payload = r.dssePayload?.payload;
  if (payload) await checkPredicateType(job, payload);
  if (payload) await checkClaims(job, payload);
  else if (o.annotations && Object.keys(o.annotations).length && artifact.payload) {
    throw rejection("-a annotations cannot be checked on a bundle without a payload", "claims");
  }
  return resultOf(stored, r, payload);
}

function badContentSignature(job: Job): CosignError {
  const key = job.o.keyName ? ` "${job.o.keyName}"` : "";
  return rejection(
    `Cannot verify ${job.title}: the signature does not match the content and the key${key}`,
    "signature",
    "The content or the signature was changed, or it was signed with another key" +
      (job.o.verifier?.algorithm.startsWith("rsa")
        ? " (or another RSA padding: see --rsa-pss)."
        : "."),
  );
}

async function verifyLegacy(job: Job, stored: StoredSignature): Promise<VerifiedSignature> {
  const { artifact, o } = job;
  let legacy = stored.legacy!;
  const payload = legacy.payload;
  // The payload's digest is needed only for log evidence and the engine's bundle: computed on
  // first use (a key-verified image signature without a log never needs it). The artifact's
  // digest, when there is no payload, is taken up front as before.
  let payloadSha256: Promise<Uint8Array> | undefined;
  const contentSha256 = payload ? undefined : toBytes((await artifact.digest("sha256")).hex);
  const signedSha256 = (): Promise<Uint8Array> =>
    contentSha256 ? Promise.resolve(contentSha256) : (payloadSha256 ??= sha256(payload!));
  // (Keyless only when there is a certificate to verify with: otherwise that is the answer.)
  const verifiable = !!o.verifier || !!legacy.certificate || !!o.policy?.certificate;
  // True when the log entry came from the online look-up rather than with the signature.
  let online = false;
  if (!legacy.rekorBundle && !o.ignoreTlog && o.lookupTlog && verifiable) {
    // No log evidence with the signature: look it up (cosign does, in Rekor) and verify what
    // the log returned exactly as a carried Rekor bundle (SET against the trusted root).
    const found = (await o.lookupTlog(await signedSha256(), legacy.signature))
      .map(legacyRekorBundleOf).find((b) => b !== undefined);
    if (found) {
      legacy = { ...legacy, rekorBundle: rekorBundleText(found) };
      online = true;
    }
  }
  const noTlogBundle = () =>
    rejection(
      "signature has no transparency log bundle (pass --insecure-ignore-tlog=true for signatures made with --tlog-upload=false)",
      "tlog-entry",
    );
  if (o.requireTimestamps && !legacy.rfc3161Timestamp) throw noTimestamps();
  if (!o.verifier || (!payload && !o.ignoreTlog) || o.requireTimestamps) {
    if (o.verifier && !legacy.rekorBundle && !o.ignoreTlog) throw noTlogBundle();
    if (!o.verifier && !legacy.certificate && !o.policy?.certificate) {
      throw new CosignError(
        "USAGE",
        "the signature has no certificate (it was signed with a key: verify with --key)",
        { hint: "Pass the signer's public key with --key." },
      );
    }
    // Keyless, or content with its log entry: the equivalent Sigstore bundle, by the engine
    // (key or chain, SCTs, identity, the log entry through its plugin).
    const { bundleFromJSONValue } = await bundleLib();
    const { bundle } = await bundleFromJSONValue(
      // No certificate in the signature but one given (--certificate): the engine takes it.
      legacySignatureBundleJson(legacy, await signedSha256(), {
        publicKey: !!o.verifier || !!o.policy?.certificate,
      }),
      stored.id ? `signature layer ${stored.id}` : `"${stored.location}"`,
    );
    const policy = await policyFor(job);
    const input = payload ? { bytes: payload } : await bundleInput(artifact, bundle, policy);
    const r = await runEngine(job, bundle, input, policy);
    if (payload) await checkClaims(job, payload);
    const v = resultOf(stored, r, payload);
    if (online && v.tlogVerified) v.tlogOnline = true;
    return v;
  }
  const ok = payload
    ? await verifyPayloadSignature(o.verifier, payload, legacy.signature)
    : await verifyContentSignature(artifact, job.title, o.verifier, legacy.signature);
  if (!ok) {
    throw payload
      ? rejection("invalid signature when validating ASN.1 encoded signature", "signature")
      : badContentSignature(job);
  }
  const times: Date[] = [];
  if (!o.ignoreTlog) {
    if (!legacy.rekorBundle) throw noTlogBundle();
    const keyDer = legacy.certificate
      ? pemCertificates(legacy.certificate)[0] ?? (await o.verifier.publicKey()).spki
      : (await o.verifier.publicKey()).spki;
    try {
      const { verifyRekorBundle } = await witnessesLib();
      const t = await verifyRekorBundle(
        legacy.rekorBundle,
        { kind: "message", signature: legacy.signature, digest: await signedSha256(), keyDer },
        await job.trust(),
        o.ctx,
      );
      if (t) times.push(t);
    } catch (e) {
      if (!isCosignError(e) || !["VERIFY", "INVALID_INPUT", "UNSUPPORTED"].includes(e.code)) {
        throw e;
      }
      throw rejection(`transparency log bundle: ${e.message}`, "tlog-entry", e.hint);
    }
  }
  if (payload) await checkClaims(job, payload);
  const v: VerifiedSignature = { stored, tlogVerified: !o.ignoreTlog, times };
  if (payload) v.payload = payload;
  if (online && v.tlogVerified) v.tlogOnline = true;
  return v;
}

async function verifyOne(job: Job, stored: StoredSignature): Promise<VerifiedSignature> {
  if (stored.problem !== undefined) throw rejection(stored.problem, "bundle");
  if (stored.bundle !== undefined) return await verifyStoredBundle(job, stored);
  if (stored.legacy) return await verifyLegacy(job, stored);
  throw rejection(`${stored.location} holds neither a bundle nor a signature`, "bundle");
}

/** Errors that say nothing about the signature (the registry, the network, a bug): not reasons. */
function isInfrastructure(e: unknown): boolean {
  return !isCosignError(e) || ["NETWORK", "AUTH", "IO", "INTERNAL", "ABORTED"].includes(e.code);
}

/**
 * Verifies the artifact's signatures (see the module documentation) and returns those that
 * verified, in store order. Throws CosignError("NO_SIGNATURES") when there are none,
 * CosignError("NO_MATCH") when none verifies (each reason listed, `check` set), the error of a
 * single named signature as it is, and errors of the store, the network and the trusted root.
 *
 * @example
 * ```ts
 * const verified = await verifyArtifact(artifact, { ctx, policy: { identity, issuer },
 *   trustedRoot: () => loadTrustedRoot(ctx) });
 * for (const v of verified) console.log(v.identity?.sans);
 * ```
 */
export async function verifyArtifact(
  artifact: Artifact,
  options: VerifyArtifactOptions,
): Promise<VerifiedSignature[]> {
  const { ctx } = options;
  let sigs: StoredSignature[];
  if (options.signatures) {
    sigs = options.signatures;
  } else {
    if (!artifact.signatures) {
      throw new CosignError(
        "UNSUPPORTED",
        `Cannot verify "${artifact.ref}": the "${artifact.kind}" artifact type has no signature store`,
        { hint: "Name the signature or bundle to verify (verify-blob --signature / --bundle)." },
      );
    }
    sigs = [];
    const query: SignatureQuery = { kind: options.kind ?? "signature" };
    if (options.maxWorkers !== undefined) query.concurrency = options.maxWorkers;
    for await (const s of artifact.signatures(ctx, query)) {
      sigs.push(s);
    }
  }
  const title = await artifactTitle(artifact);
  if (sigs.length === 0) {
    throw new CosignError("NO_SIGNATURES", `no signatures found for ${title}`, {
      hint: "Sign it with `cosign-ts sign`, or check where its signatures are stored " +
        "(COSIGN_REPOSITORY for images).",
    });
  }
  let trustRoot: Promise<TrustedRoot> | undefined;
  const trust = () => {
    if (!options.trustedRoot) {
      return Promise.reject(
        new CosignError("USAGE", `Cannot verify ${title}: no trusted root was given`, {
          hint: "Pass --trusted-root, or verify with --key and --insecure-ignore-tlog.",
        }),
      );
    }
    return trustRoot ??= options.trustedRoot();
  };
  const job: Job = { artifact, title, o: options, trust };
  const outcomes = await mapLimit(
    sigs,
    options.maxWorkers ?? DEFAULT_MAX_WORKERS,
    (s) => verifyOne(job, s).then((v) => ({ v, e: undefined }), (e) => ({ v: undefined, e })),
  );
  if (options.signatures && sigs.length === 1 && outcomes[0].e !== undefined) {
    throw withCheck(outcomes[0].e);
  }
  for (const o of outcomes) if (o.e !== undefined && isInfrastructure(o.e)) throw o.e;
  const verified = outcomes.flatMap((o) => o.v ? [o.v] : []);
  if (verified.length > 0) return verified;
  const lines = await Promise.all(outcomes.map(async (o, i) => {
    const s = sigs[i];
    // Signatures over one payload share their layer digest: add each one's own signature digest.
    const shared = s.id !== undefined && sigs.some((t, j) => j !== i && t.id === s.id);
    const own = shared && s.legacy?.signature.length
      ? ` (signature sha256:${hex.encode(await sha256(s.legacy.signature))})`
      : "";
    return `  ${s.bundle !== undefined ? "bundle " : ""}${s.id ?? s.location}${own}: ${
      (o.e as Error).message
    }`;
  }));
  const first = withCheck(outcomes[0].e) as CosignError;
  // Signatures without log evidence (made with --tlog-upload=false): say how to accept them.
  // (Only a missing entry: advice to skip the log must never follow a forged or broken one.)
  const noLog =
    outcomes.filter((o) =>
      /has no transparency log bundle/.test((o.e as Error | undefined)?.message ?? "")
    ).length;
  throw new CosignError("NO_MATCH", `no matching signatures for ${title}:\n${lines.join("\n")}`, {
    check: first.check ?? "signature",
    hint: noLog > 0 && options.verifier && !options.ignoreTlog
      ? `${
        noLog === outcomes.length ? "The signatures have" : `${noLog} of the signatures have`
      } no transparency log entry (signed with --tlog-upload=false?): pass ` +
        "--insecure-ignore-tlog to accept them on the key alone."
      : options.verifier
      ? "Check the key (--key), the required annotations (-a) and the image digest."
      : "Check the identity flags (--certificate-identity, --certificate-oidc-issuer), the trusted root and the annotations (-a).",
  });
}
