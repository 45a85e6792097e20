/**
 * The plugin contracts (artifact type, key provider, transparency log, timestamp authority,
 * command, policy engine), the {@link Context} every plugin receives, and the {@link PluginRegistry} that
 * dispatches references, URLs and entries to plugins.
 *
 * Dispatch order: third-party plugins (loaded with `--plugin`) are asked before the built-in
 * ones, so a plugin's artifact type wins over the built-in catch-alls (a path is a blob,
 * anything else an image), and a plugin's log or TSA that `handles()` a URL wins over Rekor.
 * A key scheme, artifact kind, log name, TSA name, command name or policy engine name registered
 * twice is an error naming both plugins. Policy engines are dispatched by file (`handles(path)`),
 * third-party first, like logs.
 *
 * Built-in plugins are listed in `main.ts`; third-party plugins are ES modules whose default
 * export is `definePlugin({...})`, loaded at run time with `--plugin` or `COSIGN_TS_PLUGINS`.
 *
 * @example
 * ```ts
 * import { definePlugin } from "cosign-ts/mod.ts";
 * export default definePlugin({
 *   name: "example",
 *   apiVersion: 1,
 *   keys: [{ scheme: "env", description: "PEM key in an environment variable", signer: ... }],
 * });
 * ```
 * @module
 */

import { CosignError } from "./errors.ts";
import type { Runtime } from "./runtime.ts";

/** The plugin API version this build implements. */
export const PLUGIN_API_VERSION = 1 as const;

/** Hash functions used for pre-hashed signing and verification. */
export type HashAlgorithm = "sha256" | "sha384" | "sha512";

/** A public key: DER SubjectPublicKeyInfo plus its PEM (`-----BEGIN PUBLIC KEY-----`). */
export interface PublicKeyMaterial {
  /** DER-encoded SubjectPublicKeyInfo. */
  spki: Uint8Array;
  /** PEM text of the same key, ending in a newline. */
  pem: string;
}

/**
 * Something that signs. Signatures are in cosign's wire form: ASN.1 DER for ECDSA, PKCS#1 v1.5
 * or PSS for RSA, 64 raw bytes for Ed25519.
 */
export interface Signer {
  /** Algorithm name, e.g. "ecdsa-p256-sha256", "rsa-pkcs1v15-sha256", "ed25519". */
  readonly algorithm: string;
  /** The hash {@link Signer.signDigest} expects; absent for pure Ed25519. */
  readonly hash?: HashAlgorithm;
  /** The public half. */
  publicKey(): Promise<PublicKeyMaterial>;
  /** PEM certificates that come with the key (leaf first), if any (hardware tokens, KMS). */
  certificateChain?(): Promise<string[] | undefined>;
  /** Signs a whole message (hashing it as the algorithm requires). */
  sign(message: Uint8Array): Promise<Uint8Array>;
  /** Signs a digest computed with {@link Signer.hash}; lets large inputs be streamed. */
  signDigest?(digest: Uint8Array): Promise<Uint8Array>;
  /** Releases sessions or handles. */
  close?(): Promise<void>;
}

/** Something that verifies signatures made by a {@link Signer}. */
export interface Verifier {
  /** Algorithm name, as in {@link Signer.algorithm}. */
  readonly algorithm: string;
  /** The hash {@link Verifier.verifyDigest} expects; absent for pure Ed25519. */
  readonly hash?: HashAlgorithm;
  /** The key verified against. */
  publicKey(): Promise<PublicKeyMaterial>;
  /** True when `signature` is valid over `message`. Never throws for a bad signature. */
  verify(message: Uint8Array, signature: Uint8Array): Promise<boolean>;
  /** True when `signature` is valid over a digest computed with {@link Verifier.hash}. */
  verifyDigest?(digest: Uint8Array, signature: Uint8Array): Promise<boolean>;
}

/** Options a command passes when asking for a signer. */
export interface SignerOptions {
  /** RSA only: use RSASSA-PSS instead of PKCS#1 v1.5. */
  rsaPss?: boolean;
}

/** Options for generating a key in a provider (KMS, hardware token, file). */
export interface GenerateOptions {
  /** Overwrite without asking. */
  force?: boolean;
}

/**
 * A key provider: turns a key reference into a signer or verifier. Dispatch is on the scheme of
 * the reference (`hashivault://k` → "hashivault", `pkcs11:token=…` → "pkcs11"); references
 * without a registered scheme go to the "file" provider.
 */
export interface KeyProvider {
  /** The scheme without "://" or ":", e.g. "file", "hashivault", "awskms", "k8s", "pkcs11". */
  readonly scheme: string;
  /** One line for `--help` and the README. */
  readonly description: string;
  /** A signer for the reference. */
  signer(ref: string, ctx: Context, options?: SignerOptions): Promise<Signer>;
  /** A verifier for the reference (a public key, or the public half of a private key). */
  verifier?(ref: string, ctx: Context, options?: SignerOptions): Promise<Verifier>;
  /** Creates a new key at the reference and returns its public half. */
  generate?(ref: string, ctx: Context, options?: GenerateOptions): Promise<PublicKeyMaterial>;
  /**
   * URL schemes this provider also reads keys from when no provider registers the scheme
   * itself (the file provider: `env`, `http`, `https`, as cosign's `blob.LoadFileOrURL`). A
   * provider that registers the scheme always wins, so a third-party `env://` plugin still
   * works; two providers naming the same fallback scheme is not an error (the first keeps it).
   */
  readonly urlSchemes?: readonly string[];
}

/** A content digest. */
export interface Digest {
  /** Only "sha256" is produced by cosign; others may be read. */
  algorithm: "sha256" | "sha384" | "sha512";
  /** Lower-case hex. */
  hex: string;
}

/** What kind of thing a stored signature is, as cosign's `.sig`/`.att`/`.sbom` tags name it. */
export type SignatureKind = "signature" | "attestation" | "sbom";

