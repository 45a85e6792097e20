/**
 * The one sign path, for every artifact kind: {@link signArtifact} takes a resolved
 * {@link Artifact}, a {@link Signer} and the witnesses to collect, and
 *
 * 1. gets the bytes to sign: the artifact's payload (`artifact.payload`, e.g. cosign's simple
 *    signing for images) or else its content — its streamed digest when the signer signs
 *    digests (`signDigest` + `hash`), the whole message otherwise (Ed25519; capped); for an
 *    attestation (`envelope`), the DSSE PAE of the given payload (an in-toto statement);
 * 2. signs them, and collects RFC 3161 timestamps and transparency-log entries through the
 *    registered plugins (core/signature_witnesses.ts): hashedrekord entries for signatures,
 *    dsse (or cosign's legacy intoto) entries for envelopes;
 * 3. builds the {@link StoredSignature}: cosign's legacy form (a `.sig` layer, a legacy blob
 *    bundle; for envelopes the envelope JSON as the payload, as cosign's `.att` layers and
 *    legacy attestation bundles hold it) or a Sigstore bundle v0.3 (`format: "bundle"`:
 *    a message signature for content-signed artifacts, a DSSE envelope for attestations);
 * 4. attaches it to the artifact's store (`artifact.attach`) unless `upload` is false.
 *
 * It returns what commands print or write: signature, payload, bundle text, certificate and
 * the attach result. Runtime-neutral (web APIs only).
 *
 * @example
 * ```ts
 * const artifact = await ctx.plugins.resolve("localhost:5000/app@sha256:…", ctx);
 * const signer = await ctx.plugins.signer("cosign.key", ctx);
 * const r = await signArtifact(artifact, signer, { ctx, annotations: { env: "prod" } });
 * console.log(r.attached?.location);
 * ```
 * @module
 */
import { base64, hex } from "@scure/base";
import { CosignError } from "./errors.ts";
import { pemCertificates } from "./fulcio.ts";
import { legacyBlobBundleText, legacyRekorBundleOf, rekorBundleText } from "./legacy_signature.ts";
import type {
  Artifact,
  AttachOptions,
  AttachResult,
  Context,
  HashAlgorithm,
  LegacySignature,
  SignatureKind,
  Signer,
  StoredSignature,
  TlogEntry,
  TlogSubmission,
} from "./plugin.ts";
import { MAX_WHOLE_MESSAGE_BYTES, readAll } from "./read_all.ts";
import { collectWitnesses, type WitnessPlan } from "./signature_witnesses.ts";
import { sha256 } from "./verify/public_key.ts";

/** Options for {@link signArtifact}. */
export interface SignArtifactOptions {
  /** The plugin context (logs and TSAs are reached through `ctx.plugins`). */
  ctx: Context;
  /** Extra claims to sign (cosign `-a key=value`), passed to `artifact.payload`. */
  annotations?: Record<string, string>;
  /** Sign these bytes instead of the artifact's payload (cosign `sign --payload`). */
  payload?: Uint8Array;
  /** Timestamp authorities and transparency logs to use (default: none). */
  witnesses?: WitnessPlan;
  /**
   * "legacy" (default): cosign's legacy form (`.sig` layer, legacy blob bundle); "bundle": a
   * Sigstore bundle v0.3 (content-signed artifacts only).
   */
  format?: "legacy" | "bundle";
  /** Attach the signature to the artifact's store (default true). */
  upload?: boolean;
  /** What is being attached (default "signature"; "attestation" when `envelope` is given). */
  kind?: SignatureKind;
  /**
   * Sign a DSSE envelope over this payload (attestations: an in-toto statement, payload type
   * core/dsse.ts `INTOTO_PAYLOAD_TYPE`) instead of the artifact's payload or content.
   */
  envelope?: { payloadType: string; payload: Uint8Array };
  /**
   * The transparency-log entry kind for an envelope: "dsse" (default, cosign v3) or "intoto"
   * (cosign `--rekor-entry-type intoto`, Rekor v1 only).
   */
  rekorEntryType?: "dsse" | "intoto";
  /**
   * Attestations: the store replaces the artifact's attestations of the same predicate type
   * (cosign `attest --replace`; passed to `artifact.attach` as {@link AttachOptions.replace}).
   */
  replace?: boolean;
}

