/**
 * A client for the OCI distribution API (registries): manifests and indexes, blobs (monolithic,
 * chunked and streamed uploads, cross-repository mounts, existing blobs skipped), tags, deletes,
 * and OCI 1.1 referrers with the tag-schema fallback (`sha256-<hex>` index) for registries
 * without the referrers API. Authentication: anonymous, Basic, and bearer tokens from the
 * registry's token server, with credentials from docker's config.json or given directly.
 *
 * This is the small facade; the work is split by concern as cosign's `pkg/oci/remote` does:
 * `transport.ts` (HTTP, auth, retries, deadlines), `manifests.ts`, `blobs.ts` (downloads and
 * uploads), `tags_referrers.ts`, with `client_options.ts` (options, defaults, limits and their
 * environment variables) and `registry_errors.ts` (errors and capped reads). Every public
 * method is one operation with a total deadline ({@link RegistryClientOptions.deadlineMs},
 * default 3 minutes) on top of the per-response timeout, and honours
 * {@link RegistryClientOptions.signal}.
 *
 * Everything fetched by digest is checked against the digest; downloads are capped
 * ({@link RegistryClientOptions.maxBlobSize}, `COSIGN_MAX_ATTACHMENT_SIZE`, default 128 MiB;
 * manifests at 4 MiB). Failures are {@link CosignError}s: AUTH (401/403, with a hint naming
 * `cosign-ts login`), NOT_FOUND (404, exit 11), NETWORK (refused, timeouts, 5xx after retries,
 * malformed answers), TOO_LARGE, INVALID_INPUT (bad references or digests).
 *
 * @example
 * ```ts
 * const client = new RegistryClient({ env: (n) => process.env[n] });
 * const m = await client.getManifest("localhost:5000/app:v1");
 * const layer = await client.getBlobBytes("localhost:5000/app", JSON.parse(new TextDecoder().decode(m.bytes)).layers[0].digest);
 * console.log(client.requestCount);
 * ```
 * @module
 */
import type { CosignError } from "../core/errors.ts";
import { mapLimit } from "../core/map_limit.ts";
import type { Credential } from "./auth.ts";
import * as blobs from "./blobs.ts";
import type { GetBlobOptions, PutBlobOptions } from "./blobs.ts";
import { assertDigest } from "./digest.ts";
import * as manifests from "./manifests.ts";
import type { Descriptor, ManifestResult } from "./manifests.ts";
import {
  type Reference,
  type Repository,
  repositoryString,
  toReference,
  toRepository,
} from "./reference.ts";
import * as tagsReferrers from "./tags_referrers.ts";
import type { PutReferrerResult } from "./tags_referrers.ts";
import { abortError, RegistryTransport, streamWithin } from "./transport.ts";
import { refText } from "./registry_errors.ts";
import { type RegistryClientOptions } from "./client_options.ts";

export type { GetBlobOptions, PutBlobOptions } from "./blobs.ts";
export type { Descriptor, ManifestResult } from "./manifests.ts";
export type { PutReferrerResult } from "./tags_referrers.ts";
export * from "./client_options.ts";

/**
 * The registry client. One instance caches, per registry, the scheme (https, or http where
 * allowed), the authentication challenge, credentials and tokens per scope; make one per command
 * and reuse it. Counts its HTTP requests in {@link RegistryClient.requestCount}.
 */
export class RegistryClient {
  readonly #t: RegistryTransport;

  /**
   * Creates a client. Throws CosignError("INVALID_INPUT") for a malformed
   * COSIGN_MAX_ATTACHMENT_SIZE, COSIGN_TS_MAX_SIGNATURE_BYTES, COSIGN_TS_MAX_SIGNATURE_LAYERS,
   * COSIGN_TS_MAX_REFERRERS or
   * COSIGN_TS_MAX_TAG_PAGES.
   */
  constructor(options: RegistryClientOptions = {}) {
    this.#t = new RegistryTransport(options);
  }

  /** Cap on blob downloads in bytes. */
  get maxBlobSize(): number {
    return this.#t.maxBlobSize;
  }