/**
 * cosign's legacy signature form: a signature over a payload (images: the simple-signing JSON;
 * blobs: the content itself, so `payload` is absent), with what cosign keeps beside it (layer
 * annotations for images, the legacy bundle's fields for blobs).
 */
export interface LegacySignature {
  /** The signed bytes, when they are not the artifact's content (images: simple signing). */
  payload?: Uint8Array;
  /** The raw signature (DER ECDSA, PKCS#1/PSS RSA, raw Ed25519). */
  signature: Uint8Array;
  /** PEM signing certificate (keyless, or a key that comes with a certificate). */
  certificate?: string;
  /** PEM chain above the certificate. */
  chain?: string;
  /** cosign's Rekor bundle JSON text (`{"SignedEntryTimestamp":…,"Payload":{…}}`). */
  rekorBundle?: string;
  /** cosign's RFC 3161 annotation JSON text (`{"SignedRFC3161Timestamp":"<b64>"}`). */
  rfc3161Timestamp?: string;
}

/**
 * A signature or attestation as an artifact's store keeps it: a Sigstore bundle (v0.1–v0.3 JSON,
 * e.g. an OCI 1.1 referrer or a bundle file) or cosign's legacy form (e.g. a `.sig` layer).
 * Exactly one of `bundle` and `legacy` is set.
 */
export interface StoredSignature {
  /** Signature, attestation or SBOM. */
  kind: SignatureKind;
  /** Where it is stored, for messages: `"localhost:5000/app:sha256-….sig"`, `"./a.sigstore.json"`. */
  location: string;
  /** A stable identifier of the stored item (layer or referrer manifest digest), for output. */
  id?: string;
  /** A Sigstore bundle as its JSON value (parse with core/bundle.ts `bundleFromJSONValue`). */
  bundle?: unknown;
  /** cosign's legacy form. */
  legacy?: LegacySignature;
  /** Store-specific metadata (e.g. OCI layer annotations), passed through to output. */
  annotations?: Record<string, string>;
  /**
   * Set by a store for an item it found but cannot use (e.g. a `.sig` layer without its
   * signature annotation): verification rejects the item with this reason (check "bundle").
   */
  problem?: string;
  /**
   * The bytes its RFC 3161 timestamps cover when they are not the signature (cosign's legacy
   * attestations, e.g. `.att` layers, timestamp the DSSE envelope JSON); verification checks
   * the timestamps against these.
   */
  timestamped?: Uint8Array;
}

/** Options for {@link Artifact.attach}. */
export interface AttachOptions {
  /** The signer's public key, for stores that skip duplicates by verifying (cosign's `.sig`). */
  publicKey?: PublicKeyMaterial;
  /**
   * Attestations: remove the stored attestations with the same predicate type in the same
   * write (cosign `attest --replace`); stores that cannot, refuse with CosignError UNSUPPORTED.
   */
  replace?: boolean;
}

/**
 * A stored signature that verified (core/verify_artifact.ts `verifyArtifact`): what the
 * signature covers and what was established about it.
 */
export interface VerifiedSignature {
  /** The signature as the store (or the user) gave it. */
  stored: StoredSignature;
  /** The verified signed payload (legacy: the payload; bundles: the DSSE payload), if any. */
  payload?: Uint8Array;
  /** True when transparency-log evidence was verified (not skipped). */
  tlogVerified: boolean;
  /**
   * True when that evidence was looked up online (the signature carried no log entry) rather
   * than carried with the signature and verified offline.
   */
  tlogOnline?: boolean;
  /** Verified signing times (log integration, timestamps). */
  times: Date[];
  /** The certificate identity (keyless), if any. */
  identity?: { sans: string[]; issuer?: string };
}

/** What {@link Artifact.attach} did. */
export interface AttachResult {
  /** Where the signature now is (as in {@link StoredSignature.location}). */
  location: string;
  /** False when an identical signature was already attached (nothing was written). */
  added: boolean;
}

/** Options for {@link Artifact.signatures}. */
export interface SignatureQuery {
  /** Only this kind (default: all kinds the store has). */
  kind?: SignatureKind;
  /**
   * How many signatures the store may fetch at once (cosign `--max-workers`); default: the
   * store's own.
   */
  concurrency?: number;
}

/** Options for {@link Artifact.payload}. */
export interface PayloadOptions {
  /** Extra claims to sign (cosign `-a key=value`). */
  annotations?: Record<string, string>;
}

/** Options for {@link Artifact.checkPayload}. */
export interface CheckPayloadOptions {
  /** Claims every accepted payload must carry (cosign `verify -a key=value`). */
  annotations?: Record<string, string>;
  /**
   * What kind of stored signature the payload came from (default "signature"): an
   * "attestation"'s payload is an in-toto statement of any predicate type about the artifact
   * (images: its subject must name the digest), not a signature's claims.
   */
  kind?: SignatureKind;
}

/**
 * A resolved artifact, in the spirit of cosign's `SignedEntity`: its digest, its content (where it
 * has one), what a signature over it covers, and its signature store (what is attached, and how
 * to attach more). Only `kind`, `ref` and `digest` are required; the core's sign and verify paths
 * say clearly which capability an artifact lacks.
 */