/** What {@link signArtifact} produced. */
export interface SignArtifactResult {
  /** The raw signature (DER ECDSA, RSA, raw Ed25519). */
  signature: Uint8Array;
  /** The signed payload, when the artifact has one (images) or one was given. */
  payload?: Uint8Array;
  /** The digest that was signed or logged (content: the artifact's; payload: its SHA-256). */
  digest: { algorithm: HashAlgorithm; value: Uint8Array };
  /** PEM certificate of the signer (keyless, or a key that comes with one). */
  certificate?: string;
  /** PEM certificates above it. */
  chain: string[];
  /** The stored form, as attached (or as it would have been). */
  stored: StoredSignature;
  /**
   * Bundle file text: the Sigstore bundle JSON (format "bundle") or, for content-signed
   * artifacts, cosign's legacy blob bundle JSON. Undefined for payload-signed legacy signatures.
   */
  bundleJson?: string;
  /** The transparency log entries collected (TransparencyLogEntry JSON). */
  tlogEntries: TlogEntry[];
  /** RFC 3161 responses collected (DER). */
  timestamps: Uint8Array[];
  /** What `artifact.attach` did; undefined when not uploaded. */
  attached?: AttachResult;
  /** The DSSE envelope JSON text, as cosign writes it (attestations only). */
  envelope?: string;
}

const NO_WITNESSES: WitnessPlan = { rekor: [], tsaUrls: [] };

/** Timestamps and log entries for a signature, as the plan asks (none by default). */
async function witnesses(
  options: SignArtifactOptions,
  submission: TlogSubmission,
  timestamped: Uint8Array,
): Promise<{ tlogEntries: TlogEntry[]; timestamps: Uint8Array[] }> {
  const plan = options.witnesses ?? NO_WITNESSES;
  if (!plan.rekor.length && !plan.tsaUrls.length) return { tlogEntries: [], timestamps: [] };
  return await collectWitnesses(options.ctx, submission, timestamped, plan);
}

/**
 * cosign's legacy form of a signature: the signature, its payload, the signer's certificate and
 * the chain above it, the log entry as a Rekor bundle and the first timestamp as JSON.
 */
function legacyForm(
  artifact: Artifact,
  signature: Uint8Array,
  payload: Uint8Array | undefined,
  chain: string[],
  tlogEntries: TlogEntry[],
  timestamps: Uint8Array[],
): LegacySignature {
  const legacy: LegacySignature = { signature };
  if (payload) legacy.payload = payload;
  if (chain[0]) {
    legacy.certificate = chain[0];
    legacy.chain = chain.slice(1).join("\n");
  }
  if (tlogEntries.length) {
    const rb = tlogEntries.map(legacyRekorBundleOf).find((x) => x !== undefined);
    if (!rb) {
      throw new CosignError(
        "UNSUPPORTED",
        `Cannot store the transparency log entry with the signature of "${artifact.ref}": ` +
          "the log (Rekor v2) gave no signed entry timestamp, which cosign's signature " +
          "layout needs",
        { hint: "Use a Rekor v1 log (--rekor-url), the bundle format, or --tlog-upload=false." },
      );
    }
    legacy.rekorBundle = rekorBundleText(rb);
  }
  if (timestamps.length) {
    legacy.rfc3161Timestamp = JSON.stringify({
      SignedRFC3161Timestamp: base64.encode(timestamps[0]),
    });
  }
  return legacy;
}

/**
 * Attaches `result.stored` to the artifact's store unless `upload` is false, and returns the
 * result with what the store did. CosignError("UNSUPPORTED") when the artifact has no store.
 */