  /** Cap on manifests in bytes. */
  get maxManifestSize(): number {
    return this.#t.maxManifestSize;
  }

  /**
   * Budget in bytes for the signature layers read for one image (`maxSignatureBytes`,
   * COSIGN_TS_MAX_SIGNATURE_BYTES, default 256 MiB).
   */
  get maxSignatureBytes(): number {
    return this.#t.maxSignatureBytes;
  }

  /**
   * Most signature layers read for one image (`maxSignatureLayers`,
   * COSIGN_TS_MAX_SIGNATURE_LAYERS, default 1000).
   */
  get maxSignatureLayers(): number {
    return this.#t.maxSignatureLayers;
  }

  /** Chunk size for chunked uploads. */
  get chunkSize(): number {
    return this.#t.chunkSize;
  }

  /** Number of HTTP requests made so far (registry and token server). */
  get requestCount(): number {
    return this.#t.requests;
  }

  /** Resets {@link RegistryClient.requestCount} to 0. */
  resetRequestCount(): void {
    this.#t.requests = 0;
  }

  /**
   * Fetches a manifest or index by tag or digest, asking for OCI and Docker media types (or
   * `accept`). Checks the bytes against the digest (the reference's, else Docker-Content-Digest).
   * Throws NOT_FOUND (404), AUTH, NETWORK, TOO_LARGE (over 4 MiB), VERIFY (digest mismatch).
   */
  getManifest(
    ref: Reference | string,
    options: { accept?: readonly string[] } = {},
  ): Promise<ManifestResult> {
    const r = toReference(ref);
    return this.#t.run(
      "get manifest",
      refText(r),
      (op) => manifests.getManifest(this.#t, op, r, options.accept),
    );
  }

  /**
   * HEADs a manifest: its descriptor (digest, size, media type), or undefined when it does not
   * exist (404). Falls back to GET when the registry sends no Docker-Content-Digest.
   * Throws AUTH, NETWORK.
   */
  headManifest(ref: Reference | string): Promise<Descriptor | undefined> {
    const r = toReference(ref);
    return this.#t.run(
      "look up manifest",
      refText(r),
      (op) => manifests.headManifest(this.#t, op, r),
    );
  }

  /**
   * Resolves a reference to its digest (HEAD, falling back to GET). A reference that already
   * has a digest is returned unchanged without a request. Throws NOT_FOUND when it does not exist.
   */
  resolveDigest(ref: Reference | string): Promise<string> {
    const r = toReference(ref);
    if (r.digest) return Promise.resolve(r.digest);
    return this.#t.run(
      "look up manifest",
      refText(r),
      (op) => manifests.resolveDigest(this.#t, op, r),
    );
  }

  /**
   * Uploads a manifest under the reference's tag (or digest) and returns its digest, checked
   * against the registry's Docker-Content-Digest. Throws TOO_LARGE (over 4 MiB), AUTH, NETWORK,
   * INVALID_INPUT (the registry rejected it, e.g. a blob it references is missing).
   */
  async putManifest(
    ref: Reference | string,
    bytes: Uint8Array,
    mediaType: string,
  ): Promise<string> {
    const r = toReference(ref);
    const put = await this.#t.run(
      "upload manifest",
      refText(r),
      (op) => manifests.putManifest(this.#t, op, r, bytes, mediaType),
    );
    return put.digest;
  }

  /**
   * Deletes a manifest. A tag reference is resolved to its digest first (the distribution API
   * deletes by digest). Throws NOT_FOUND when absent, UNSUPPORTED when the registry forbids
   * deletes (405), AUTH, NETWORK.
   */
  deleteManifest(ref: Reference | string): Promise<void> {
    const r = toReference(ref);
    return this.#t.run(
      "delete manifest",
      refText(r),
      (op) => manifests.deleteManifest(this.#t, op, r),
    );
  }

  /** True when the repository has the blob (HEAD 200), false on 404. Throws AUTH, NETWORK. */
  async blobExists(repo: Repository | string, digest: string): Promise<boolean> {
    const r = toRepository(repo);
    assertDigest(digest, "blob digest");
    const res = await this.#t.run(
      "look up blob",
      `${repositoryString(r)}@${digest}`,
      (op) => blobs.headBlob(this.#t, op, r, digest, [200, 404]),
    );
    return res.status === 200;
  }

