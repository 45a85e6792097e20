/**
 * The "oci" artifact type: container images and other manifests in OCI registries, named by
 * references such as `localhost:5000/app:v1`, `ghcr.io/org/app@sha256:…` or `ubuntu`.
 *
 * It claims anything that parses as an image reference; the "blob" type is registered before
 * it in main.ts and takes local paths (`./x`, `/x`, existing files, `-`) first.
 *
 * Its signature store is cosign's: a signature covers the simple-signing payload for
 * `repo@digest` (`payload`, whose claims `checkPayload` checks), legacy signatures are layers
 * of `sha256-<hex>.sig` (`.att`, `.sbom`) in the image's repository or `COSIGN_REPOSITORY`, cosign
 * v3 signatures are Sigstore bundles stored as OCI 1.1 referrers (`signatures` lists both), and
 * `attach` appends a layer race-free without duplicates. `open` streams the layer of a one-layer
 * artifact (`upload blob`), checked against its digest as it flows. The registry client comes
 * from the context (`registryClientFor`).
 *
 * @example
 * ```ts
 * const a = await ctx.plugins.resolve("localhost:5000/app:v1", ctx);
 * console.log(a.kind, (await a.digest()).hex);
 * ```
 * @module
 */
import { CosignError, isCosignError } from "../../core/errors.ts";
import { lazyModule } from "../../core/lazy_module.ts";
import type {
  Artifact,
  ArtifactType,
  AttachOptions,
  AttachResult,
  ContentDescriptor,
  Context,
  Digest,
  HashAlgorithm,
  SignatureKind,
  SignatureQuery,
  StoredManifest,
  StoredSignature as CoreStoredSignature,
  VerifiedSignature,
} from "../../core/plugin.ts";
import type { RegistryClient } from "../../oci/client.ts";
import { isIndexMediaType } from "../../oci/media_types.ts";
import {
  parseReference,
  type Reference,
  referenceString,
  repositoryString,
  withDigest,
} from "../../oci/reference.ts";
import { registryClientFor } from "../../oci/registry_options.ts";
import { KIND_SUFFIX, signatureReference } from "./signature_location.ts";
import { signatureBytes, type StoredSignature } from "./stored_signature.ts";
import type { VerificationOutputInput } from "./verification_output.ts";
import { claimsOciReference, OCI_ARTIFACT_DESCRIPTION } from "./plugin.ts";

/**
 * cosign's warning for an image named by tag rather than digest (signing, attesting).
 *
 * @example
 * ```ts
 * if (!ref.includes("@")) ctx.log.warn(tagWarning(ref));
 * ```
 */
export function tagWarning(ref: string): string {
  return `Image reference ${ref} uses a tag, not a digest, to identify the image to sign.
    This can lead you to sign a different image than the intended one. Please use a
    digest (example.com/ubuntu@sha256:abc123...) rather than tag
    (example.com/ubuntu:latest) for the input to cosign. The ability to refer to
    images by tag will be removed in a future release.`;
}

/**
 * A `.sig` layer as the core's stored signature (legacy form). A layer without a usable
 * signature annotation is kept with its `problem`, so verification reports it.
 *
 * @example
 * ```ts
 * const core = coreSignature(sig, "localhost:5000/app:sha256-….sig", "signature");
 * ```
 */
export function coreSignature(
  sig: StoredSignature,
  location: string,
  kind: SignatureKind,
): CoreStoredSignature {
  const out: CoreStoredSignature = {
    kind,
    location,
    id: sig.descriptor.digest,
    annotations: { ...(sig.descriptor.annotations ?? {}) },
    legacy: { payload: sig.payload, signature: new Uint8Array(0) },
  };
  try {
    out.legacy!.signature = signatureBytes(sig);
  } catch (e) {
    if (!isCosignError(e, "VERIFY")) throw e;
    out.problem = e.message;
  }
  if (sig.certificate) out.legacy!.certificate = sig.certificate;
  if (sig.chain) out.legacy!.chain = sig.chain;
  if (sig.bundle) out.legacy!.rekorBundle = sig.bundle;
  if (sig.rfc3161Timestamp) out.legacy!.rfc3161Timestamp = sig.rfc3161Timestamp;
  return out;
}

