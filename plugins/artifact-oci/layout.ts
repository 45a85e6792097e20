/**
 * cosign's storage layout for image signatures, to the byte:
 *
 * - signatures of `repo@sha256:<hex>` live at tag `sha256-<hex>.sig` (attestations `.att`,
 *   SBOMs `.sbom`) in the image's repository, or in `COSIGN_REPOSITORY` when set;
 * - the signature "image" is an OCI manifest (Docker media types with
 *   `COSIGN_DOCKER_MEDIA_TYPES=1`) whose config is what go-containerregistry writes for
 *   cosign's empty base image plus one layer per signature, and whose layers each hold one
 *   payload (media type `application/vnd.dev.cosign.simplesigning.v1+json`) with the signature
 *   in base64 in the layer annotation `dev.cosignproject.cosign/signature` and, when present,
 *   the certificate, chain, Rekor bundle and RFC 3161 timestamp in their own annotations.
 *
 * Manifests and configs are encoded as Go's json.Marshal writes go-containerregistry's structs.
 *
 * @example
 * ```ts
 * signatureTag("sha256:" + "ab".repeat(32)); // "sha256-abab….sig"
 * const img = buildSignatureImage([layer], { docker: false });
 * // push img.config (img.configDigest), each layer payload, then img.manifest at the tag
 * ```
 * @module
 */
import { base64 } from "@scure/base";
import { CosignError } from "../../core/errors.ts";
import { sha256Digest } from "../../oci/digest.ts";
import { DOCKER_CONFIG, DOCKER_MANIFEST, OCI_CONFIG, OCI_MANIFEST } from "../../oci/media_types.ts";
import { goJson, goMap } from "../../core/go_json.ts";

/** Media type of a simple-signing payload layer. */
export const SIMPLE_SIGNING_MEDIA_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json";
/** Layer annotation holding the base64 signature. */
export const SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature";
/** Layer annotation holding the PEM signing certificate. */
export const CERTIFICATE_ANNOTATION = "dev.sigstore.cosign/certificate";
/** Layer annotation holding the PEM certificate chain. */
export const CHAIN_ANNOTATION = "dev.sigstore.cosign/chain";
/** Layer annotation holding the Rekor bundle JSON. */
export const BUNDLE_ANNOTATION = "dev.sigstore.cosign/bundle";
/** Layer annotation holding the RFC 3161 timestamp JSON. */
export const RFC3161_ANNOTATION = "dev.sigstore.cosign/rfc3161timestamp";

/** Tag suffixes cosign uses: signatures, attestations, SBOMs. */
export type SignatureSuffix = "sig" | "att" | "sbom";

const DIGEST_RE = /^(sha256|sha384|sha512):([0-9a-f]+)$/;

/**
 * The tag cosign stores attachments of `digest` under: `sha256-<hex>.<suffix>`.
 * Throws CosignError("INVALID_INPUT") for something that is not a digest.
 *
 * @example
 * ```ts
 * signatureTag("sha256:" + "0".repeat(64), "att"); // "sha256-000….att"
 * ```
 */
