/**
 * Media types of the OCI image spec and Docker's registry v2 schema 2, as registries send them.
 *
 * @example
 * ```ts
 * if (isIndexMediaType(m.mediaType)) { ... }
 * ```
 * @module
 */

/** OCI image manifest. */
export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
/** OCI image index. */
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
/** OCI image config. */
export const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
/** OCI empty descriptor (`{}`), used as config of artifacts. */
export const OCI_EMPTY = "application/vnd.oci.empty.v1+json";
/** OCI gzip layer. */
export const OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
/** OCI uncompressed layer. */
export const OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
/** Docker schema 2 manifest. */
export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
/** Docker manifest list. */
export const DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
/** Docker image config. */
export const DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
/** Docker gzip layer. */
export const DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";

/** Manifest media types that are single images (not indexes). */
export const IMAGE_MANIFEST_TYPES: readonly string[] = [OCI_MANIFEST, DOCKER_MANIFEST];
/** Manifest media types that are indexes. */
export const INDEX_MANIFEST_TYPES: readonly string[] = [OCI_INDEX, DOCKER_MANIFEST_LIST];
/** Everything we ask for in `Accept` when fetching a manifest. */
export const ALL_MANIFEST_TYPES: readonly string[] = [
  OCI_MANIFEST,
  OCI_INDEX,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
];

/** True for OCI indexes and Docker manifest lists. */
export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType !== undefined && INDEX_MANIFEST_TYPES.includes(mediaType);
}

/** True for OCI and Docker image manifests. */
export function isImageMediaType(mediaType: string | undefined): boolean {
  return mediaType !== undefined && IMAGE_MANIFEST_TYPES.includes(mediaType);
}