export interface Artifact {
  /** The artifact type's kind, e.g. "oci", "blob", "wasm". */
  readonly kind: string;
  /** The reference as the user wrote it. */
  readonly ref: string;
  /**
   * The digest that gets signed. `algorithm` (optional, default "sha256") asks for another
   * hash, e.g. for keys whose signature scheme uses SHA-384; artifact types that cannot compute
   * it throw CosignError("UNSUPPORTED").
   */
  digest(algorithm?: HashAlgorithm): Promise<Digest>;
  /** The content, streamed. */
  open?(): Promise<ReadableStream<Uint8Array>>;
  /**
   * The bytes a signature over this artifact covers, when they are not the content itself
   * (images: cosign's simple-signing payload naming the digest). Absent: the content is signed
   * (streamed, by digest where the key allows it).
   */
  payload?(ctx: Context, options?: PayloadOptions): Promise<Uint8Array>;
  /**
   * Checks that a verified payload is about this artifact (images: the simple-signing claims
   * name this digest and carry the annotations). Throws CosignError("VERIFY", reason "claims").
   */
  checkPayload?(payload: Uint8Array, ctx: Context, options?: CheckPayloadOptions): Promise<void>;
  /** Lines saying what was verified (e.g. "wasm module, 1234 bytes"), for verify's output. */
  describe?(ctx: Context): Promise<string[]>;
  /** The signatures and attestations attached to this artifact, in store order. */
  signatures?(ctx: Context, query?: SignatureQuery): AsyncIterable<StoredSignature>;
  /**
   * Attaches a signature or attestation, race-free where the store allows it (concurrent
   * signers must not lose each other's signatures), never half-written.
   */
  attach?(signature: StoredSignature, ctx: Context, options?: AttachOptions): Promise<AttachResult>;
  /**
   * The canonical name for output (images: the normalized reference, e.g.
   * `index.docker.io/library/ubuntu:latest`). Default: {@link Artifact.ref}.
   */
  readonly name?: string;
  /**
   * How messages name the resolved artifact, noun included (images: `image r/app:v1
   * (r/app@sha256:…)`). Default: `<kind> <ref>`.
   */
  title?(): Promise<string>;
  /**
   * Every artifact this one contains, recursively, parents first (images: the manifests of an
   * index), for `sign --recursive`. Absent or empty: none.
   */
  children?(ctx: Context): Promise<Artifact[]>;
  /**
   * The JSON text of one item of `verify`'s output array for a verified signature (images:
   * cosign's simple-signing JSON with certificate and log details, Go encoding). Default: the
   * verified payload when it is JSON, else `null`.
   */
  verifiedOutput?(verified: VerifiedSignature, ctx: Context): Promise<string>;
  /**
   * The manifest the artifact is stored as, for stores that have one (OCI registries); undefined
   * for an index or a store without manifests. Lets content plugins ({@link
   * ArtifactType.describeStored}) recognise what an artifact holds (a wasm module, a Tekton
   * bundle, an eBPF image) without owning its store.
   */
  manifest?(ctx: Context): Promise<StoredManifest | undefined>;
  /**
   * One blob of {@link Artifact.manifest} (a layer or the config), checked against its digest,
   * at most `maxBytes` (CosignError("TOO_LARGE") beyond).
   */
  fetchBlob?(descriptor: ContentDescriptor, ctx: Context, options?: { maxBytes?: number }): Promise<
    Uint8Array
  >;
}

/** A content descriptor as OCI manifests hold it. */
export interface ContentDescriptor {
  /** Media type of the content. */
  mediaType: string;
  /** `sha256:<hex>`. */
  digest: string;
  /** Size in bytes. */
  size: number;
  /** Descriptor annotations. */
  annotations?: Record<string, string>;
}

/** An image manifest as {@link Artifact.manifest} gives it. */
export interface StoredManifest {
  /** The manifest's media type (OCI or Docker). */
  mediaType?: string;
  /** OCI 1.1 `artifactType`, if set. */
  artifactType?: string;
  /** The config descriptor. */
  config: ContentDescriptor;
  /** The layers, in order. */
  layers: ContentDescriptor[];
  /** Manifest annotations. */
  annotations?: Record<string, string>;
}

/** An artifact plugin: claims references and resolves them. */
export interface ArtifactType {
  /** "oci", "blob", "wasm", "tekton", "ebpf", … */
  readonly kind: string;
  /** One line for `--help` and the README. */
  readonly description: string;
  /** True when this plugin handles the reference. The first registered claimant wins. */
  claims(ref: string): boolean;
  /** Resolves the reference. */
  resolve(ref: string, ctx: Context): Promise<Artifact>;
  /**
   * For content plugins whose artifacts live in another type's store (a wasm module, a Tekton
   * bundle or an eBPF image in an OCI registry): lines saying what `artifact` holds (e.g. "wasm
   * component, 1234 bytes"), or undefined when it is not this plugin's kind. Asked by `verify`
   * (through {@link PluginRegistry.describe}) when the artifact does not describe itself; read
   * the content through {@link Artifact.manifest} and {@link Artifact.fetchBlob}, and check what
   * you read (a description must never claim more than the content shows).
   */
  describeStored?(artifact: Artifact, ctx: Context): Promise<string[] | undefined>;
}

/**
 * A transparency log entry in the Sigstore protobuf JSON form (`TransparencyLogEntry`: bytes as
 * base64 strings, 64-bit integers as decimal strings). Any log's entries travel in this form, so
 * they must fill its fields: `logIndex`, `logId.keyId`, `kindVersion`, `integratedTime`,
 * `canonicalizedBody`, and an `inclusionProof` with a `checkpoint` (bundles v0.2+ require one)
 * and/or an `inclusionPromise` (cosign's legacy forms, the `dev.sigstore.cosign/bundle`
 * annotation and a legacy bundle's `rekorBundle`, keep only the promise, `canonicalizedBody`,
 * `integratedTime`, `logIndex` and `logId`, and read `kindVersion` back from the body's `kind`
 * and `apiVersion`).
 */
export type TlogEntry = Record<string, unknown>;