async function attach(
  artifact: Artifact,
  signer: Signer,
  options: SignArtifactOptions,
  result: SignArtifactResult,
  replace?: boolean,
): Promise<SignArtifactResult> {
  if (options.upload === false) return result;
  if (!artifact.attach) {
    throw new CosignError(
      "UNSUPPORTED",
      `Cannot store a signature for "${artifact.ref}": the "${artifact.kind}" artifact type ` +
        "has no signature store",
      { hint: "Write the signature to a file instead (sign-blob --bundle)." },
    );
  }
  const attachOptions: AttachOptions = { publicKey: await signer.publicKey() };
  if (replace) attachOptions.replace = true;
  const attached = await artifact.attach(result.stored, options.ctx, attachOptions);
  return { ...result, stored: { ...result.stored, location: attached.location }, attached };
}

/**
 * An attestation: a DSSE envelope over `env.payload`, its witnesses (TSA over the envelope
 * signature for bundles, over the envelope JSON for cosign's legacy form, as cosign does; a dsse
 * or intoto log entry), stored as a v0.3 bundle with the envelope or in cosign's legacy form.
 */
async function signEnvelope(
  artifact: Artifact,
  signer: Signer,
  options: SignArtifactOptions,
  env: { payloadType: string; payload: Uint8Array },
): Promise<SignArtifactResult> {
  const format = options.format ?? "legacy";
  const dsse = await import("./dsse.ts");
  const signature = await signer.sign(dsse.pae(env.payloadType, env.payload));
  const signed = { ...env, signatures: [{ keyid: "", sig: signature }] };
  const envelope = dsse.envelopeJSON(signed);
  const envelopeBytes = new TextEncoder().encode(envelope);
  const chain = (await signer.certificateChain?.()) ?? [];
  const certificate = chain[0];
  const publicKey = await signer.publicKey();
  const entryKind = options.rekorEntryType ?? "dsse";
  const { tlogEntries, timestamps } = await witnesses(
    options,
    { kind: entryKind, envelope, verificationMaterial: certificate ?? publicKey.pem },
    format === "bundle" ? signature : envelopeBytes,
  );
  const kind = options.kind ?? "attestation";
  let stored: StoredSignature;
  let bundleJson: string;
  if (format === "bundle") {
    const { assembleBundleJSON } = await import("./bundle.ts");
    bundleJson = await assembleBundleJSON({
      envelope: dsse.envelopeBundleField(signed),
      ...(certificate
        ? { certificate: pemCertificates(certificate)[0] }
        : { publicKey: publicKey.spki }),
      tlogEntries,
      rfc3161Timestamps: timestamps,
    });
    stored = { kind, location: artifact.ref, bundle: JSON.parse(bundleJson) };
  } else {
    const legacy = legacyForm(artifact, signature, envelopeBytes, chain, tlogEntries, timestamps);
    stored = { kind, location: artifact.ref, legacy };
    // cosign's legacy attestation bundle: base64Signature is the whole envelope; cert the
    // signer's PEM (certificate or public key).
    bundleJson = legacyBlobBundleText({
      ...legacy,
      signature: envelopeBytes,
      certificate: certificate ?? publicKey.pem,
    });
  }
  return await attach(artifact, signer, options, {
    signature,
    payload: env.payload,
    digest: { algorithm: "sha256", value: await sha256(env.payload) },
    certificate,
    chain: chain.slice(1),
    stored,
    bundleJson,
    tlogEntries,
    timestamps,
    attached: undefined,
    envelope,
  }, options.replace);
}