  /**
   * Streams a blob, checking its digest (and size) as it flows: a mismatch makes the stream
   * fail with CosignError("VERIFY") at the end, so consumers must not commit output before the
   * stream completes. Over the cap: CosignError("TOO_LARGE") (before reading when the registry
   * announces the length). Throws NOT_FOUND, AUTH, NETWORK. The operation's deadline runs until
   * the stream ends (or is cancelled).
   */
  async getBlob(
    repo: Repository | string,
    digest: string,
    options: GetBlobOptions = {},
  ): Promise<ReadableStream<Uint8Array>> {
    const r = toRepository(repo);
    assertDigest(digest, "blob digest");
    const op = this.#t.begin("download blob", `${repositoryString(r)}@${digest}`);
    try {
      return streamWithin(await blobs.getBlob(this.#t, op, r, digest, options), op);
    } catch (e) {
      const err = op.signal.aborted ? abortError(op, e) : e as CosignError;
      op.dispose();
      throw err;
    }
  }

  /** Downloads a whole blob into memory, checked and capped like {@link RegistryClient.getBlob}. */
  async getBlobBytes(
    repo: Repository | string,
    digest: string,
    options: GetBlobOptions = {},
  ): Promise<Uint8Array> {
    const r = toRepository(repo);
    assertDigest(digest, "blob digest");
    return await this.#t.run(
      "download blob",
      `${repositoryString(r)}@${digest}`,
      (op) => blobs.getBlobBytes(this.#t, op, r, digest, options),
    );
  }

  /**
   * Downloads several blobs of one repository into memory, each checked and capped as by
   * {@link RegistryClient.getBlobBytes}, `concurrency` (default 10) at a time, as ONE operation:
   * one deadline for all of them (e.g. an image's signature layers). The first failure is
   * thrown, through `mapError` when given (with the blob's index). Results in `blobs` order.
   */
  async getBlobsBytes(
    repo: Repository | string,
    blobs_: readonly { digest: string; size?: number }[],
    options: {
      concurrency?: number;
      what?: string;
      mapError?: (e: unknown, index: number) => unknown;
    } = {},
  ): Promise<Uint8Array[]> {
    const r = toRepository(repo);
    for (const b of blobs_) assertDigest(b.digest, "blob digest");
    return await this.#t.run(
      options.what ?? "download blobs of",
      repositoryString(r),
      (op) =>
        mapLimit(blobs_, options.concurrency ?? 10, async ({ digest, size }, i) => {
          try {
            return await blobs.getBlobBytes(this.#t, op, r, digest, { size });
          } catch (e) {
            throw options.mapError ? options.mapError(e, i) : e;
          }
        }),
    );
  }

  /**
   * Mounts a blob from another repository of the same registry. True when mounted; false when
   * the registry declined (the caller must upload). Throws AUTH, NETWORK.
   */
  mountBlob(
    repo: Repository | string,
    digest: string,
    from: Repository | string,
  ): Promise<boolean> {
    const r = toRepository(repo);
    const f = toRepository(from);
    assertDigest(digest, "blob digest");
    return this.#t.run(
      "mount blob",
      `${repositoryString(r)}@${digest}`,
      (op) => blobs.mountBlob(this.#t, op, r, digest, f),
    );
  }

  /**
   * Uploads a blob and returns its descriptor. Skips the upload when the registry already has it
   * (digest known), tries a cross-repository mount when `mountFrom` is given, sends small blobs in
   * one POST + PUT and large or streamed ones as PATCH chunks (`chunkSize`). A stream's digest is
   * computed on the fly; a given digest that does not match fails the upload (INVALID_INPUT).
   * Throws AUTH, NETWORK (also when the registry dies mid-upload: never reports success).
   */
  putBlob(
    repo: Repository | string,
    data: Uint8Array | ReadableStream<Uint8Array>,
    options: PutBlobOptions = {},
  ): Promise<Descriptor> {
    const r = toRepository(repo);
    if (options.digest !== undefined) assertDigest(options.digest, "blob digest");
    const from = options.mountFrom ? toRepository(options.mountFrom) : undefined;
    return this.#t.run(
      "upload blob to",
      repositoryString(r),
      (op) => blobs.putBlob(this.#t, op, r, data, options, from),
    );
  }

  /**
   * Lists the repository's tags, following `Link: <…>; rel="next"` pages (`pageSize` per page
   * when given), at most `COSIGN_TS_MAX_TAG_PAGES` (1000) pages; a Link loop or too many pages is
   * an error, never a partial list. Throws NOT_FOUND when the repository does not exist, AUTH,
   * NETWORK, TOO_LARGE.
   */
  listTags(
    repo: Repository | string,
    options: { pageSize?: number } = {},
  ): Promise<string[]> {
    const r = toRepository(repo);
    return this.#t.run(
      "list tags of",
      repositoryString(r),
      (op) => tagsReferrers.listTags(this.#t, op, r, options.pageSize),
    );
  }

  /**
   * The referrers of `digest` in the repository (manifests whose `subject` is it), optionally
   * only those of `artifactType`. Uses the OCI 1.1 referrers API, falling back to the
   * `sha256-<hex>` tag index when the registry has no API. An image without referrers gives [].
   * More than `COSIGN_TS_MAX_REFERRERS` (256) referrers is TOO_LARGE. Throws AUTH, NETWORK.
   */
  referrers(
    repo: Repository | string,
    digest: string,
    artifactType?: string,
  ): Promise<Descriptor[]> {
    const r = toRepository(repo);
    return this.#t.run(
      "list referrers of",
      `${repositoryString(r)}@${digest}`,
      (op) => tagsReferrers.referrers(this.#t, op, r, digest, artifactType),
    );
  }

  /**
   * Pushes a referrer manifest (one with a `subject`) by digest. When the registry does not
   * index it itself (no `OCI-Subject` header), adds it to the `sha256-<hex>` fallback index,
   * then re-reads the index and retries (bounded backoff) until the entry is present, so
   * concurrent pushers do not lose entries. Throws INVALID_INPUT (no subject), AUTH, NETWORK.
   */
  putReferrer(
    repo: Repository | string,
    bytes: Uint8Array,
    mediaType: string,
  ): Promise<PutReferrerResult> {
    const r = toRepository(repo);
    return this.#t.run(
      "push referrer to",
      repositoryString(r),
      (op) => tagsReferrers.putReferrer(this.#t, op, r, bytes, mediaType),
    );
  }

  /**
   * Read-modify-write of the `sha256-<hex>` fallback referrers index of `subject`: `change` gets
   * the current entries and returns the new list (or undefined for "nothing to do"). Race-free
   * like cosign-ts's `.sig` appends: the tag is checked (HEAD) right before the PUT, and the
   * write is confirmed by a re-read after a settling delay; a write that did not stick is redone
   * (up to 20 attempts, with backoff) until `change` has nothing left to do, so concurrent
   * writers never lose each other's entries. Used by {@link RegistryClient.putReferrer}; also for removing
   * entries. Throws AUTH, NETWORK, or CONFLICT-like NETWORK when it cannot converge.
   */
  updateReferrersIndex(
    repo: Repository | string,
    subject: string,
    change: (entries: Descriptor[]) => Descriptor[] | undefined,
  ): Promise<void> {
    const r = toRepository(repo);
    return this.#t.run("update the referrers index of", `${repositoryString(r)}@${subject}`, (
      op,
    ) => tagsReferrers.updateReferrersIndex(this.#t, op, r, subject, change));
  }

  /**
   * Checks that `credential` is accepted by `registry` (as `docker login` does): Basic
   * registries get `GET /v2/` with it, token registries a token request with it. Anonymous
   * registries accept anything. Throws AUTH when rejected, NETWORK when unreachable.
   */
  checkCredentials(registry: string, credential: Credential): Promise<void> {
    return this.#t.checkCredentials(registry, credential);
  }
}