/** What to submit to a transparency log. */
export interface TlogSubmission {
  /**
   * "hashedrekord" (message signature), "dsse" (envelope), or "intoto" (an envelope as cosign's
   * legacy `--rekor-entry-type intoto` logs it; logs that only know "dsse" may refuse it).
   */
  kind: "hashedrekord" | "dsse" | "intoto";
  /** The signature (hashedrekord) or the envelope JSON (dsse). */
  signature?: Uint8Array;
  /** SHA-256 of the artifact (hashedrekord). */
  digest?: Uint8Array;
  /** DSSE envelope JSON text (dsse, intoto). */
  envelope?: string;
  /** PEM public key or certificate of the signer. */
  verificationMaterial: string;
}

/** Where a log or TSA is reached, as a flag or a signing config names it. */
export interface ServiceTarget {
  /** The service URL (e.g. `https://rekor.sigstore.dev`, `file:///var/log/tlog.jsonl`). */
  url: string;
  /** The service's API version (Rekor: 1 or 2, as a signing config names it); default 1. */
  majorApiVersion?: number;
}

/** What a log entry must describe for it to count for a signature. */
export interface TlogExpectation {
  /** "message" (hashedrekord over the artifact) or "dsse" (an envelope). */
  kind: "message" | "dsse";
  /** The signature bytes. */
  signature: Uint8Array;
  /** message: the artifact digest; dsse: SHA-256 of the envelope payload. */
  digest: Uint8Array;
  /** Hash of `digest` (default "sha256"). */
  digestAlgorithm?: HashAlgorithm;
  /** DER of the signing certificate, or the SPKI of the signing key. */
  keyDer: Uint8Array;
  /** DSSE payload type (dsse only). */
  payloadType?: string;
  /**
   * The whole envelope JSON (dsse), when the caller has it (the bundle verifier does not fill
   * it: logs check `signature`, `digest` and `payloadType`).
   */
  envelope?: string;
  /**
   * DSSE only: the digest of the bytes the signature covers (the PAE) with the signing key's
   * default hash, for logs that record a DSSE signature as a hashedrekord (Rekor v2).
   */
  signedDigest?: { algorithm: HashAlgorithm; value: Uint8Array };
}

/**
 * What to look a signature's entries up by, in a log that can search (cosign looks the entry up
 * online when no bundle carries it).
 */
export interface TlogQuery {
  /** SHA-256 of the artifact (message signatures) or of the DSSE payload. */
  sha256: Uint8Array;
  /** Keep only entries that record this signature. */
  signature?: Uint8Array;
}

/** What a verified log entry proves. */
export interface TlogVerification {
  /** The log's signed time of integration (a trusted signing time), if it gives one. */
  integratedTime?: Date;
  /** The log that holds the entry, for messages (its URL or name). */
  log: string;
  /** Entries without a signed time: the window in which the log's key was valid, if known. */
  keyValidFor?: { start?: Date; end?: Date };
}

/** A transparency log plugin (Rekor v1/v2, an append-only file log, …): both halves. */
export interface TransparencyLog {
  /** e.g. "rekor". Unique across plugins. */
  readonly name: string;
  /** One line for `--help` and the README. */
  readonly description: string;
  /**
   * True when this log serves the URL (Rekor: `http(s)://`; a file log: `file://`). The first
   * log that handles a URL (third-party first) is used for it; `--tlog NAME` overrides.
   */
  handles?(url: string): boolean;
  /**
   * Submits an entry and returns it in the Sigstore `TransparencyLogEntry` JSON form with its
   * inclusion promise/proof. `majorApiVersion` picks the log's API (Rekor: 1 or 2); default 1.
   */
  submit(
    submission: TlogSubmission,
    ctx: Context,
    options?: { url?: string; majorApiVersion?: number },
  ): Promise<TlogEntry>;
  /**
   * Looks up entries that may witness a signature (optional: logs that cannot search omit it).
   * The entries are unverified: pass each to {@link TransparencyLog.verify}. None found: `[]`.
   */
  find?(
    query: TlogQuery,
    ctx: Context,
    options?: { url?: string },
  ): Promise<TlogEntry[]>;
  /**
   * True when this log verifies the entry (e.g. its log ID is one of this log's keys in
   * `trust`). Must be cheap and must not throw. Verification asks the logs in dispatch order
   * (third-party first, see {@link PluginRegistry.tlogForEntry}) and the first that recognizes an
   * entry verifies it; none: the entry fails (CosignError "VERIFY", check "tlog-entry").
   */
  recognizes?(entry: TlogEntry, trust: unknown): boolean;
  /**
   * Verifies an entry: its body describes exactly `expected`, its promise/proof verifies against
   * the log's key in `trust` (a core/trust `TrustedRoot`) or the log's own trust material.
   * Throws CosignError("VERIFY", check "tlog-entry") naming the failed check.
   */
  verify?(
    entry: TlogEntry,
    expected: TlogExpectation,
    trust: unknown,
    ctx: Context,
  ): Promise<TlogVerification>;
}

/** A timestamp authority plugin (RFC 3161, …): both halves. */
export interface TimestampAuthority {
  /** e.g. "rfc3161". Unique across plugins. */
  readonly name: string;
  /** One line for `--help` and the README. */
  readonly description: string;
  /** True when this authority serves the URL (first match, third-party first). */
  handles?(url: string): boolean;
  /** Timestamps `signature`; returns the token bundles keep (RFC 3161: DER TimeStampResp). */
  timestamp(signature: Uint8Array, ctx: Context, target: ServiceTarget): Promise<Uint8Array>;
  /**
   * True when this authority verifies the token (RFC 3161: a DER SEQUENCE). Cheap, never
   * throws; the first that recognizes a token (third-party first) verifies it.
   */
  recognizes?(token: Uint8Array, trust: unknown): boolean;
  /**
   * Verifies that `token` covers `signature` and is signed by an authority in `trust` valid at
   * its time; returns that time and, optionally, which authority signed it (distinct
   * authorities give distinct values, so callers can count them against a threshold). Throws
   * CosignError("VERIFY", check "timestamp").
   */
  verify(
    token: Uint8Array,
    signature: Uint8Array,
    trust: unknown,
    ctx: Context,
  ): Promise<{ time: Date; authority?: string }>;
}