/** What a signature covers: a payload, or the artifact's content (digest or whole message). */
async function signBytes(
  artifact: Artifact,
  signer: Signer,
  payload: Uint8Array | undefined,
): Promise<{ signature: Uint8Array; digest: SignArtifactResult["digest"] }> {
  if (payload) {
    const signature = await signer.sign(payload);
    return { signature, digest: { algorithm: "sha256", value: await sha256(payload) } };
  }
  if (signer.signDigest && signer.hash) {
    const d = await artifact.digest(signer.hash);
    const value = hex.decode(d.hex);
    return { signature: await signer.signDigest(value), digest: { algorithm: signer.hash, value } };
  }
  if (!artifact.open) {
    throw new CosignError(
      "UNSUPPORTED",
      `Cannot sign "${artifact.ref}" with ${signer.algorithm}: the key needs the whole content`,
      { hint: "Pass the content itself (a file), or use a key that signs digests (ECDSA, RSA)." },
    );
  }
  const message = await readAll(
    await artifact.open(),
    MAX_WHOLE_MESSAGE_BYTES,
    `"${artifact.ref}"`,
  );
  return {
    signature: await signer.sign(message),
    digest: { algorithm: "sha256", value: await sha256(message) },
  };
}

/**
 * Signs `artifact` with `signer` (see the module documentation). Throws CosignError
 * ("UNSUPPORTED") when the artifact cannot be signed that way (no content for a whole-message
 * key, a bundle for a payload-signed artifact, a Rekor v2 entry in the legacy layout, no
 * attach), and the errors of the signer, the witnesses and the store.
 *
 * @example
 * ```ts
 * const r = await signArtifact(blob, signer, { ctx, format: "bundle", upload: false });
 * await writeFileAtomic("a.sigstore.json", r.bundleJson!);
 * ```
 */
export async function signArtifact(
  artifact: Artifact,
  signer: Signer,
  options: SignArtifactOptions,
): Promise<SignArtifactResult> {
  if (options.envelope) return await signEnvelope(artifact, signer, options, options.envelope);
  const { ctx } = options;
  const format = options.format ?? "legacy";
  const payload = options.payload ??
    (artifact.payload
      ? await artifact.payload(ctx, { annotations: options.annotations })
      : undefined);
  if (format === "bundle" && payload) {
    throw new CosignError(
      "UNSUPPORTED",
      `Cannot sign "${artifact.ref}" as a Sigstore bundle: its signatures cover a payload, ` +
        "which only cosign's signature layout stores",
      { hint: "Sign it without the bundle format." },
    );
  }
  const { signature, digest } = await signBytes(artifact, signer, payload);
  const chain = (await signer.certificateChain?.()) ?? [];
  const certificate = chain[0];
  const material = certificate ?? (await signer.publicKey()).pem;

  const { tlogEntries, timestamps } = await witnesses(
    options,
    { kind: "hashedrekord", signature, digest: digest.value, verificationMaterial: material },
    signature,
  );

  const kind = options.kind ?? "signature";
  let stored: StoredSignature;
  let bundleJson: string | undefined;
  if (format === "bundle") {
    const b = await import("./bundle.ts");
    const { TransparencyLogEntry } = await import("@sigstore/protobuf-specs");
    const bundle = b.buildMessageSignatureBundle({
      tlogEntries: tlogEntries.map((e) =>
        TransparencyLogEntry.fromJSON(e) as import("./bundle.ts").TransparencyLogEntry
      ),
      rfc3161Timestamps: timestamps,
      digest,
      signature,
      certificate: certificate ? pemCertificates(certificate)[0] : undefined,
      publicKeyHint: certificate
        ? undefined
        : await b.publicKeyHint((await signer.publicKey()).spki),
    });
    bundleJson = await b.serializeBundle(bundle);
    stored = { kind, location: artifact.ref, bundle: JSON.parse(bundleJson) };
  } else {
    const legacy = legacyForm(artifact, signature, payload, chain, tlogEntries, timestamps);
    stored = { kind, location: artifact.ref, legacy };
    if (!payload) bundleJson = legacyBlobBundleText(legacy);
  }
  return await attach(artifact, signer, options, {
    signature,
    payload,
    digest,
    certificate,
    chain: chain.slice(1),
    stored,
    bundleJson,
    tlogEntries,
    timestamps,
    attached: undefined,
  });
}