export function signatureTag(digest: string, suffix: SignatureSuffix = "sig"): string {
  if (!DIGEST_RE.test(digest)) {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot name the signature tag of "${digest}": not a digest`,
    );
  }
  return `${digest.replace(":", "-")}.${suffix}`;
}

/** Go's strconv.ParseBool, as cosign reads COSIGN_DOCKER_MEDIA_TYPES. */
function goBool(v: string | undefined): boolean {
  return v !== undefined && ["1", "t", "T", "TRUE", "true", "True"].includes(v);
}

/**
 * True when `COSIGN_DOCKER_MEDIA_TYPES` asks for Docker media types (Go's ParseBool: 1, t, true…).
 *
 * @example
 * ```ts
 * useDockerMediaTypes((n) => process.env[n]);
 * ```
 */
export function useDockerMediaTypes(env: (name: string) => string | undefined): boolean {
  return goBool(env("COSIGN_DOCKER_MEDIA_TYPES"));
}

/** An OCI descriptor, with go-containerregistry's field order. */
export interface Descriptor {
  /** Media type. */
  mediaType: string;
  /** Size in bytes. */
  size: number;
  /** "sha256:…". */
  digest: string;
  /** Embedded data (base64 in JSON). */
  data?: string;
  /** Alternative URLs. */
  urls?: string[];
  /** Annotations. */
  annotations?: Record<string, string>;
  /** Platform (indexes). */
  platform?: Record<string, unknown>;
  /** Artifact type (OCI 1.1). */
  artifactType?: string;
}

/** Encodes a descriptor as Go writes v1.Descriptor. */
function descriptorObject(d: Descriptor): Record<string, unknown> {
  return {
    mediaType: d.mediaType,
    size: d.size,
    digest: d.digest,
    data: d.data,
    urls: d.urls?.length ? d.urls : undefined,
    annotations: d.annotations && Object.keys(d.annotations).length
      ? goMap(d.annotations)
      : undefined,
    platform: d.platform,
    artifactType: d.artifactType || undefined,
  };
}

/** One signature as stored: payload bytes plus layer annotations. */
export interface SignatureLayer {
  /** The payload (the layer's content). */
  payload: Uint8Array;
  /** Layer media type (simple signing for signatures; DSSE for attestations). */
  mediaType: string;
  /** Layer annotations: at least {@link SIGNATURE_ANNOTATION}. */
  annotations: Record<string, string>;
}

/** Options for {@link newSignatureLayer}. */
export interface NewSignatureLayerOptions {
  /** PEM signing certificate. */
  certificate?: string;
  /** PEM certificates of the chain (joined with "\n" as cosign does). */
  chain?: string[];
  /** Rekor bundle JSON text (as cosign's json.Marshal of its RekorBundle). */
  bundle?: string;
  /** RFC 3161 timestamp JSON text. */
  rfc3161Timestamp?: string;
  /** Layer media type; default {@link SIMPLE_SIGNING_MEDIA_TYPE}. */
  mediaType?: string;
}

/**
 * A signature layer as cosign's `static.NewSignature` builds it: the payload, the base64
 * signature annotation, and certificate/chain/bundle/timestamp annotations when given.
 *
 * @example
 * ```ts
 * const layer = newSignatureLayer(payload, signatureBytes);
 * ```
 */
export function newSignatureLayer(
  payload: Uint8Array,
  signature: Uint8Array | string,
  options: NewSignatureLayerOptions = {},
): SignatureLayer {
  const annotations: Record<string, string> = {};
  if (options.certificate) {
    annotations[CERTIFICATE_ANNOTATION] = options.certificate;
    annotations[CHAIN_ANNOTATION] = (options.chain ?? []).join("\n");
  }
  if (options.bundle) annotations[BUNDLE_ANNOTATION] = options.bundle;
  if (options.rfc3161Timestamp) annotations[RFC3161_ANNOTATION] = options.rfc3161Timestamp;
  annotations[SIGNATURE_ANNOTATION] = typeof signature === "string"
    ? signature
    : base64.encode(signature);
  return {
    payload,
    mediaType: options.mediaType ?? SIMPLE_SIGNING_MEDIA_TYPE,
    annotations,
  };
}

/** The descriptor of a signature layer. */
export function layerDescriptor(layer: SignatureLayer): Descriptor {
  return {
    mediaType: layer.mediaType,
    size: layer.payload.length,
    digest: sha256Digest(layer.payload),
    annotations: { ...layer.annotations },
  };
}

/** A parsed signature manifest (the `.sig` image). */
export interface SignatureManifest {
  /** Manifest media type (OCI or Docker). */
  mediaType: string;
  /** Config descriptor. */
  config: Descriptor;
  /** One descriptor per signature. */
  layers: Descriptor[];
  /** Manifest annotations, if any. */
  annotations?: Record<string, string>;
  /** OCI 1.1 subject, if any. */
  subject?: Descriptor;
}

/** The signature image ready to push: config blob, manifest bytes and their digests. */
export interface SignatureImage {
  /** Config JSON bytes. */
  config: Uint8Array;
  /** Config digest. */
  configDigest: string;
  /** Manifest JSON bytes (push these exact bytes). */
  manifest: Uint8Array;
  /** Manifest digest. */
  manifestDigest: string;
  /** Manifest media type (Content-Type of the PUT). */
  mediaType: string;
  /** Config media type. */
  configMediaType: string;
  /** The layer descriptors in the manifest, in order. */
  layers: Descriptor[];
}

/** Options for {@link buildSignatureImage}. */
export interface BuildSignatureImageOptions {
  /** Docker media types (COSIGN_DOCKER_MEDIA_TYPES=1) for a new image. */
  docker?: boolean;
  /**
   * The image this one extends: its media types and manifest annotations are kept; its subject
   * is dropped, as go-containerregistry's mutate.Append does.
   */
  base?: SignatureManifest;
  /** `created` of a new image's config (default now); kept from `baseConfig` when it has one. */
  created?: Date;
  /** The base image's parsed config (for its `created`). */
  baseConfig?: { created?: string };
}

/** Go's time.Time JSON form (RFC 3339 with trailing fractional zeros trimmed). */
export function goTime(d: Date): string {
  const iso = d.toISOString(); // 2026-01-02T03:04:05.120Z
  return iso.replace(/\.(\d*?)0*Z$/, (_m, frac: string) => (frac ? `.${frac}Z` : "Z"));
}

const ZERO_TIME = "0001-01-01T00:00:00Z";

/**
 * Builds the signature image for the given layer descriptors, as go-containerregistry's
 * `mutate.Append` on cosign's empty base writes it: config
 * `{"architecture":"","created":…,"history":[{"created":"0001-01-01T00:00:00Z"}…],"os":"","rootfs":{"type":"layers","diff_ids":[…]},"config":{}}`
 * and a schema-2 manifest listing the config and the layers.
 *
 * @example
 * ```ts
 * const img = buildSignatureImage([layerDescriptor(layer)], { docker: false });
 * ```
 */
export function buildSignatureImage(
  layers: Descriptor[],
  options: BuildSignatureImageOptions = {},
): SignatureImage {
  const base = options.base;
  const docker = options.docker ?? false;
  const manifestType = base?.mediaType ?? (docker ? DOCKER_MANIFEST : OCI_MANIFEST);
  const configType = base?.config.mediaType ?? (docker ? DOCKER_CONFIG : OCI_CONFIG);
  const created = options.baseConfig?.created && options.baseConfig.created !== ZERO_TIME
    ? options.baseConfig.created
    : goTime(options.created ?? new Date());
  const config = new TextEncoder().encode(goJson({
    architecture: "",
    created,
    history: layers.map(() => ({ created: ZERO_TIME })),
    os: "",
    // For these uncompressed layers the diff ID is the layer digest.
    rootfs: { type: "layers", diff_ids: layers.map((l) => l.digest) },
    config: {},
  }));
  const configDigest = sha256Digest(config);
  const manifestObj = {
    schemaVersion: 2,
    mediaType: manifestType,
    config: descriptorObject({ mediaType: configType, size: config.length, digest: configDigest }),
    layers: layers.map(descriptorObject),
    annotations: base?.annotations && Object.keys(base.annotations).length
      ? goMap(base.annotations)
      : undefined,
  };
  const manifest = new TextEncoder().encode(goJson(manifestObj));
  return {
    config,
    configDigest,
    manifest,
    manifestDigest: sha256Digest(manifest),
    mediaType: manifestType,
    configMediaType: configType,
    layers,
  };
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function parseDescriptor(v: unknown, where: string): Descriptor {
  const bad = (what: string): never => {
    throw new CosignError("INVALID_INPUT", `Cannot read signature manifest: ${where} ${what}`);
  };
  if (!isObj(v)) bad("is not an object");
  const o = v as Record<string, unknown>;
  if (typeof o.mediaType !== "string") bad("has no mediaType");
  if (typeof o.digest !== "string" || !/^sha256:[0-9a-f]{64}$/.test(o.digest as string)) {
    bad("has no valid sha256 digest");
  }
  if (typeof o.size !== "number" || !Number.isSafeInteger(o.size) || (o.size as number) < 0) {
    bad("has no valid size");
  }
  const d: Descriptor = {
    mediaType: o.mediaType as string,
    size: o.size as number,
    digest: o.digest as string,
  };
  if (typeof o.data === "string") d.data = o.data;
  if (Array.isArray(o.urls)) d.urls = o.urls.filter((u): u is string => typeof u === "string");
  if (o.annotations !== undefined && o.annotations !== null) {
    if (!isObj(o.annotations)) bad("has annotations that are not an object");
    const ann: Record<string, string> = {};
    for (const [k, x] of Object.entries(o.annotations as Record<string, unknown>)) {
      if (typeof x !== "string") bad(`has a non-string annotation "${k}"`);
      ann[k] = x as string;
    }
    d.annotations = ann;
  }
  if (isObj(o.platform)) d.platform = o.platform;
  if (typeof o.artifactType === "string") d.artifactType = o.artifactType;
  return d;
}

/**
 * Parses a signature manifest. Throws CosignError("INVALID_INPUT") for something that is not
 * a schema-2 image manifest with valid descriptors.
 *
 * @example
 * ```ts
 * const m = parseSignatureManifest(bytes);
 * for (const l of m.layers) console.log(l.annotations?.[SIGNATURE_ANNOTATION]);
 * ```
 */
export function parseSignatureManifest(bytes: Uint8Array): SignatureManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new CosignError("INVALID_INPUT", "Cannot read signature manifest: it is not JSON");
  }
  if (!isObj(doc)) {
    throw new CosignError("INVALID_INPUT", "Cannot read signature manifest: not a JSON object");
  }
  if (doc.schemaVersion !== 2) {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot read signature manifest: schemaVersion ${
        JSON.stringify(doc.schemaVersion)
      }, expected 2`,
    );
  }
  const mediaType = typeof doc.mediaType === "string" ? doc.mediaType : OCI_MANIFEST;
  if (mediaType !== OCI_MANIFEST && mediaType !== DOCKER_MANIFEST) {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot read signature manifest: media type ${mediaType} is not an image manifest`,
    );
  }
  if (!Array.isArray(doc.layers)) {
    throw new CosignError("INVALID_INPUT", "Cannot read signature manifest: it has no layers");
  }
  const m: SignatureManifest = {
    mediaType,
    config: parseDescriptor(doc.config, "the config"),
    layers: doc.layers.map((l, i) => parseDescriptor(l, `layer ${i}`)),
  };
  if (isObj(doc.annotations)) {
    m.annotations = Object.fromEntries(
      Object.entries(doc.annotations).filter(([, v]) => typeof v === "string"),
    ) as Record<string, string>;
  }
  if (doc.subject !== undefined) m.subject = parseDescriptor(doc.subject, "the subject");
  return m;
}

/**
 * True when two descriptors hold the same signature: same payload digest, media type and
 * annotations (the signature annotation included). Used to merge concurrent writes.
 */
export function sameLayer(a: Descriptor, b: Descriptor): boolean {
  if (a.digest !== b.digest || a.mediaType !== b.mediaType) return false;
  const ka = Object.entries(a.annotations ?? {});
  const kb = b.annotations ?? {};
  return ka.length === Object.keys(kb).length && ka.every(([k, v]) => kb[k] === v);
}

/**
 * cosign's duplicate detection (`remote.NewDupeDetector`): an existing layer duplicates the new
 * one when it has the same payload digest and media type, carries every non-signature
 * annotation of the new one with the same value, and its signature verifies over the new
 * payload with the signer's key (`verify`). Returns the duplicate, or undefined.
 *
 * @example
 * ```ts
 * const dupe = await findDuplicate(existing, layerDescriptor(layer), layer.payload, verifyFn);
 * if (dupe) ctx.log.info("signature already present");
 * ```
 */
export async function findDuplicate(
  existing: Descriptor[],
  candidate: Descriptor,
  payload: Uint8Array,
  verify: (payload: Uint8Array, signature: Uint8Array) => Promise<boolean>,
): Promise<Descriptor | undefined> {
  outer: for (const e of existing) {
    if (e.digest !== candidate.digest || e.mediaType !== candidate.mediaType) continue;
    const ea = e.annotations ?? {};
    for (const [k, v] of Object.entries(candidate.annotations ?? {})) {
      if (k === SIGNATURE_ANNOTATION) continue;
      if (ea[k] !== v) continue outer;
    }
    const sig = ea[SIGNATURE_ANNOTATION];
    if (!sig) continue;
    if (sig === candidate.annotations?.[SIGNATURE_ANNOTATION]) return e;
    let raw: Uint8Array;
    try {
      raw = Uint8Array.from(atob(sig), (c) => c.charCodeAt(0));
    } catch {
      continue;
    }
    if (await verify(payload, raw).catch(() => false)) return e;
  }
  return undefined;
}