/** A flag a command accepts (cosign's conventions: `--f v`, `--f=v`, `-f v`). */
export interface FlagSpec {
  /** Long name without dashes, e.g. "output-key-prefix". */
  name: string;
  /** One-letter alias, e.g. "y". */
  short?: string;
  /** "boolean" takes no value (or `=true|false`); "strings" may be repeated. */
  type: "string" | "boolean" | "strings";
  /** Help text. */
  description: string;
  /** Default value shown in help and used when absent. */
  default?: string | boolean;
  /** Other long names accepted for the same flag. */
  aliases?: string[];
  /** Value placeholder for help, e.g. "FILE". */
  placeholder?: string;
  /** Not shown in help (accepted for cosign compatibility). */
  hidden?: boolean;
}

/** Parsed flag values by long name. */
export type FlagValues = Record<string, string | boolean | string[] | undefined>;

/** Standard streams as commands see them. */
export interface IO {
  /** Writes to stdout, honouring back-pressure. */
  out(data: string | Uint8Array): Promise<void>;
  /** Writes to stderr. */
  err(text: string): void;
  /** Standard input as a stream. */
  stdin(): ReadableStream<Uint8Array>;
}

/** What a command's `run` receives. */
export interface Invocation {
  /** Parsed flags, defaults applied. */
  flags: FlagValues;
  /** Positional arguments. */
  args: string[];
  /** Plugin context (runtime, registry, logger, prompts). */
  ctx: Context;
  /** Standard streams. */
  io: IO;
}

/** A command (built-in or from a plugin). Multi-word names ("upload wasm") match word by word. */
export interface Command {
  /** e.g. "sign-blob", "upload blob". */
  name: string;
  /** Other names, e.g. cosign's deprecated spellings. */
  aliases?: string[];
  /** One line for the command list. */
  summary: string;
  /** Usage line(s). */
  usage: string;
  /** At least one example for --help. */
  examples: string[];
  /** Flags (global ones are added by the dispatcher). */
  flags: FlagSpec[];
  /** Positional argument count bounds; checked before run. */
  args?: { min?: number; max?: number };
  /** Runs the command; returns the exit code (0 when omitted). */
  run(inv: Invocation): Promise<number | void>;
}

/**
 * A policy file as the host hands it to a {@link PolicyEngine}: read once, size-capped, UTF-8.
 */
export interface PolicySource {
  /** The file as the user named it (`--policy F`), for messages. */
  name: string;
  /** Its absolute path (engines that import modules, e.g. TypeScript policies, use it). */
  path: string;
  /** Its text. */
  text: string;
}

/** The verdict of one policy over the verified attestations. */
export interface PolicyResult {
  /** True when the policy admits every statement it was given. */
  allow: boolean;
  /** Why it refused, in the policy's own words (e.g. CUE's or Rego's message); empty when allowed. */
  errors: string[];
  /** Remarks that do not refuse (printed as warnings). */
  warnings: string[];
}

/**
 * A policy language for `verify-attestation --policy F` (cosign's CUE and Rego, our TypeScript
 * policies, or a plugin's own). The host picks the first engine (third-party first) whose
 * `handles(path)` is true, reads the file, and calls `evaluate` with the in-toto statements that
 * verified (decoded JSON, one per attestation, as cosign feeds its policies). A refusal is a
 * result with `allow: false` and the policy's messages (the command exits 12); a policy that
 * cannot be parsed or run is a thrown CosignError (INVALID_INPUT or UNSUPPORTED, exit 1).
 *
 * @example
 * ```ts
 * const engine: PolicyEngine = {
 *   name: "json-allowlist",
 *   description: "predicate types listed in a .allow.json file",
 *   handles: (path) => path.endsWith(".allow.json"),
 *   async evaluate(policy, statements) {
 *     const allowed: string[] = JSON.parse(policy.text);
 *     const errors = statements.map((s) => (s as { predicateType?: string }).predicateType ?? "")
 *       .filter((t) => !allowed.includes(t)).map((t) => `predicate type ${t} is not allowed`);
 *     return { allow: errors.length === 0, errors, warnings: [] };
 *   },
 * };
 * ```
 */
export interface PolicyEngine {
  /** Unique name, e.g. "rego", "cue", "typescript". */
  readonly name: string;
  /** One line for `--help` and the README. */
  readonly description: string;
  /** True for the policy files this engine evaluates (usually by extension, e.g. `.rego`). */
  handles(path: string): boolean;
  /** Evaluates the policy over the verified statements. */
  evaluate(
    policy: PolicySource,
    statements: readonly unknown[],
    ctx: Context,
  ): Promise<PolicyResult>;
}

/** A plugin: any mix of artifact types, key providers, logs, timestamp authorities, commands. */
export interface Plugin {
  /** Unique name. */
  name: string;
  /** Must be {@link PLUGIN_API_VERSION}. */
  apiVersion: 1;
  /** One line for `--help` (what the plugin is for). */
  description?: string;
  /** Artifact types this plugin adds. */
  artifacts?: ArtifactType[];
  /** Key providers this plugin adds. */
  keys?: KeyProvider[];
  /** Transparency logs this plugin adds. */
  tlogs?: TransparencyLog[];
  /** Timestamp authorities this plugin adds. */
  timestamps?: TimestampAuthority[];
  /** Commands this plugin adds (listed in `--help` with the plugin's name). */
  commands?: Command[];
  /** Policy languages this plugin adds (`verify-attestation --policy F`). */
  policies?: PolicyEngine[];
}

/** Diagnostics sink. Messages go to stderr; debug only with `--verbose`. */
export interface Logger {
  /** Progress and checks performed, as cosign prints them. */
  info(message: string): void;
  /** Something the user should know but that does not stop the command. */
  warn(message: string): void;
  /** Only shown with `--verbose` / `COSIGN_TS_DEBUG=1`. */
  debug(message: string): void;
}

