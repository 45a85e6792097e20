/**
 * Writing a Sigstore bundle v0.3 as an OCI 1.1 referrer of an image, byte for byte as cosign v3
 * does (`ociremote.WriteAttestationNewBundleFormat` → `WriteReferrer`, Go `encoding/json`):
 *
 * - the empty config `{}` (descriptor media type `application/vnd.oci.empty.v1+json`, with the
 *   bundle media type as its `artifactType`) and the bundle JSON as the one layer (media type
 *   `application/vnd.dev.sigstore.bundle.v0.3+json`, title annotation
 *   `sha256-<hex>.sigstore.json`);
 * - a manifest with `subject` = the image's descriptor (media type, size, digest), manifest
 *   annotations `dev.sigstore.bundle.content` (`dsse-envelope`),
 *   `dev.sigstore.bundle.predicateType` and `org.opencontainers.image.created` (RFC 3339,
 *   seconds), and `artifactType` = the bundle media type, pushed by digest;
 * - the registry indexes it itself (referrers API, `OCI-Subject` answered), or the client adds it
 *   to the referrers tag schema's index `sha256-<hex>` race-free
 *   (RegistryClient.putReferrer → updateReferrersIndex), so concurrent signers lose nothing.
 *
 * @example
 * ```ts
 * const r = await writeBundleReferrer(client, withDigest(repo, digest), bundleBytes, {
 *   predicateType: "https://slsa.dev/provenance/v1",
 * });
 * console.log(r.digest, r.via); // "sha256:…", "tag"
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { Descriptor, PutReferrerResult, RegistryClient } from "../../oci/client.ts";
import { digestHex, sha256Digest } from "../../oci/digest.ts";
import { OCI_CONFIG, OCI_EMPTY, OCI_MANIFEST } from "../../oci/media_types.ts";
import { type Reference, referenceString } from "../../oci/reference.ts";
import { goJsonBytes, goMap } from "../../core/go_json.ts";
import { TITLE_ANNOTATION } from "./upload_files.ts";
import { BUNDLE_ARTIFACT_TYPE, PREDICATE_TYPE_ANNOTATION } from "./referrer_bundles.ts";

/** Manifest annotation saying what the bundle holds (`dsse-envelope` or `message-signature`). */
export const BUNDLE_CONTENT_ANNOTATION = "dev.sigstore.bundle.content";
/** OCI's creation-time annotation. */
export const CREATED_ANNOTATION = "org.opencontainers.image.created";

const EMPTY_CONFIG = new TextEncoder().encode("{}");

/** Options for {@link bundleReferrerManifest} and {@link writeBundleReferrer}. */
export interface BundleReferrerOptions {
  /** The in-toto predicate type of the bundle's statement (DSSE bundles). */
  predicateType?: string;
  /** What the bundle holds (default "dsse-envelope", the only kind cosign stores on images). */
  content?: "dsse-envelope" | "message-signature";
  /** Creation time for the annotation (default now). */
  created?: Date;
}

/** RFC 3339 in UTC, whole seconds, as Go's `time.RFC3339` formats a UTC time. */
function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * The referrer manifest bytes cosign writes for `bundle` about the image `subject` (see the
 * module documentation), and the layer descriptor of the bundle blob.
 *
 * @example
 * ```ts
 * const { manifest } = bundleReferrerManifest(subject, bundleBytes, { predicateType });
 * ```
 */
export function bundleReferrerManifest(
  subject: Descriptor,
  bundle: Uint8Array,
  options: BundleReferrerOptions = {},
): { manifest: Uint8Array; layer: Descriptor; config: Descriptor } {
  const layerDigest = sha256Digest(bundle);
  const layer: Descriptor = {
    mediaType: BUNDLE_ARTIFACT_TYPE,
    digest: layerDigest,
    size: bundle.length,
    annotations: { [TITLE_ANNOTATION]: `sha256-${digestHex(layerDigest)}.sigstore.json` },
  };
  const config: Descriptor = {
    mediaType: OCI_EMPTY,
    digest: sha256Digest(EMPTY_CONFIG),
    size: EMPTY_CONFIG.length,
    artifactType: BUNDLE_ARTIFACT_TYPE,
  };
  const annotations: Record<string, string> = {
    [BUNDLE_CONTENT_ANNOTATION]: options.content ?? "dsse-envelope",
    [CREATED_ANNOTATION]: rfc3339(options.created ?? new Date()),
  };
  if (options.predicateType !== undefined) {
    annotations[PREDICATE_TYPE_ANNOTATION] = options.predicateType;
  }
  // Go's v1.Manifest field order (schemaVersion, mediaType, config, layers, annotations,
  // subject) with cosign's artifactType appended; v1.Descriptor: mediaType, size, digest,
  // annotations, artifactType; maps sorted.
  const manifest = goJsonBytes({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: {
      mediaType: config.mediaType,
      size: config.size,
      digest: config.digest,
      artifactType: BUNDLE_ARTIFACT_TYPE,
    },
    layers: [{
      mediaType: layer.mediaType,
      size: layer.size,
      digest: layer.digest,
      annotations: goMap(layer.annotations!),
    }],
    annotations: goMap(annotations),
    subject: { mediaType: subject.mediaType, size: subject.size, digest: subject.digest },
    artifactType: BUNDLE_ARTIFACT_TYPE,
  });
  return { manifest, layer, config };
}

/**
 * Pushes `bundle` as a referrer of `image` (a reference with a digest): config and bundle blobs,
 * then the manifest by digest, indexed by the registry or in the race-free fallback index.
 * Throws NOT_FOUND when the image does not exist, INVALID_INPUT for a reference without a
 * digest, AUTH/NETWORK from the registry.
 *
 * @example
 * ```ts
 * await writeBundleReferrer(client, withDigest(repo, "sha256:…"), bytes, { predicateType });
 * ```
 */
export async function writeBundleReferrer(
  client: RegistryClient,
  image: Reference,
  bundle: Uint8Array,
  options: BundleReferrerOptions = {},
): Promise<PutReferrerResult> {
  if (!image.digest) {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot attach a bundle to ${referenceString(image)}: the image must be named by digest`,
    );
  }
  const subject = await client.headManifest(image);
  if (!subject) {
    throw new CosignError(
      "NOT_FOUND",
      `Cannot attach a bundle to ${referenceString(image)}: the image does not exist`,
      { hint: "Push the image first, or check the reference." },
    );
  }
  const { manifest, layer } = bundleReferrerManifest(subject, bundle, options);
  const repo = { registry: image.registry, repository: image.repository };
  await client.putBlob(repo, EMPTY_CONFIG, {
    digest: sha256Digest(EMPTY_CONFIG),
    mediaType: OCI_CONFIG,
  });
  await client.putBlob(repo, bundle, { digest: layer.digest, mediaType: layer.mediaType });
  return await client.putReferrer(repo, manifest, OCI_MANIFEST);
}