/** What cosign's output for a core legacy signature is made of (see verification_output.ts). */
function outputFields(s: CoreStoredSignature): VerificationOutputInput {
  const l = s.legacy!;
  return {
    payload: l.payload ?? new Uint8Array(0),
    certificate: l.certificate,
    bundle: l.rekorBundle,
    rfc3161Timestamp: l.rfc3161Timestamp,
  };
}

/**
 * The manifest JSON as the contract's {@link StoredManifest}; CosignError("INVALID_INPUT") naming
 * `where` when it lacks a config or layers.
 */
function storedManifest(bytes: Uint8Array, where: string): StoredManifest {
  const doc = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  const desc = (v: unknown, what: string): ContentDescriptor => {
    const o = v as Record<string, unknown> | null;
    if (
      !o || typeof o !== "object" || typeof o.digest !== "string" || typeof o.size !== "number" ||
      typeof o.mediaType !== "string"
    ) {
      throw new CosignError(
        "INVALID_INPUT",
        `Cannot read the manifest of ${where}: ${what} is malformed`,
      );
    }
    const annotations = o.annotations && typeof o.annotations === "object"
      ? o.annotations as Record<string, string>
      : undefined;
    return { mediaType: o.mediaType, digest: o.digest, size: o.size, annotations };
  };
  if (!Array.isArray(doc.layers)) {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot read the manifest of ${where}: it has no layers`,
    );
  }
  return {
    mediaType: typeof doc.mediaType === "string" ? doc.mediaType : undefined,
    artifactType: typeof doc.artifactType === "string" ? doc.artifactType : undefined,
    config: desc(doc.config, "its config"),
    layers: doc.layers.map((l, i) => desc(l, `layer ${i}`)),
    annotations: doc.annotations && typeof doc.annotations === "object"
      ? doc.annotations as Record<string, string>
      : undefined,
  };
}

// Loaded on first use, then reused: checkPayload, checkImageClaims and verifiedOutput run once
// per signature, signatures() once per kind.
const simpleSigning = lazyModule(() => import("./simple_signing.ts"));
const referrerBundles = lazyModule(() => import("./referrer_bundles.ts"));
const readSignaturesModule = lazyModule(() => import("./read_signatures.ts"));
const attestationLayer = lazyModule(() => import("./attestation_layer.ts"));
const verificationOutputModule = lazyModule(() => import("./verification_output.ts"));

/** An image by reference, with its digest resolved once (lazily) through `client`. */
function imageArtifact(r: Reference, ref: string, ctx: Context, shared?: RegistryClient): Artifact {
  let client = shared;
  const registry = () => client ??= registryClientFor(ctx);
  let cached: Promise<string> | undefined;
  let manifestCache: ReturnType<RegistryClient["getManifest"]> | undefined;
  const digestString = () =>
    cached ??= r.digest ? Promise.resolve(r.digest) : registry().resolveDigest(r);
  const name = referenceString(r);
  const env = (n: string) => ctx.env(n);
  const artifact: Artifact = {
    kind: "oci",
    ref,
    name,
    async digest(algorithm?: HashAlgorithm): Promise<Digest> {
      if (algorithm && algorithm !== "sha256") {
        throw new CosignError(
          "UNSUPPORTED",
          `Cannot digest image ${ref} with ${algorithm}: manifests are addressed by sha256`,
        );
      }
      const [alg, hex] = (await digestString()).split(":");
      return { algorithm: alg as Digest["algorithm"], hex };
    },
    async title(): Promise<string> {
      const d = await digestString();
      return `image ${r.digest ? name : `${name} (${referenceString(withDigest(r, d))})`}`;
    },
    async payload(c, options): Promise<Uint8Array> {
      if (!r.digest) c.log.warn(tagWarning(r.original));
      const d = await digestString();
      const { simpleSigningPayload } = await import("./simple_signing.ts");
      return simpleSigningPayload(repositoryString(r), d, options?.annotations ?? null);
    },
    async checkPayload(payload, _c, options): Promise<void> {
      if (options?.kind === "attestation") {
        const { checkAttestationClaims } = await attestationLayer();
        return checkAttestationClaims(payload, await digestString());
      }
      await checkImageClaims(payload, await digestString(), options?.annotations ?? {});
    },
    async *signatures(c: Context, query?: SignatureQuery): AsyncIterable<CoreStoredSignature> {
      const d = await digestString();
      const kinds: SignatureKind[] = query?.kind ? [query.kind] : ["signature", "attestation"];
      for (const kind of kinds) {
        const sigRef = signatureReference(r, d, KIND_SUFFIX[kind], env);
        const unusable: CoreStoredSignature[] = [];
        const [{ readSignatures }, { readSignatureBundles }] = await Promise.all([
          readSignaturesModule(),
          referrerBundles(),
        ]);
        const [sigs, bundles] = await Promise.all([
          readSignatures(registry(), sigRef, undefined, query?.concurrency).catch((e) => {
            // Attestations too large to read are rejected with the reason (exit 12), like any
            // attestation that cannot be used; signatures keep failing as a whole.
            if (kind !== "attestation" || !isCosignError(e, "TOO_LARGE")) throw e;
            const at = referenceString(sigRef);
            unusable.push({ kind, location: at, id: at, problem: (e as Error).message });
            return [];
          }),
          kind === "sbom" ? Promise.resolve([]) : readSignatureBundles(
            registry(),
            r,
            d,
            (m, at, why) => {
              c.log.debug(m);
              // An attestation referrer that cannot be used is reported, not silently dropped.
              if (kind === "attestation") {
                const location = `${repositoryString(r)}@${at}`;
                unusable.push({ kind, location, id: at, problem: `bundle referrer ${at}: ${why}` });
              }
            },
            query?.concurrency,
            kind,
          ),
        ]);
        yield* unusable;
        const where = referenceString(sigRef);
        if (kind === "attestation") {
          const { attestationOfLayer } = await attestationLayer();
          for (const s of sigs) yield attestationOfLayer(s, where);
        } else {
          for (const s of sigs) yield coreSignature(s, where, kind);
        }
        for (const b of bundles) {
          yield {
            kind,
            location: `${repositoryString(r)}@${b.manifestDigest}`,
            id: b.manifestDigest,
            bundle: b.json,
          };
        }
      }
    },
    async attach(
      sig: CoreStoredSignature,
      c: Context,
      options?: AttachOptions,
    ): Promise<AttachResult> {
      const { attachStored } = await import("./attach_stored.ts");
      return await attachStored(registry(), r, await digestString(), sig, c, options);
    },
    async children(): Promise<Artifact[]> {
      const { manifestTree } = await import("./sign_image.ts");
      const all = await manifestTree(registry(), r, await digestString());
      return all.slice(1).map((d) => {
        const child = withDigest(r, d);
        return imageArtifact(child, referenceString(child), ctx, registry());
      });
    },
    async verifiedOutput(v: VerifiedSignature): Promise<string> {
      if (v.stored.legacy) {
        const { verificationOutput } = await verificationOutputModule();
        return await verificationOutput(outputFields(v.stored));
      }
      const [{ encodeSimpleSigning }, { SIGN_PREDICATE_TYPE }] = await Promise.all([
        simpleSigning(),
        referrerBundles(),
      ]);
      return encodeSimpleSigning({
        dockerReference: name,
        digest: await digestString(),
        type: SIGN_PREDICATE_TYPE,
        optional: {},
      });
    },
    async manifest(): Promise<StoredManifest | undefined> {
      const d = await digestString();
      const m = await (manifestCache ??= registry().getManifest(withDigest(r, d)));
      if (isIndexMediaType(m.mediaType)) return undefined;
      return storedManifest(m.bytes, `${repositoryString(r)}@${d}`);
    },
    async fetchBlob(descriptor: ContentDescriptor, _c, options): Promise<Uint8Array> {
      return await registry().getBlobBytes(r, descriptor.digest, {
        maxSize: options?.maxBytes,
        size: descriptor.size,
      });
    },
    async open(): Promise<ReadableStream<Uint8Array>> {
      const d = await digestString();
      const pinned = `${repositoryString(r)}@${d}`;
      const m = await registry().getManifest(withDigest(r, d));
      if (isIndexMediaType(m.mediaType)) {
        throw new CosignError(
          "INVALID_INPUT",
          `Cannot fetch ${pinned}: it is an index, not a one-layer artifact`,
          { hint: "Pick one platform's manifest digest from the index." },
        );
      }
      const { manifestChildren } = await import("../../oci/transfer.ts");
      const { blobs } = manifestChildren(m, pinned);
      const doc = JSON.parse(new TextDecoder().decode(m.bytes));
      const layers = Array.isArray(doc.layers) ? doc.layers.length : 0;
      if (layers !== 1) {
        throw new CosignError(
          "INVALID_INPUT",
          `Cannot fetch ${pinned}: invalid artifact, it has ${layers} layers (expected exactly one)`,
          { hint: "sget fetches artifacts made by `cosign-ts upload blob`." },
        );
      }
      const layer = blobs[blobs.length - 1];
      // The client checks the digest and size as the content flows (a mismatch fails the stream).
      return await registry().getBlob(r, layer.digest, {
        size: layer.size,
        maxSize: Number.MAX_SAFE_INTEGER,
      });
    },
  };
  return artifact;
}

function claims(message: string): CosignError {
  return new CosignError("VERIFY", message, { check: "claims" });
}

function inTotoStatement(
  payload: Uint8Array,
): { predicateType?: string; subject: unknown[] } | undefined {
  if (payload[0] !== 0x7b) return undefined;
  try {
    const s = JSON.parse(new TextDecoder().decode(payload));
    if (typeof s?._type === "string" && s._type.startsWith("https://in-toto.io/Statement")) {
      return {
        predicateType: typeof s.predicateType === "string" ? s.predicateType : undefined,
        subject: Array.isArray(s.subject) ? s.subject : [],
      };
    }
  } catch {
    // not JSON: the simple-signing parser says what is wrong
  }
  return undefined;
}

/**
 * Checks that a verified payload is about the image `digest`: cosign's simple-signing claims
 * (digest, annotations), or for a cosign v3 signature (an in-toto statement whose subject the
 * engine checked) the predicate type sign/v1 and the annotations on the image's subject. Throws
 * CosignError("VERIFY", check "claims").
 *
 * @example
 * ```ts
 * await checkImageClaims(payload, "sha256:…", { env: "prod" });
 * ```
 */
export async function checkImageClaims(
  payload: Uint8Array,
  digest: string,
  annotations: Record<string, string>,
): Promise<void> {
  const statement = inTotoStatement(payload);
  if (statement) {
    // A cosign v3 signature: the engine checked the subject; the predicate type says "sign".
    const { SIGN_PREDICATE_TYPE } = await referrerBundles();
    if (statement.predicateType !== SIGN_PREDICATE_TYPE) {
      throw claims(`predicate type ${statement.predicateType} is not ${SIGN_PREDICATE_TYPE}`);
    }
    // `-a`: cosign v3's sign writes them as the annotations of the image's subject.
    const [alg, hex] = digest.split(":");
    const subject = statement.subject.find((x) =>
      (x as { digest?: Record<string, unknown> })?.digest?.[alg] === hex
    ) as { annotations?: Record<string, unknown> } | undefined;
    for (const [k, v] of Object.entries(annotations)) {
      if (subject?.annotations?.[k] !== v) {
        throw claims(`missing or incorrect annotation ${k}=${v} in the v3 bundle's subject`);
      }
    }
    return;
  }
  const { checkClaims, parseSimpleSigningPayload } = await simpleSigning();
  let p;
  try {
    p = parseSimpleSigningPayload(payload);
  } catch (e) {
    throw claims((e as Error).message);
  }
  const why = checkClaims(p, digest, annotations);
  if (why) throw claims(why);
}

/** The "oci" artifact type. */
export const ociArtifactType: ArtifactType = {
  kind: "oci",
  description: OCI_ARTIFACT_DESCRIPTION,
  claims: claimsOciReference,
  resolve(ref: string, ctx: Context): Promise<Artifact> {
    try {
      return Promise.resolve(imageArtifact(parseReference(ref), ref, ctx));
    } catch (e) {
      return Promise.reject(e);
    }
  },
};