/** A request for a password. */
export interface PasswordRequest {
  /** What the password is for, shown in the prompt: e.g. `private key "cosign.key"`. */
  purpose: string;
  /** Ask twice and compare (when creating a key). */
  confirm?: boolean;
}

/** A progress display for a long transfer; shown on a terminal only, never on a pipe or in CI. */
export interface Progress {
  /** Adds transferred bytes. */
  advance(bytes: number): void;
  /** Ends the display (success or not). */
  done(): void;
}

/**
 * Settings from the command line that plugins read, by concern. Well-known keys:
 * `registry` (the oci/ `RegistryClientOptions` built from the registry flags),
 * `timeout` (milliseconds, cosign's `-t/--timeout`, default 3 minutes; 0 means no limit).
 */
export type Settings = Readonly<Record<string, unknown>>;

/** Everything a plugin may use from its host. Built-in and third-party plugins get the same. */
export interface Context {
  /** The runtime adapter. */
  runtime: Runtime;
  /** The registry, to reach other plugins. */
  plugins: PluginRegistry;
  /** Environment lookup (tests may substitute it). */
  env(name: string): string | undefined;
  /** Diagnostics to stderr. */
  log: Logger;
  /** Password from COSIGN_PASSWORD, else the terminal; CosignError("ABORTED") when neither. */
  password(request: PasswordRequest): Promise<string>;
  /** Asks a yes/no question; true when `--yes` was given. */
  confirm(question: string): Promise<boolean>;
  /** Command-line settings plugins read (see {@link Settings}); empty for library callers. */
  settings?: Settings;
  /** Aborts at the `--timeout` deadline (reason: a core/deadline.ts `DeadlineError`). */
  signal?: AbortSignal;
  /** Starts a progress display for a transfer of `total` bytes (when known). */
  progress?(label: string, total?: number): Progress;
}

function assertPluginShape(p: unknown, origin: string): asserts p is Plugin {
  const fail = (what: string): never => {
    throw new CosignError("PLUGIN", `Cannot load plugin ${origin}: ${what}`, {
      hint: "A plugin module's default export must be definePlugin({ name, apiVersion: 1, ... }).",
    });
  };
  if (typeof p !== "object" || p === null) fail("it is not an object");
  const o = p as Record<string, unknown>;
  if (typeof o.name !== "string" || o.name === "") fail("it has no name");
  if (o.apiVersion !== PLUGIN_API_VERSION) {
    fail(
      `it declares apiVersion ${
        JSON.stringify(o.apiVersion)
      }, this build supports ${PLUGIN_API_VERSION}`,
    );
  }
  for (
    const field of ["artifacts", "keys", "tlogs", "timestamps", "commands", "policies"] as const
  ) {
    if (o[field] !== undefined && !Array.isArray(o[field])) fail(`"${field}" is not an array`);
  }
  const items = (field: string) => (o[field] as Record<string, unknown>[] | undefined) ?? [];
  for (const kp of items("keys")) {
    if (typeof kp?.scheme !== "string" || typeof kp.signer !== "function") {
      fail("a key provider lacks a scheme or a signer() function");
    }
    if (
      kp.urlSchemes !== undefined &&
      !(Array.isArray(kp.urlSchemes) && kp.urlSchemes.every((s) => typeof s === "string"))
    ) fail(`key provider "${kp.scheme}": urlSchemes is not an array of strings`);
  }
  for (const at of items("artifacts")) {
    if (
      typeof at?.kind !== "string" || typeof at.claims !== "function" ||
      typeof at.resolve !== "function"
    ) fail("an artifact type lacks kind, claims() or resolve()");
  }
  for (const tl of items("tlogs")) {
    if (typeof tl?.name !== "string" || typeof tl.submit !== "function") {
      fail("a transparency log lacks a name or submit()");
    }
  }
  for (const ta of items("timestamps")) {
    if (
      typeof ta?.name !== "string" || typeof ta.timestamp !== "function" ||
      typeof ta.verify !== "function"
    ) fail("a timestamp authority lacks a name, timestamp() or verify()");
  }
  for (const c of items("commands")) {
    if (
      typeof c?.name !== "string" || !/^[a-z][a-z0-9-]*( [a-z][a-z0-9-]*)?$/.test(c.name) ||
      typeof c.run !== "function" || !Array.isArray(c.flags)
    ) fail("a command lacks a name (one or two lower-case words), flags or run()");
  }
  for (const pe of items("policies")) {
    if (
      typeof pe?.name !== "string" || typeof pe.handles !== "function" ||
      typeof pe.evaluate !== "function"
    ) fail("a policy engine lacks a name, handles() or evaluate()");
  }
}

/**
 * The artifact type of a content plugin (see {@link ArtifactType.describeStored}): it claims no
 * references (its artifacts live in another type's store, e.g. images in a registry) and answers
 * `describeStored` with `describe`, which a light plugin entry loads on first use.
 *
 * @example
 * ```ts
 * const tekton = contentArtifactType("tekton", "Tekton bundles", async (a, ctx) =>
 *   (await import("./describe.ts")).describeTektonBundle(a, ctx));
 * ```
 */
export function contentArtifactType(
  kind: string,
  description: string,
  describe: (artifact: Artifact, ctx: Context) => Promise<string[] | undefined>,
): ArtifactType {
  return {
    kind,
    description,
    claims: () => false,
    resolve(ref: string): Promise<never> {
      return Promise.reject(
        new CosignError(
          "UNSUPPORTED",
          `The "${kind}" type does not resolve references ("${ref}")`,
          {
            hint: "Its artifacts are images: pass the reference as for any image.",
          },
        ),
      );
    },
    describeStored: describe,
  };
}

