/**
 * A registry repository as an {@link ImageSource} and an {@link ImageSink}, on the
 * {@link RegistryClient}. Manifests fetched by digest and blobs are checked against their
 * digests by the client; blobs go up by cross-repository mount when source and sink share a
 * registry, else streamed (the registry checks the digest when the upload completes).
 *
 * @example
 * ```ts
 * const src = registrySource(client, parseRepository("localhost:5000/a"));
 * const dst = registrySink(client, parseRepository("localhost:5000/b"));
 * const root = await src.manifest("v1");
 * if (root) await transferImage(src, dst, root, { tag: "v1" });
 * ```
 * @module
 */
import { CosignError } from "../core/errors.ts";
import type { RegistryClient } from "./client.ts";
import { type Repository, repositoryString, withDigest, withTag } from "./reference.ts";
import type { ImageSink, ImageSource, ManifestData } from "./transfer.ts";

/** Options for {@link registrySource}. */
export interface RegistrySourceOptions {
  /** Cap on blob downloads (default: no cap; image layers may be large). */
  maxBlobSize?: number;
}

/** The reference of `tagOrDigest` in `repo`. */
function refIn(repo: Repository, tagOrDigest: string) {
  return tagOrDigest.startsWith("sha256:")
    ? withDigest(repo, tagOrDigest)
    : withTag(repo, tagOrDigest);
}

/**
 * The repository as a source: `manifest()` is undefined on 404; blobs stream, checked against
 * digest and size (a mismatch fails the stream with CosignError("VERIFY")).
 */
export function registrySource(
  client: RegistryClient,
  repo: Repository,
  options: RegistrySourceOptions = {},
): ImageSource {
  return {
    name: repositoryString(repo),
    repository: repo,
    async manifest(tagOrDigest): Promise<ManifestData | undefined> {
      try {
        const m = await client.getManifest(refIn(repo, tagOrDigest));
        return { bytes: m.bytes, mediaType: m.mediaType, digest: m.digest };
      } catch (e) {
        if (e instanceof CosignError && e.code === "NOT_FOUND") return undefined;
        throw e;
      }
    },
    blob: (desc) =>
      client.getBlob(repo, desc.digest, {
        size: desc.size,
        maxSize: options.maxBlobSize ?? Number.MAX_SAFE_INTEGER,
      }),
  };
}

/** The repository as a sink: blobs mounted or uploaded, manifests put by digest or tag. */
export function registrySink(client: RegistryClient, repo: Repository): ImageSink {
  return {
    name: repositoryString(repo),
    hasBlob: (desc) => client.blobExists(repo, desc.digest),
    async putBlob(desc, source) {
      const from = source.repository;
      if (from && from.registry === repo.registry && from.repository !== repo.repository) {
        if (await client.mountBlob(repo, desc.digest, from)) return;
      }
      await client.putBlob(repo, await source.blob(desc), {
        digest: desc.digest,
        size: desc.size,
        mediaType: desc.mediaType,
        force: true,
      });
    },
    async putManifest(m, tag) {
      await client.putManifest(
        tag ? withTag(repo, tag) : withDigest(repo, m.digest),
        m.bytes,
        m.mediaType,
      );
    },
  };
}