/**
 * Declares a plugin, checking its shape. Use it as the default export of a plugin module.
 * Throws CosignError("PLUGIN") for a malformed plugin or another apiVersion.
 */
export function definePlugin(plugin: Plugin): Plugin {
  assertPluginShape(plugin, JSON.stringify((plugin as { name?: unknown })?.name ?? "?"));
  return plugin;
}

/** The result of looking up a key reference. */
export interface KeyResolution {
  /** The provider that handles it. */
  provider: KeyProvider;
  /** The reference, unchanged. */
  ref: string;
}

/** One contribution of a plugin, with the plugin that made it (for messages and `--help`). */
export interface Contribution<T> {
  /** What the plugin provides. */
  item: T;
  /** The plugin that provides it. */
  plugin: Plugin;
  /** False for built-ins (registered before any third-party plugin). */
  thirdParty: boolean;
}

type Kind =
  | "key scheme"
  | "artifact kind"
  | "transparency log"
  | "timestamp authority"
  | "command"
  | "policy engine";

/**
 * Holds the loaded plugins and dispatches: key references by scheme, artifact references by the
 * first artifact type whose `claims()` is true (third-party types first), service URLs by the
 * first log/TSA that `handles()` them (third-party first), log entries and timestamp tokens by
 * `recognizes()`. A name registered twice is an error naming both plugins.
 */
export class PluginRegistry {
  readonly #plugins: { plugin: Plugin; thirdParty: boolean }[] = [];
  readonly #keys = new Map<string, Contribution<KeyProvider>>();
  readonly #urlSchemes = new Map<string, KeyProvider>();
  readonly #names = new Map<string, Plugin>();

  /**
   * Adds a plugin (after checking its shape). Built-ins are registered first with the default
   * origin; anything registered with another origin counts as third-party. A key scheme,
   * artifact kind, log name, TSA name, command name or policy engine name that is already provided
   * is an error naming the plugin that provides it.
   */
  register(plugin: unknown, origin = "(built-in)"): void {
    assertPluginShape(plugin, origin);
    const thirdParty = origin !== "(built-in)";
    const claim = (kind: Kind, name: string) => {
      const key = `${kind}\0${name}`;
      const existing = this.#names.get(key);
      if (existing) {
        throw new CosignError(
          "PLUGIN",
          `Cannot load plugin "${plugin.name}" from ${origin}: ${kind} "${name}" is already provided by plugin "${existing.name}"`,
          { hint: `Remove one of the two plugins that provide ${kind} "${name}".` },
        );
      }
      return key;
    };
    // Check everything before registering anything, so a refused plugin leaves no trace.
    const keys = [
      ...(plugin.keys ?? []).map((k) => claim("key scheme", k.scheme)),
      ...(plugin.artifacts ?? []).map((a) => claim("artifact kind", a.kind)),
      ...(plugin.tlogs ?? []).map((t) => claim("transparency log", t.name)),
      ...(plugin.timestamps ?? []).map((t) => claim("timestamp authority", t.name)),
      ...(plugin.commands ?? []).map((c) => claim("command", c.name)),
      ...(plugin.policies ?? []).map((p) => claim("policy engine", p.name)),
    ];
    if (new Set(keys).size !== keys.length) {
      throw new CosignError(
        "PLUGIN",
        `Cannot load plugin "${plugin.name}" from ${origin}: it provides the same name twice`,
      );
    }
    for (const k of keys) this.#names.set(k, plugin);
    for (const k of plugin.keys ?? []) this.#keys.set(k.scheme, { item: k, plugin, thirdParty });
    for (const k of plugin.keys ?? []) {
      for (const s of k.urlSchemes ?? []) {
        if (!this.#urlSchemes.has(s.toLowerCase())) this.#urlSchemes.set(s.toLowerCase(), k);
      }
    }
    this.#plugins.push({ plugin, thirdParty });
  }

  /** All registered plugins, built-ins first. */
  get plugins(): readonly Plugin[] {
    return this.#plugins.map((p) => p.plugin);
  }

  /** Contributions of one kind, third-party plugins first, then built-ins, each in order. */
  contributions<T>(pick: (p: Plugin) => T[] | undefined): Contribution<T>[] {
    const all = this.#plugins.flatMap(({ plugin, thirdParty }) =>
      (pick(plugin) ?? []).map((item) => ({ item, plugin, thirdParty }))
    );
    return [...all.filter((c) => c.thirdParty), ...all.filter((c) => !c.thirdParty)];
  }

  /** All key providers. */
  keyProviders(): KeyProvider[] {
    return [...this.#keys.values()].map((c) => c.item);
  }

  /** All artifact types, third-party first. */
  artifactTypes(): ArtifactType[] {
    return this.contributions((p) => p.artifacts).map((c) => c.item);
  }

  /** All transparency logs, third-party first. */
  tlogs(): TransparencyLog[] {
    return this.contributions((p) => p.tlogs).map((c) => c.item);
  }

  /** All timestamp authorities, third-party first. */
  timestampAuthorities(): TimestampAuthority[] {
    return this.contributions((p) => p.timestamps).map((c) => c.item);
  }

  /** All policy engines, third-party first. */
  policyEngines(): PolicyEngine[] {
    return this.contributions((p) => p.policies).map((c) => c.item);
  }

  /** The policy engine for a policy file: the first (third-party first) that handles it. */
  policyEngineFor(path: string): PolicyEngine | undefined {
    return this.policyEngines().find((e) => e.handles(path));
  }

  /** All plugin-provided commands, with their plugins. */
  commands(): Contribution<Command>[] {
    return this.contributions((p) => p.commands);
  }

  /**
   * The provider for a key reference: `scheme://…` or `scheme:…` when that scheme is
   * registered, else the provider naming it in {@link KeyProvider.urlSchemes} (`scheme://…`
   * only), else "file". Throws CosignError("UNSUPPORTED") for an unknown `scheme://`.
   */
  keyProvider(ref: string): KeyResolution {
    const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):(\/\/)?/.exec(ref);
    if (m) {
      const p = this.#keys.get(m[1].toLowerCase());
      if (p) return { provider: p.item, ref };
      const fallback = m[2] ? this.#urlSchemes.get(m[1].toLowerCase()) : undefined;
      if (fallback) return { provider: fallback, ref };
      if (m[2]) {
        const known = new Set([...this.#keys.keys(), ...this.#urlSchemes.keys()]);
        throw new CosignError(
          "UNSUPPORTED",
          `Cannot use key "${ref}": no plugin handles "${m[1]}://" keys`,
          {
            hint: `Known key schemes: ${[...known].join(", ")}. Load a plugin with --plugin.`,
          },
        );
      }
    }
    const file = this.#keys.get("file");
    if (!file) {
      throw new CosignError(
        "UNSUPPORTED",
        `Cannot use key "${ref}": no file key provider is loaded`,
      );
    }
    return { provider: file.item, ref };
  }

  /** A signer for a key reference. */
  async signer(ref: string, ctx: Context, options?: SignerOptions): Promise<Signer> {
    const { provider } = this.keyProvider(ref);
    return await provider.signer(ref, ctx, options);
  }

  /** A verifier for a key reference. */
  async verifier(ref: string, ctx: Context, options?: SignerOptions): Promise<Verifier> {
    const { provider } = this.keyProvider(ref);
    if (!provider.verifier) {
      throw new CosignError(
        "UNSUPPORTED",
        `Cannot verify with key "${ref}": the "${provider.scheme}" provider cannot verify`,
      );
    }
    return await provider.verifier(ref, ctx, options);
  }

  /** The artifact type that claims a reference (third-party types first), or undefined. */
  artifactType(ref: string): ArtifactType | undefined {
    return this.artifactTypes().find((a) => a.claims(ref));
  }

  /**
   * Lines saying what a verified artifact holds: its own {@link Artifact.describe}, else the
   * first artifact type (third-party first) whose {@link ArtifactType.describeStored} recognises
   * it; empty when none does.
   */
  async describe(artifact: Artifact, ctx: Context): Promise<string[]> {
    const own = await artifact.describe?.(ctx);
    if (own && own.length > 0) return own;
    for (const t of this.artifactTypes()) {
      const lines = await t.describeStored?.(artifact, ctx);
      if (lines) return lines;
    }
    return [];
  }

  /** Resolves an artifact reference; CosignError("UNSUPPORTED") when no plugin claims it. */
  async resolve(ref: string, ctx: Context): Promise<Artifact> {
    const t = this.artifactType(ref);
    if (!t) {
      throw new CosignError(
        "UNSUPPORTED",
        `Cannot resolve "${ref}": no artifact plugin claims it`,
        {
          hint: `Known artifact types: ${
            this.artifactTypes().map((a) => a.kind).join(", ") || "none"
          }.`,
        },
      );
    }
    return await t.resolve(ref, ctx);
  }

  /** The transparency log with this name; CosignError("UNSUPPORTED") when none. */
  tlog(name: string): TransparencyLog {
    const t = this.tlogs().find((l) => l.name === name);
    if (!t) {
      throw new CosignError("UNSUPPORTED", `No transparency log plugin named "${name}" is loaded`, {
        hint: `Known logs: ${this.tlogs().map((l) => l.name).join(", ") || "none"}.`,
      });
    }
    return t;
  }

  /**
   * The log for a URL: the one named `name` when given, else the first (third-party first)
   * that handles the URL. CosignError("UNSUPPORTED") when none does.
   */
  tlogFor(url: string, name?: string): TransparencyLog {
    if (name) return this.tlog(name);
    const t = this.tlogs().find((l) => l.handles?.(url));
    if (!t) {
      throw new CosignError("UNSUPPORTED", `No transparency log plugin handles "${url}"`, {
        hint: `Known logs: ${
          this.tlogs().map((l) => l.name).join(", ") || "none"
        }. Load a plugin with --plugin, or name one with --tlog.`,
      });
    }
    return t;
  }

  /** The log that verifies an entry: the first (third-party first) that recognizes it. */
  tlogForEntry(entry: TlogEntry, trust: unknown): TransparencyLog | undefined {
    return this.tlogs().find((l) => l.verify && l.recognizes?.(entry, trust));
  }

  /** The timestamp authority with this name; CosignError("UNSUPPORTED") when none. */
  timestampAuthority(name: string): TimestampAuthority {
    const t = this.timestampAuthorities().find((a) => a.name === name);
    if (!t) {
      throw new CosignError(
        "UNSUPPORTED",
        `No timestamp authority plugin named "${name}" is loaded`,
        {
          hint: `Known timestamp authorities: ${
            this.timestampAuthorities().map((a) => a.name).join(", ") || "none"
          }.`,
        },
      );
    }
    return t;
  }

  /** The TSA for a URL: by name when given, else the first (third-party first) that handles it. */
  timestampAuthorityFor(url: string, name?: string): TimestampAuthority {
    if (name) return this.timestampAuthority(name);
    const t = this.timestampAuthorities().find((a) => a.handles?.(url));
    if (!t) {
      throw new CosignError("UNSUPPORTED", `No timestamp authority plugin handles "${url}"`, {
        hint: `Known timestamp authorities: ${
          this.timestampAuthorities().map((a) => a.name).join(", ") || "none"
        }. Load a plugin with --plugin, or name one with --tsa.`,
      });
    }
    return t;
  }

  /** The TSA that verifies a token: the first (third-party first) that recognizes it. */
  timestampAuthorityForToken(token: Uint8Array, trust: unknown): TimestampAuthority | undefined {
    return this.timestampAuthorities().find((a) => a.recognizes?.(token, trust));
  }
}
