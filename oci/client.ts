/**
 * A client for the OCI distribution API (registries): manifests and indexes, blobs (monolithic,
 * chunked and streamed uploads, cross-repository mounts, existing blobs skipped), tags, deletes,
 * and OCI 1.1 referrers with the tag-schema fallback (`sha256-<hex>` index) for registries
 * without the referrers API. Authentication: anonymous, Basic, and bearer tokens from the
 * registry's token server, with credentials from docker's config.json or given directly.
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
import { concatBytes } from "../core/concat_bytes.ts";
import { CosignError, describeError } from "../core/errors.ts";
import type { Logger } from "../core/plugin.ts";
import {
  type AuthChallenge,
  basicAuthHeader,
  type BearerToken,
  type Credential,
  fetchBearerToken,
  parseWwwAuthenticate,
} from "./auth.ts";
import { assertDigest, digestHex, sha256Digest, sha256Hasher } from "./digest.ts";
import { resolveCredential } from "./docker_config.ts";
import { ALL_MANIFEST_TYPES, OCI_INDEX } from "./media_types.ts";
import {
  identifier,
  isLocalRegistry,
  type Reference,
  type Repository,
  repositoryString,
  toReference,
  toRepository,
} from "./reference.ts";
import {
  backoffDelay,
  DEFAULT_RETRY,
  isRetryableStatus,
  type RetryPolicy,
  sleep,
} from "./retry.ts";

/** cosign's default cap on downloaded attachments: 128 MiB. */
export const DEFAULT_MAX_BLOB_SIZE = 128 * 1024 * 1024;
/** Cap on manifests (distribution's own limit): 4 MiB. */
export const DEFAULT_MAX_MANIFEST_SIZE = 4 * 1024 * 1024;
/** Default chunk size for chunked uploads: 8 MiB. Blobs up to this size go up in one PUT. */
export const DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024;
/** Default time allowed for a response's headers: 60 s. */
export const DEFAULT_TIMEOUT_MS = 60_000;

/** An OCI content descriptor. */
export interface Descriptor {
  /** Media type of the referenced content. */
  mediaType: string;
  /** "sha256:<hex>". */
  digest: string;
  /** Size in bytes. */
  size: number;
  /** Artifact type (OCI 1.1), in referrers and indexes. */
  artifactType?: string;
  /** Annotations. */
  annotations?: Record<string, string>;
  /** Platform, in indexes. */
  platform?: Record<string, unknown>;
  /** Alternative URLs. */
  urls?: string[];
  /** Inline data, base64. */
  data?: string;
}

/** A fetched manifest (image manifest or index) with its exact bytes. */
export interface ManifestResult {
  /** The bytes as the registry stored them (their digest is `digest`). */
  bytes: Uint8Array;
  /** Content-Type, or the manifest's own `mediaType` field. */
  mediaType: string;
  /** "sha256:<hex>" of `bytes` (checked). */
  digest: string;
  /** Byte length. */
  size: number;
}

/** One request the client made (for counting and benchmarks). */
export interface RequestInfo {
  /** HTTP method. */
  method: string;
  /** Full URL. */
  url: string;
  /** HTTP status, or 0 when the connection failed. */
  status: number;
}

/** Options of {@link RegistryClient}. */
export interface RegistryClientOptions {
  /** Environment lookup: DOCKER_CONFIG, HOME, COSIGN_MAX_ATTACHMENT_SIZE. Default: none. */
  env?: (name: string) => string | undefined;
  /**
   * Credentials: fixed for every registry, or a lookup by registry host. Default: docker's
   * config.json (`DOCKER_CONFIG` or `~/.docker/config.json`, with credential helpers).
   */
  credentials?: Credential | ((registry: string) => Promise<Credential | undefined>);
  /** Allow plain HTTP to any registry (cosign's --allow-http-registry). */
  allowHttp?: boolean;
  /** Allow plain HTTP and skip TLS verification (cosign's --allow-insecure-registry). */
  insecure?: boolean;
  /** Extra trusted CA certificates, PEM text (cosign's --registry-cacert, read by the caller). */
  caCerts?: string[];
  /** Cap on blob downloads in bytes. Default: COSIGN_MAX_ATTACHMENT_SIZE or 128 MiB. */
  maxBlobSize?: number;
  /** Cap on manifests in bytes. Default 4 MiB. */
  maxManifestSize?: number;
  /** Chunk size for chunked uploads. Default 8 MiB. */
  chunkSize?: number;
  /** Time allowed for each response's headers, ms. Default 60 s. */
  timeoutMs?: number;
  /** Retry policy for 429, 5xx and dropped connections. */
  retry?: Partial<RetryPolicy>;
  /** User-Agent header. */
  userAgent?: string;
  /** Called after every HTTP request (registry and token server). */
  onRequest?: (info: RequestInfo) => void;
  /** Cancels everything. */
  signal?: AbortSignal;
  /** Debug messages. */
  log?: Logger;
  /** A fetch implementation (default: global fetch, or one honouring caCerts/insecure). */
  fetch?: typeof fetch;
}

/** Options of {@link RegistryClient.putBlob}. */
export interface PutBlobOptions {
  /** The blob's digest if known (required to skip or mount a streamed blob). */
  digest?: string;
  /** The blob's size if known (for streams). */
  size?: number;
  /** Media type to put in the returned descriptor (default application/octet-stream). */
  mediaType?: string;
  /** Try a cross-repository mount from this repository (same registry) first. */
  mountFrom?: Repository | string;
  /** Chunk size for this upload (default: the client's). */
  chunkSize?: number;
  /** Upload even if the registry already has the blob. */
  force?: boolean;
}

/** Options of {@link RegistryClient.getBlob}. */
export interface GetBlobOptions {
  /** Cap in bytes (default: the client's maxBlobSize). */
  maxSize?: number;
  /** Expected size (e.g. from a descriptor): a different length is an error. */
  size?: number;
}

/** Result of {@link RegistryClient.putReferrer}. */
export interface PutReferrerResult {
  /** Digest of the pushed referrer manifest. */
  digest: string;
  /** "api" when the registry indexes referrers itself, "tag" when the fallback index was updated. */
  via: "api" | "tag";
}

type Actions = "pull" | "push" | "delete";

interface RequestSpec {
  method: string;
  repo: Repository;
  /** Path after /v2/, or an absolute URL (upload locations). */
  path: string;
  actions: Actions;
  extraScopes?: string[];
  headers?: Record<string, string>;
  body?: Uint8Array | ReadableStream<Uint8Array> | string;
  /** What we were doing, for messages: "get manifest", "upload blob". */
  what: string;
  /** The object concerned, for messages. */
  target: string;
  /** May be retried on dropped connections and 429/5xx (idempotent, replayable body). */
  retryable: boolean;
  /** Statuses the caller handles itself (no error thrown). */
  expect: number[];
}

interface RegistryState {
  base?: Promise<string>;
  challenge?: AuthChallenge;
  credential?: Promise<Credential | undefined>;
  tokens: Map<string, BearerToken>;
  referrersApi?: boolean;
}

const EMPTY_INDEX = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] as Descriptor[] };

/** Parses sizes like "134217728", "128MiB", "10MB", "64k". Undefined when malformed. */
export function parseByteSize(s: string | undefined): number | undefined {
  if (s === undefined || s.trim() === "") return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?)b?\s*$/i.exec(s);
  if (!m) return undefined;
  const unit = m[2].toLowerCase();
  const base = m[3] || unit === "" ? 1024 : 1000;
  const pow = { "": 0, k: 1, m: 2, g: 3, t: 4 }[unit] ?? 0;
  return Math.floor(Number(m[1]) * base ** pow);
}

/** Reads a response body up to `max` bytes; throws TOO_LARGE beyond it. */
async function readCapped(res: Response, max: number, what: string): Promise<Uint8Array> {
  const len = Number(res.headers.get("content-length") ?? NaN);
  if (Number.isFinite(len) && len > max) {
    await res.body?.cancel();
    throw tooLarge(what, len, max);
  }
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await readStep(reader, "download", what);
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel();
      throw tooLarge(what, total, max);
    }
    parts.push(value);
  }
  return concatBytes(parts, total);
}

function tooLarge(what: string, size: number, max: number): CosignError {
  return new CosignError(
    "TOO_LARGE",
    `Cannot download ${what}: it is larger than the limit of ${max} bytes (${
      size > max ? `${size} bytes or more` : "too large"
    })`,
    {
      hint:
        "If this is expected, raise the limit with COSIGN_MAX_ATTACHMENT_SIZE (bytes, e.g. 268435456).",
    },
  );
}

interface RegistryErrorBody {
  errors?: { code?: string; message?: string; detail?: unknown }[];
}

async function errorSummary(res: Response): Promise<string> {
  let text = "";
  try {
    text = new TextDecoder().decode(await readCapped(res, 64 * 1024, "error body"));
  } catch {
    return "";
  }
  try {
    const j = JSON.parse(text) as RegistryErrorBody;
    if (Array.isArray(j.errors) && j.errors.length) {
      return j.errors.map((e) => [e.code, e.message].filter(Boolean).join(": ")).join("; ");
    }
  } catch { /* not JSON */ }
  return text.trim().slice(0, 200);
}

function parseLinkNext(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(",")) {
    const m = /<([^>]*)>\s*;(.*)/.exec(part.trim());
    if (m && /rel="?next"?/.test(m[2])) return m[1];
  }
  return undefined;
}

function manifestMediaType(bytes: Uint8Array, header: string | null): string {
  const ct = header?.split(";")[0].trim();
  if (ct && ct !== "application/json" && ct !== "application/octet-stream" && ct !== "text/plain") {
    return ct;
  }
  try {
    const j = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof j?.mediaType === "string") return j.mediaType;
  } catch { /* fall through */ }
  return ct || "application/vnd.oci.image.manifest.v1+json";
}

/**
 * The registry client. One instance caches, per registry, the scheme (https, or http where
 * allowed), the authentication challenge, credentials and tokens per scope; make one per command
 * and reuse it. Counts its HTTP requests in {@link RegistryClient.requestCount}.
 */
export class RegistryClient {
  readonly #opts: RegistryClientOptions;
  readonly #fetch: typeof fetch;
  readonly #registries = new Map<string, RegistryState>();
  readonly #retry: RetryPolicy;
  /** Cap on blob downloads in bytes. */
  readonly maxBlobSize: number;
  /** Cap on manifests in bytes. */
  readonly maxManifestSize: number;
  /** Chunk size for chunked uploads. */
  readonly chunkSize: number;
  #requests = 0;

  /**
   * Creates a client. Throws CosignError("INVALID_INPUT") for a malformed
   * COSIGN_MAX_ATTACHMENT_SIZE.
   */
  constructor(options: RegistryClientOptions = {}) {
    this.#opts = options;
    const env = options.env ?? (() => undefined);
    const envMax = env("COSIGN_MAX_ATTACHMENT_SIZE");
    const parsed = parseByteSize(envMax);
    if (envMax !== undefined && envMax.trim() !== "" && parsed === undefined) {
      throw new CosignError(
        "INVALID_INPUT",
        `Invalid COSIGN_MAX_ATTACHMENT_SIZE "${envMax}": expected a number of bytes`,
        { hint: "Set it to a byte count such as 134217728 (or 128MiB), or unset it." },
      );
    }
    this.maxBlobSize = options.maxBlobSize ?? parsed ?? DEFAULT_MAX_BLOB_SIZE;
    this.maxManifestSize = options.maxManifestSize ?? DEFAULT_MAX_MANIFEST_SIZE;
    this.chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    if (!options.fetch && (options.caCerts?.length || options.insecure)) {
      this.#fetchReady = import("../runtime/http.ts").then((m) => {
        this.#customFetch = m.createFetch({
          caCerts: options.caCerts,
          insecureSkipVerify: options.insecure,
        });
      });
      // Reported on the first request; never an unhandled rejection for an unused client.
      this.#fetchReady.catch(() => {});
    }
  }

  #fetchReady?: Promise<void>;
  #customFetch?: typeof fetch;

  /** Number of HTTP requests made so far (registry and token server). */
  get requestCount(): number {
    return this.#requests;
  }

  /** Resets {@link RegistryClient.requestCount} to 0. */
  resetRequestCount(): void {
    this.#requests = 0;
  }

  // ---------------------------------------------------------------------------------------------
  // manifests

  /**
   * Fetches a manifest or index by tag or digest, asking for OCI and Docker media types (or
   * `accept`). Checks the bytes against the digest (the reference's, else Docker-Content-Digest).
   * Throws NOT_FOUND (404), AUTH, NETWORK, TOO_LARGE (over 4 MiB), VERIFY (digest mismatch).
   */
  async getManifest(
    ref: Reference | string,
    options: { accept?: readonly string[] } = {},
  ): Promise<ManifestResult> {
    const r = toReference(ref);
    const target = refText(r);
    const res = await this.#send({
      method: "GET",
      repo: r,
      path: `${r.repository}/manifests/${identifier(r)}`,
      actions: "pull",
      headers: { accept: (options.accept ?? ALL_MANIFEST_TYPES).join(", ") },
      what: "get manifest",
      target,
      retryable: true,
      expect: [200],
    });
    const bytes = await readCapped(res, this.maxManifestSize, `manifest ${target}`);
    const digest = sha256Digest(bytes);
    const expected = r.digest ?? headerDigest(res);
    if (expected && expected.startsWith("sha256:") && expected !== digest) {
      throw new CosignError(
        "VERIFY",
        `Manifest ${target} does not match its digest: expected ${expected}, got ${digest}`,
        { hint: "The registry (or something between) returned tampered or wrong content." },
      );
    }
    return {
      bytes,
      digest,
      size: bytes.length,
      mediaType: manifestMediaType(bytes, res.headers.get("content-type")),
    };
  }

  /**
   * HEADs a manifest: its descriptor (digest, size, media type), or undefined when it does not
   * exist (404). Falls back to GET when the registry sends no Docker-Content-Digest.
   * Throws AUTH, NETWORK.
   */
  async headManifest(ref: Reference | string): Promise<Descriptor | undefined> {
    const r = toReference(ref);
    const res = await this.#send({
      method: "HEAD",
      repo: r,
      path: `${r.repository}/manifests/${identifier(r)}`,
      actions: "pull",
      headers: { accept: ALL_MANIFEST_TYPES.join(", ") },
      what: "look up manifest",
      target: refText(r),
      retryable: true,
      expect: [200, 404],
    });
    await res.body?.cancel();
    if (res.status === 404) return undefined;
    const digest = headerDigest(res);
    const size = Number(res.headers.get("content-length") ?? NaN);
    const ct = res.headers.get("content-type")?.split(";")[0].trim();
    if (!digest || (r.digest && digest !== r.digest) || !Number.isFinite(size) || !ct) {
      try {
        const m = await this.getManifest(r);
        return { mediaType: m.mediaType, digest: m.digest, size: m.size };
      } catch (e) {
        if (e instanceof CosignError && e.code === "NOT_FOUND") return undefined;
        throw e;
      }
    }
    return { mediaType: ct, digest, size };
  }

  /**
   * Resolves a reference to its digest (HEAD, falling back to GET). A reference that already
   * has a digest is returned unchanged without a request. Throws NOT_FOUND when it does not exist.
   */
  async resolveDigest(ref: Reference | string): Promise<string> {
    const r = toReference(ref);
    if (r.digest) return r.digest;
    const d = await this.headManifest(r);
    if (!d) throw notFound("manifest", refText(r), "MANIFEST_UNKNOWN");
    return d.digest;
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
    return (await this.#putManifest(ref, bytes, mediaType)).digest;
  }

  async #putManifest(
    ref: Reference | string,
    bytes: Uint8Array,
    mediaType: string,
  ): Promise<{ digest: string; subjectHeader: string | null }> {
    const r = toReference(ref);
    const target = refText(r);
    if (bytes.length > this.maxManifestSize) {
      throw new CosignError(
        "TOO_LARGE",
        `Cannot upload manifest ${target}: ${bytes.length} bytes is over the limit of ${this.maxManifestSize}`,
      );
    }
    const digest = sha256Digest(bytes);
    if (r.digest && r.digest !== digest) {
      throw new CosignError(
        "INVALID_INPUT",
        `Cannot upload manifest to ${target}: its digest is ${digest}`,
      );
    }
    const res = await this.#send({
      method: "PUT",
      repo: r,
      path: `${r.repository}/manifests/${identifier(r)}`,
      actions: "push",
      headers: { "content-type": mediaType },
      body: bytes,
      what: "upload manifest",
      target,
      retryable: true,
      expect: [200, 201, 202],
    });
    await res.body?.cancel();
    const got = headerDigest(res);
    if (got && got.startsWith("sha256:") && got !== digest) {
      throw new CosignError(
        "VERIFY",
        `The registry stored manifest ${target} under digest ${got}, but its digest is ${digest}`,
        { hint: "The registry rewrote the manifest; cosign signatures need exact bytes." },
      );
    }
    return { digest, subjectHeader: res.headers.get("oci-subject") };
  }

  /**
   * Deletes a manifest. A tag reference is resolved to its digest first (the distribution API
   * deletes by digest). Throws NOT_FOUND when absent, UNSUPPORTED when the registry forbids
   * deletes (405), AUTH, NETWORK.
   */
  async deleteManifest(ref: Reference | string): Promise<void> {
    const r = toReference(ref);
    const digest = await this.resolveDigest(r);
    const res = await this.#send({
      method: "DELETE",
      repo: r,
      path: `${r.repository}/manifests/${digest}`,
      actions: "delete",
      what: "delete manifest",
      target: `${repositoryString(r)}@${digest}`,
      retryable: true,
      expect: [200, 202],
    });
    await res.body?.cancel();
  }

  // ---------------------------------------------------------------------------------------------
  // blobs

  /** True when the repository has the blob (HEAD 200), false on 404. Throws AUTH, NETWORK. */
  async blobExists(repo: Repository | string, digest: string): Promise<boolean> {
    const r = toRepository(repo);
    assertDigest(digest, "blob digest");
    const res = await this.#headBlob(r, digest, [200, 404]);
    return res.status === 200;
  }

  /**
   * Streams a blob, checking its digest (and size) as it flows: a mismatch makes the stream
   * fail with CosignError("VERIFY") at the end, so consumers must not commit output before the
   * stream completes. Over the cap: CosignError("TOO_LARGE") (before reading when the registry
   * announces the length). Throws NOT_FOUND, AUTH, NETWORK.
   */
  async getBlob(
    repo: Repository | string,
    digest: string,
    options: GetBlobOptions = {},
  ): Promise<ReadableStream<Uint8Array>> {
    const r = toRepository(repo);
    assertDigest(digest, "blob digest");
    const target = `${repositoryString(r)}@${digest}`;
    const max = options.maxSize ?? this.maxBlobSize;
    if (options.size !== undefined && options.size > max) {
      throw tooLarge(`blob ${target}`, options.size, max);
    }
    const res = await this.#send({
      method: "GET",
      repo: r,
      path: `${r.repository}/blobs/${digest}`,
      actions: "pull",
      what: "download blob",
      target,
      retryable: true,
      expect: [200],
    });
    const len = Number(res.headers.get("content-length") ?? NaN);
    if (Number.isFinite(len) && len > max) {
      await res.body?.cancel();
      throw tooLarge(`blob ${target}`, len, max);
    }
    const body = res.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
    const hasher = sha256Hasher();
    let total = 0;
    const expectedSize = options.size;
    const check = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        total += chunk.length;
        if (total > max) throw tooLarge(`blob ${target}`, total, max);
        if (expectedSize !== undefined && total > expectedSize) {
          throw new CosignError(
            "VERIFY",
            `Blob ${target} is longer than its descriptor's size ${expectedSize}`,
          );
        }
        hasher.update(chunk);
        controller.enqueue(chunk);
      },
      flush() {
        const got = hasher.digest();
        if (got !== digest) {
          throw new CosignError(
            "VERIFY",
            `Blob ${target} does not match its digest: got ${got}`,
            { hint: "The registry (or something between) returned tampered or wrong content." },
          );
        }
        if (expectedSize !== undefined && total !== expectedSize) {
          throw new CosignError(
            "VERIFY",
            `Blob ${target} has ${total} bytes, its descriptor says ${expectedSize}`,
          );
        }
      },
    });
    return body.pipeThrough(check);
  }

  /** Downloads a whole blob into memory, checked and capped like {@link RegistryClient.getBlob}. */
  async getBlobBytes(
    repo: Repository | string,
    digest: string,
    options: GetBlobOptions = {},
  ): Promise<Uint8Array> {
    const stream = await this.getBlob(repo, digest, options);
    const parts: Uint8Array[] = [];
    let total = 0;
    const reader = stream.getReader();
    for (;;) {
      const step = await readStep(
        reader,
        "download blob",
        `${repositoryString(toRepository(repo))}@${digest}`,
      );
      if (step.done) break;
      parts.push(step.value);
      total += step.value.length;
    }
    return concatBytes(parts, total);
  }

  /**
   * Mounts a blob from another repository of the same registry. True when mounted; false when
   * the registry declined (the caller must upload). Throws AUTH, NETWORK.
   */
  async mountBlob(
    repo: Repository | string,
    digest: string,
    from: Repository | string,
  ): Promise<boolean> {
    const r = toRepository(repo);
    const f = toRepository(from);
    assertDigest(digest, "blob digest");
    if (f.registry !== r.registry) return false;
    const res = await this.#startUpload(r, { digest, from: f });
    if (res.mounted) return true;
    // Abandon the upload session the registry opened instead.
    await this.#cancelUpload(r, res.location);
    return false;
  }

  /**
   * Uploads a blob and returns its descriptor. Skips the upload when the registry already has it
   * (digest known), tries a cross-repository mount when `mountFrom` is given, sends small blobs in
   * one POST + PUT and large or streamed ones as PATCH chunks (`chunkSize`). A stream's digest is
   * computed on the fly; a given digest that does not match fails the upload (INVALID_INPUT).
   * Throws AUTH, NETWORK (also when the registry dies mid-upload: never reports success).
   */
  async putBlob(
    repo: Repository | string,
    data: Uint8Array | ReadableStream<Uint8Array>,
    options: PutBlobOptions = {},
  ): Promise<Descriptor> {
    const r = toRepository(repo);
    const mediaType = options.mediaType ?? "application/octet-stream";
    const chunkSize = Math.max(1, options.chunkSize ?? this.chunkSize);
    let digest = options.digest;
    if (digest !== undefined) assertDigest(digest, "blob digest");
    if (data instanceof Uint8Array) {
      const actual = sha256Digest(data);
      if (digest && digest !== actual) {
        throw new CosignError(
          "INVALID_INPUT",
          `Cannot upload blob to ${repositoryString(r)}: its digest is ${actual}, not ${digest}`,
        );
      }
      digest = actual;
    }
    const size = data instanceof Uint8Array ? data.length : options.size;
    if (digest && !options.force && await this.blobExists(r, digest)) {
      if (!(data instanceof Uint8Array)) await data.cancel().catch(() => {});
      return { mediaType, digest, size: size ?? await this.#blobSize(r, digest) };
    }
    const from = options.mountFrom ? toRepository(options.mountFrom) : undefined;
    const started = await this.#startUpload(
      r,
      digest && from && from.registry === r.registry ? { digest, from } : {},
    );
    if (started.mounted) {
      if (!(data instanceof Uint8Array)) await data.cancel().catch(() => {});
      return { mediaType, digest: digest!, size: size ?? await this.#blobSize(r, digest!) };
    }
    let location = started.location;
    const target = `${repositoryString(r)}${digest ? "@" + digest : ""}`;
    if (data instanceof Uint8Array && data.length <= chunkSize) {
      await this.#finishUpload(r, location, digest!, data, target);
      return { mediaType, digest: digest!, size: data.length };
    }
    // Chunked: PATCH pieces of at most chunkSize, then PUT ?digest=.
    const hasher = sha256Hasher();
    let offset = 0;
    const source: ReadableStream<Uint8Array> = data instanceof Uint8Array
      ? new ReadableStream({
        start(c) {
          c.enqueue(data);
          c.close();
        },
      })
      : data;
    const reader = source.getReader();
    let pending: Uint8Array[] = [];
    let pendingLen = 0;
    const flush = async () => {
      if (pendingLen === 0) return;
      const chunk = concatBytes(pending, pendingLen);
      pending = [];
      pendingLen = 0;
      hasher.update(chunk);
      location = await this.#patchChunk(r, location, chunk, offset, target);
      offset += chunk.length;
    };
    try {
      for (;;) {
        const step = await readStep(reader, "read the blob to upload to", repositoryString(r));
        if (step.done) break;
        let v = step.value;
        while (v.length > 0) {
          const take = Math.min(v.length, chunkSize - pendingLen);
          pending.push(v.subarray(0, take));
          pendingLen += take;
          v = v.subarray(take);
          if (pendingLen >= chunkSize) await flush();
        }
      }
      await flush();
    } catch (e) {
      await reader.cancel().catch(() => {});
      await this.#cancelUpload(r, location).catch(() => {});
      throw e;
    }
    const actual = hasher.digest();
    if (digest && digest !== actual) {
      await this.#cancelUpload(r, location).catch(() => {});
      throw new CosignError(
        "INVALID_INPUT",
        `Cannot upload blob to ${repositoryString(r)}: its digest is ${actual}, not ${digest}`,
      );
    }
    if (options.size !== undefined && options.size !== offset) {
      await this.#cancelUpload(r, location).catch(() => {});
      throw new CosignError(
        "INVALID_INPUT",
        `Cannot upload blob to ${
          repositoryString(r)
        }: it has ${offset} bytes, expected ${options.size}`,
      );
    }
    await this.#finishUpload(r, location, actual, undefined, `${repositoryString(r)}@${actual}`);
    return { mediaType, digest: actual, size: offset };
  }

  async #blobSize(r: Repository, digest: string): Promise<number> {
    const res = await this.#headBlob(r, digest, [200]);
    return Number(res.headers.get("content-length") ?? 0);
  }

  /** HEAD of a blob, its body dropped; statuses outside `expect` throw as in #send. */
  async #headBlob(r: Repository, digest: string, expect: number[]): Promise<Response> {
    const res = await this.#send({
      method: "HEAD",
      repo: r,
      path: `${r.repository}/blobs/${digest}`,
      actions: "pull",
      what: "look up blob",
      target: `${repositoryString(r)}@${digest}`,
      retryable: true,
      expect,
    });
    await res.body?.cancel();
    return res;
  }

  async #startUpload(
    r: Repository,
    mount: { digest?: string; from?: Repository },
  ): Promise<{ mounted: boolean; location: string }> {
    const q = mount.from && mount.digest
      ? `?mount=${encodeURIComponent(mount.digest)}&from=${
        encodeURIComponent(mount.from.repository)
      }`
      : "";
    const res = await this.#send({
      method: "POST",
      repo: r,
      path: `${r.repository}/blobs/uploads/${q}`,
      actions: "push",
      extraScopes: mount.from ? [`repository:${mount.from.repository}:pull`] : undefined,
      headers: { "content-length": "0" },
      what: "start blob upload",
      target: repositoryString(r),
      retryable: true,
      expect: [201, 202],
    });
    await res.body?.cancel();
    if (res.status === 201) return { mounted: true, location: "" };
    const loc = res.headers.get("location");
    if (!loc) {
      throw new CosignError(
        "NETWORK",
        `Cannot upload a blob to ${repositoryString(r)}: the registry gave no upload location`,
      );
    }
    return { mounted: false, location: await this.#absolute(r, loc) };
  }

  async #patchChunk(
    r: Repository,
    location: string,
    chunk: Uint8Array,
    offset: number,
    target: string,
  ): Promise<string> {
    const res = await this.#send({
      method: "PATCH",
      repo: r,
      path: location,
      actions: "push",
      headers: {
        "content-type": "application/octet-stream",
        "content-range": `${offset}-${offset + chunk.length - 1}`,
      },
      body: chunk,
      what: "upload blob chunk",
      target,
      retryable: false,
      expect: [202, 204],
    });
    await res.body?.cancel();
    const loc = res.headers.get("location");
    return loc ? await this.#absolute(r, loc) : location;
  }

  async #finishUpload(
    r: Repository,
    location: string,
    digest: string,
    body: Uint8Array | undefined,
    target: string,
  ): Promise<void> {
    const url = new URL(location);
    url.searchParams.set("digest", digest);
    const res = await this.#send({
      method: "PUT",
      repo: r,
      path: url.href,
      actions: "push",
      headers: {
        "content-type": "application/octet-stream",
        ...(body ? {} : { "content-length": "0" }),
      },
      body: body ?? new Uint8Array(0),
      what: "finish blob upload",
      target,
      retryable: false,
      expect: [201, 204],
    });
    await res.body?.cancel();
    const got = headerDigest(res);
    if (got && got !== digest) {
      throw new CosignError(
        "VERIFY",
        `The registry stored blob ${target} under digest ${got}`,
      );
    }
  }

  async #cancelUpload(r: Repository, location: string): Promise<void> {
    if (!location) return;
    try {
      const res = await this.#send({
        method: "DELETE",
        repo: r,
        path: location,
        actions: "push",
        what: "cancel blob upload",
        target: repositoryString(r),
        retryable: false,
        expect: [200, 202, 204, 404, 405],
      });
      await res.body?.cancel();
    } catch { /* best effort */ }
  }

  // ---------------------------------------------------------------------------------------------
  // tags

  /**
   * Lists the repository's tags, following `Link: <…>; rel="next"` pages (`pageSize` per page
   * when given). Throws NOT_FOUND when the repository does not exist, AUTH, NETWORK.
   */
  async listTags(
    repo: Repository | string,
    options: { pageSize?: number } = {},
  ): Promise<string[]> {
    const r = toRepository(repo);
    const tags: string[] = [];
    let path: string = `${r.repository}/tags/list${
      options.pageSize ? `?n=${options.pageSize}` : ""
    }`;
    for (let page = 0; page < 10_000; page++) {
      const res = await this.#send({
        method: "GET",
        repo: r,
        path,
        actions: "pull",
        what: "list tags of",
        target: repositoryString(r),
        retryable: true,
        expect: [200],
      });
      const bytes = await readCapped(
        res,
        this.maxManifestSize,
        `tag list of ${repositoryString(r)}`,
      );
      let json: { tags?: unknown };
      try {
        json = JSON.parse(new TextDecoder().decode(bytes));
      } catch {
        throw malformed("list tags of", repositoryString(r), "the answer is not JSON");
      }
      if (json.tags !== null && json.tags !== undefined && !Array.isArray(json.tags)) {
        throw malformed("list tags of", repositoryString(r), '"tags" is not a list');
      }
      for (const t of (json.tags as unknown[] | null | undefined) ?? []) {
        if (typeof t === "string") tags.push(t);
      }
      const next = parseLinkNext(res.headers.get("link"));
      if (!next) return tags;
      path = await this.#absolute(r, next);
    }
    return tags;
  }

  // ---------------------------------------------------------------------------------------------
  // referrers

  /**
   * The referrers of `digest` in the repository (manifests whose `subject` is it), optionally
   * only those of `artifactType`. Uses the OCI 1.1 referrers API, falling back to the
   * `sha256-<hex>` tag index when the registry has no API. An image without referrers gives [].
   * Throws AUTH, NETWORK.
   */
  async referrers(
    repo: Repository | string,
    digest: string,
    artifactType?: string,
  ): Promise<Descriptor[]> {
    const r = toRepository(repo);
    assertDigest(digest, "subject digest");
    const state = this.#state(r.registry);
    let list: Descriptor[] | undefined;
    if (state.referrersApi !== false) {
      const q = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : "";
      const res = await this.#send({
        method: "GET",
        repo: r,
        path: `${r.repository}/referrers/${digest}${q}`,
        actions: "pull",
        headers: { accept: OCI_INDEX },
        what: "list referrers of",
        target: `${repositoryString(r)}@${digest}`,
        retryable: true,
        expect: [200, 400, 404, 405],
      });
      const ct = res.headers.get("content-type") ?? "";
      if (res.status === 200 && ct.includes(OCI_INDEX)) {
        state.referrersApi = true;
        list = this.#indexManifests(
          await readCapped(res, this.maxManifestSize, `referrers of ${digest}`),
          `referrers of ${repositoryString(r)}@${digest}`,
        );
      } else {
        await res.body?.cancel();
        state.referrersApi = false;
      }
    }
    if (!list) list = await this.#fallbackIndex(r, digest);
    return artifactType ? list.filter((d) => d.artifactType === artifactType) : list;
  }

  /**
   * Pushes a referrer manifest (one with a `subject`) by digest. When the registry does not
   * index it itself (no `OCI-Subject` header), adds it to the `sha256-<hex>` fallback index,
   * then re-reads the index and retries (bounded backoff) until the entry is present, so
   * concurrent pushers do not lose entries. Throws INVALID_INPUT (no subject), AUTH, NETWORK.
   */
  async putReferrer(
    repo: Repository | string,
    bytes: Uint8Array,
    mediaType: string,
  ): Promise<PutReferrerResult> {
    const r = toRepository(repo);
    let manifest: {
      subject?: Descriptor;
      artifactType?: string;
      config?: Descriptor;
      annotations?: Record<string, string>;
    };
    try {
      manifest = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      throw new CosignError("INVALID_INPUT", "Cannot push referrer: the manifest is not JSON");
    }
    const subject = manifest?.subject?.digest;
    if (typeof subject !== "string") {
      throw new CosignError("INVALID_INPUT", "Cannot push referrer: the manifest has no subject");
    }
    assertDigest(subject, "subject digest");
    const digest = sha256Digest(bytes);
    const { subjectHeader } = await this.#putManifest(
      { ...r, digest, original: "" },
      bytes,
      mediaType,
    );
    if (subjectHeader) {
      this.#state(r.registry).referrersApi = true;
      return { digest, via: "api" };
    }
    const entry: Descriptor = { mediaType, digest, size: bytes.length };
    const at = manifest.artifactType ?? manifest.config?.mediaType;
    if (at) entry.artifactType = at;
    if (manifest.annotations && Object.keys(manifest.annotations).length) {
      entry.annotations = manifest.annotations;
    }
    await this.updateReferrersIndex(
      r,
      subject,
      (list) => list.some((d) => d.digest === digest) ? undefined : [...list, entry],
    );
    return { digest, via: "tag" };
  }

  /**
   * Read-modify-write of the `sha256-<hex>` fallback referrers index of `subject`: `change` gets
   * the current entries and returns the new list (or undefined for "nothing to do"). The write
   * is re-read and retried (up to 10 times, with backoff) until `change` has nothing left to do,
   * so concurrent writers converge. Used by {@link RegistryClient.putReferrer}; also for removing
   * entries. Throws AUTH, NETWORK, or CONFLICT-like NETWORK when it cannot converge.
   */
  async updateReferrersIndex(
    repo: Repository | string,
    subject: string,
    change: (entries: Descriptor[]) => Descriptor[] | undefined,
  ): Promise<void> {
    const r = toRepository(repo);
    assertDigest(subject, "subject digest");
    const tag = `sha256-${digestHex(subject)}`;
    for (let attempt = 0; attempt < 10; attempt++) {
      const current = await this.#fallbackIndex(r, subject);
      const next = change(current);
      if (!next) return;
      const index = { ...EMPTY_INDEX, manifests: next };
      await this.putManifest(
        { ...r, tag, original: "" },
        new TextEncoder().encode(JSON.stringify(index)),
        OCI_INDEX,
      );
      // Give concurrent writers a moment, then re-read to see whether our change survived.
      await sleep(20 + Math.random() * 60 * (attempt + 1), this.#opts.signal);
    }
    throw new CosignError(
      "NETWORK",
      `Cannot update the referrers index ${
        repositoryString(r)
      }:${tag}: concurrent writers kept overwriting it`,
      { hint: "Try again." },
    );
  }

  async #fallbackIndex(r: Repository, subject: string): Promise<Descriptor[]> {
    const tag = `sha256-${digestHex(subject)}`;
    let m: ManifestResult;
    try {
      m = await this.getManifest({ ...r, tag, original: "" }, { accept: [OCI_INDEX] });
    } catch (e) {
      if (e instanceof CosignError && e.code === "NOT_FOUND") return [];
      throw e;
    }
    return this.#indexManifests(m.bytes, `referrers index ${repositoryString(r)}:${tag}`);
  }

  #indexManifests(bytes: Uint8Array, what: string): Descriptor[] {
    let j: { manifests?: unknown };
    try {
      j = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      throw malformed("read", what, "it is not JSON");
    }
    if (j.manifests === undefined || j.manifests === null) return [];
    if (!Array.isArray(j.manifests)) throw malformed("read", what, '"manifests" is not a list');
    return (j.manifests as Descriptor[]).filter((d) =>
      d && typeof d.digest === "string" && typeof d.mediaType === "string"
    );
  }

  // ---------------------------------------------------------------------------------------------
  // login

  /**
   * Checks that `credential` is accepted by `registry` (as `docker login` does): Basic
   * registries get `GET /v2/` with it, token registries a token request with it. Anonymous
   * registries accept anything. Throws AUTH when rejected, NETWORK when unreachable.
   */
  async checkCredentials(registry: string, credential: Credential): Promise<void> {
    const state = this.#state(registry);
    const base = await this.#base(registry);
    const ch = state.challenge;
    if (!ch) return;
    if (ch.scheme === "bearer" && ch.params.realm) {
      await fetchBearerToken({
        realm: ch.params.realm,
        service: ch.params.service,
        scopes: [],
        credential,
        registry,
        fetch: (u, i) => this.#doFetch(String(u), i ?? {}),
        signal: this.#opts.signal,
      });
      return;
    }
    const headers: Record<string, string> = {};
    if (credential.username !== undefined && credential.password !== undefined) {
      headers.authorization = basicAuthHeader(credential.username, credential.password);
    }
    let res: Response;
    try {
      res = await this.#doFetch(`${base}/v2/`, { method: "GET", headers });
    } catch (e) {
      throw networkError("reach registry", registry, e, false);
    }
    await res.body?.cancel();
    if (res.status === 401 || res.status === 403) {
      throw new CosignError(
        "AUTH",
        `Cannot log in to ${registry}: the registry rejected the user name or password (${res.status})`,
        { hint: "Check the user name and password and try again." },
      );
    }
    if (!res.ok) {
      throw new CosignError(
        "NETWORK",
        `Cannot log in to ${registry}: the registry answered HTTP ${res.status}`,
      );
    }
  }

  // ---------------------------------------------------------------------------------------------
  // transport

  #state(registry: string): RegistryState {
    let s = this.#registries.get(registry);
    if (!s) {
      s = { tokens: new Map() };
      this.#registries.set(registry, s);
    }
    return s;
  }

  async #doFetch(url: string, init: RequestInit): Promise<Response> {
    if (this.#fetchReady) await this.#fetchReady;
    const f = this.#customFetch ?? this.#fetch;
    const ctrl = new AbortController();
    const timeout = this.#opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ctrl.abort(new Error(`no answer within ${timeout} ms`));
    }, timeout);
    const outer = this.#opts.signal;
    const onAbort = () => ctrl.abort(outer?.reason);
    outer?.addEventListener("abort", onAbort, { once: true });
    this.#requests++;
    let status = 0;
    try {
      const headers = new Headers(init.headers);
      if (this.#opts.userAgent) headers.set("user-agent", this.#opts.userAgent);
      let res = await f(url, { ...init, headers, signal: ctrl.signal, redirect: "manual" });
      // Follow redirects of reads ourselves (blob downloads go to CDNs): credentials never
      // leave the registry's origin.
      const method = (init.method ?? "GET").toUpperCase();
      let current = new URL(url);
      for (let hop = 0; hop < 10 && (method === "GET" || method === "HEAD"); hop++) {
        const loc = res.headers.get("location");
        if (![301, 302, 303, 307, 308].includes(res.status) || !loc) break;
        await res.body?.cancel();
        const next = new URL(loc, current);
        if (next.protocol !== "https:" && next.protocol !== "http:") break;
        if (current.protocol === "https:" && next.protocol === "http:") {
          throw new Error(`refusing a redirect from HTTPS to plain HTTP (${next.origin})`);
        }
        if (next.origin !== current.origin) headers.delete("authorization");
        current = next;
        this.#requests++;
        res = await f(next.href, { method, headers, signal: ctrl.signal, redirect: "manual" });
      }
      status = res.status;
      return this.#watchBody(res, ctrl, timeout, current);
    } catch (e) {
      if (timedOut) throw new Error(`timed out: no answer within ${timeout} ms`);
      throw e;
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener("abort", onAbort);
      this.#opts.onRequest?.({ method: init.method ?? "GET", url, status });
      this.#opts.log?.debug(`registry: ${init.method ?? "GET"} ${url} -> ${status || "failed"}`);
    }
  }

  /**
   * Wraps a response body so that a registry that stops sending data mid-body (no chunk for
   * `timeout` ms while we wait for one) fails the read, and so that read failures are
   * CosignError("NETWORK") naming the URL. No timer runs while the consumer is not reading.
   */
  #watchBody(res: Response, ctrl: AbortController, timeout: number, url: URL): Response {
    if (!res.body || [101, 204, 205, 304].includes(res.status)) return res;
    const reader = res.body.getReader();
    const outer = this.#opts.signal;
    const where = `${url.host}${url.pathname}`;
    let stalled = false;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const t = setTimeout(() => {
          stalled = true;
          ctrl.abort(new Error(`timed out: no data for ${timeout} ms`));
        }, timeout);
        try {
          if (outer?.aborted) throw outer.reason;
          const { done, value } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (e) {
          controller.error(
            networkError(
              "read the answer from",
              where,
              stalled ? new Error(`timed out: the registry sent no data for ${timeout} ms`) : e,
              false,
            ),
          );
        } finally {
          clearTimeout(t);
        }
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    });
    return new Response(body, {
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
    });
  }

  /** The base URL (`https://host` or `http://host`) of a registry, found by pinging /v2/ once. */
  #base(registry: string): Promise<string> {
    const state = this.#state(registry);
    if (!state.base) {
      state.base = this.#ping(registry, state);
      state.base.catch(() => {
        if (this.#state(registry).base) this.#state(registry).base = undefined;
      });
    }
    return state.base;
  }

  async #ping(registry: string, state: RegistryState): Promise<string> {
    const httpAllowed = this.#opts.allowHttp || this.#opts.insecure || isLocalRegistry(registry);
    const schemes = httpAllowed ? ["https", "http"] : ["https"];
    let firstError: unknown;
    for (const scheme of schemes) {
      const base = `${scheme}://${registry}`;
      let res: Response | undefined;
      for (let attempt = 0;; attempt++) {
        try {
          res = await this.#doFetch(`${base}/v2/`, { method: "GET" });
        } catch (e) {
          if (firstError === undefined) firstError = e;
          if (scheme === "https" && httpAllowed) break; // try plain HTTP
          if (attempt < this.#retry.retries && isTransient(e)) {
            await sleep(backoffDelay(attempt, this.#retry), this.#opts.signal);
            continue;
          }
          throw networkError("reach registry", registry, firstError, httpAllowed);
        }
        if (isRetryableStatus(res.status) && attempt < this.#retry.retries) {
          await this.#waitToRetry(res, attempt);
          continue;
        }
        break;
      }
      if (!res) continue;
      if (scheme === "http" && res.status === 400) {
        // An HTTPS server answering a plain request: report the TLS failure instead.
        await res.body?.cancel();
        throw networkError("reach registry", registry, firstError, httpAllowed);
      }
      if (res.status === 401) {
        const challenges = parseWwwAuthenticate(res.headers.get("www-authenticate"));
        state.challenge = challenges.find((c) => c.scheme === "bearer") ??
          challenges.find((c) => c.scheme === "basic");
      }
      await res.body?.cancel();
      return base;
    }
    throw networkError("reach registry", registry, firstError, httpAllowed);
  }

  #credential(registry: string): Promise<Credential | undefined> {
    const state = this.#state(registry);
    if (!state.credential) {
      const c = this.#opts.credentials;
      if (typeof c === "function") state.credential = c(registry);
      else if (c) state.credential = Promise.resolve(c);
      else {
        state.credential = resolveCredential(
          registry,
          this.#opts.env ?? ((n: string) => globalThis.process?.env?.[n]),
        );
      }
    }
    return state.credential;
  }

  async #authorization(
    r: Repository,
    actions: Actions,
    extraScopes: string[] | undefined,
    forceNew: boolean,
  ): Promise<string | undefined> {
    const state = this.#state(r.registry);
    const ch = state.challenge;
    if (!ch) return undefined;
    const cred = await this.#credential(r.registry);
    if (cred?.registryToken) return `Bearer ${cred.registryToken}`;
    if (ch.scheme === "basic") {
      if (cred?.username !== undefined && cred.password !== undefined) {
        return basicAuthHeader(cred.username, cred.password);
      }
      return undefined;
    }
    if (ch.scheme !== "bearer" || !ch.params.realm) return undefined;
    const act = actions === "pull" ? "pull" : actions === "push" ? "pull,push" : "delete";
    const scopes = [`repository:${r.repository}:${act}`, ...(extraScopes ?? [])];
    const key = scopes.join(" ");
    const now = Date.now();
    const cached = state.tokens.get(key);
    if (cached && !forceNew && cached.expiresAt > now) return `Bearer ${cached.token}`;
    if (act === "pull" && !forceNew && !extraScopes?.length) {
      // A push token for the same repository also allows pulls.
      const push = state.tokens.get(`repository:${r.repository}:pull,push`);
      if (push && push.expiresAt > now) return `Bearer ${push.token}`;
    }
    const token = await fetchBearerToken({
      realm: ch.params.realm,
      service: ch.params.service,
      scopes,
      credential: cred,
      registry: r.registry,
      fetch: (u, i) => this.#doFetch(String(u), i ?? {}),
      signal: this.#opts.signal,
    });
    state.tokens.set(key, token);
    return `Bearer ${token.token}`;
  }

  async #absolute(r: Repository, location: string): Promise<string> {
    const base = await this.#base(r.registry);
    return new URL(location, base + "/v2/").href;
  }

  async #send(spec: RequestSpec): Promise<Response> {
    const base = await this.#base(spec.repo.registry);
    const url = /^https?:\/\//.test(spec.path) ? spec.path : `${base}/v2/${spec.path}`;
    let authRetried = false;
    for (let attempt = 0;; attempt++) {
      const headers: Record<string, string> = { ...spec.headers };
      const auth = await this.#authorization(
        spec.repo,
        spec.actions,
        spec.extraScopes,
        authRetried,
      );
      if (auth && new URL(url).origin === new URL(base).origin) headers.authorization = auth;
      let res: Response;
      try {
        res = await this.#doFetch(url, {
          method: spec.method,
          headers,
          body: spec.body as BodyInit | undefined,
          // deno-lint-ignore no-explicit-any
          ...(spec.body instanceof ReadableStream ? { duplex: "half" } as any : {}),
        });
      } catch (e) {
        if (spec.retryable && attempt < this.#retry.retries && isTransient(e)) {
          await sleep(backoffDelay(attempt, this.#retry), this.#opts.signal);
          continue;
        }
        throw networkError(spec.what, spec.target, e, false);
      }
      if (res.status === 401 && !authRetried) {
        // A challenge we did not know (no ping challenge, or a token that expired or lacks scope).
        const challenges = parseWwwAuthenticate(res.headers.get("www-authenticate"));
        const ch = challenges.find((c) => c.scheme === "bearer") ??
          challenges.find((c) => c.scheme === "basic");
        if (ch && !(spec.body instanceof ReadableStream)) {
          await res.body?.cancel();
          this.#state(spec.repo.registry).challenge = ch;
          authRetried = true;
          continue;
        }
      }
      if (spec.expect.includes(res.status)) return res;
      if (
        isRetryableStatus(res.status) && spec.retryable && attempt < this.#retry.retries &&
        !(spec.body instanceof ReadableStream)
      ) {
        await this.#waitToRetry(res, attempt);
        continue;
      }
      throw await this.#statusError(spec, res);
    }
  }

  /** Drops a retryable answer and waits before the next attempt, as its Retry-After asks. */
  async #waitToRetry(res: Response, attempt: number): Promise<void> {
    await res.body?.cancel();
    await sleep(
      backoffDelay(attempt, this.#retry, res.headers.get("retry-after")),
      this.#opts.signal,
    );
  }

  async #statusError(spec: RequestSpec, res: Response): Promise<CosignError> {
    const detail = await errorSummary(res);
    const what = `Cannot ${spec.what} ${spec.target}`;
    const suffix = detail ? `: ${detail}` : "";
    const registry = spec.repo.registry;
    if (res.status === 401 || res.status === 403) {
      const cred = await this.#credential(registry).catch(() => undefined);
      return new CosignError(
        "AUTH",
        `${what}: ${
          res.status === 401 ? "authentication required or credentials rejected" : "access denied"
        } (${res.status})${suffix}`,
        {
          hint: cred
            ? `Check the credentials stored for ${registry} and log in again with "cosign-ts login ${registry} -u USER --password-stdin".`
            : `Log in with "cosign-ts login ${registry} -u USER --password-stdin" (or docker login).`,
        },
      );
    }
    if (res.status === 404) {
      return new CosignError("NOT_FOUND", `${what}: not found (404)${suffix}`, {
        hint: "Check the repository, tag or digest.",
      });
    }
    if (res.status === 405) {
      return new CosignError(
        "UNSUPPORTED",
        `${what}: the registry does not allow it (405)${suffix}`,
      );
    }
    if (res.status === 400 || res.status === 413 || res.status === 415) {
      return new CosignError(
        "INVALID_INPUT",
        `${what}: the registry rejected it (${res.status})${suffix}`,
      );
    }
    return new CosignError(
      "NETWORK",
      `${what}: the registry answered HTTP ${res.status}${suffix}`,
      {
        hint: isRetryableStatus(res.status)
          ? "The registry is failing; try again later."
          : undefined,
      },
    );
  }
}

function refText(r: Reference): string {
  return r.digest
    ? `${repositoryString(r)}@${r.digest}`
    : `${repositoryString(r)}:${identifier(r)}`;
}

function headerDigest(res: Response): string | undefined {
  const d = res.headers.get("docker-content-digest")?.trim();
  return d || undefined;
}

function notFound(what: string, target: string, code: string): CosignError {
  return new CosignError("NOT_FOUND", `Cannot find ${what} ${target}: not found (${code})`, {
    hint: "Check the repository, tag or digest.",
  });
}

function malformed(action: string, target: string, why: string): CosignError {
  return new CosignError("NETWORK", `Cannot ${action} ${target}: malformed answer: ${why}`);
}

function isTransient(e: unknown): boolean {
  const msg = describeError(e).toLowerCase() + " " +
    describeError((e as Error)?.cause).toLowerCase();
  // Connection refused means nobody listens: retrying will not help and wastes time.
  if (/refused|enotfound|getaddrinfo|dns|certificate|tls|ssl|unknown ca|self.signed/.test(msg)) {
    return false;
  }
  return true;
}

function errorText(e: unknown): string {
  const parts = [describeError(e)];
  const cause = (e as { cause?: unknown })?.cause;
  if (cause) parts.push(describeError(cause));
  const code = (e as { code?: unknown })?.code ?? (cause as { code?: unknown })?.code;
  if (typeof code === "string") parts.push(code);
  return parts.join(" ");
}

function networkError(action: string, target: string, e: unknown, triedHttp: boolean): CosignError {
  if (e instanceof CosignError) return e;
  const text = errorText(e);
  const lower = text.toLowerCase();
  let why = describeError(e);
  let hint = "Check the registry address and that it is running and reachable.";
  if (/refused/.test(lower)) {
    why = "connection refused";
  } else if (/certificate|unknown ca|self.signed|unable to verify|tls|ssl|handshake/.test(lower)) {
    why = `TLS failed (${describeError(e)}${
      (e as { cause?: unknown })?.cause
        ? ": " + describeError((e as { cause?: unknown }).cause)
        : ""
    })`;
    hint =
      "Trust the registry's CA with --registry-cacert FILE (or NODE_EXTRA_CA_CERTS=FILE for the binary, DENO_CERT=FILE under deno), or use --allow-insecure-registry.";
  } else if (/timed out|timeout/.test(lower)) {
    why = describeError(e);
    hint = "The registry did not answer in time; check it, or try again.";
  } else if (/enotfound|getaddrinfo|dns|resolve/.test(lower)) {
    why = "the host name does not resolve";
  } else if (/reset|socket|closed|terminated|econn|eof|aborted/.test(lower)) {
    why = `the connection dropped (${describeError(e)})`;
  }
  void triedHttp;
  return new CosignError("NETWORK", `Cannot ${action} ${target}: ${why}`, { hint, cause: e });
}

/**
 * Reads the next chunk of a stream; a failed read (other than a CosignError, passed on) becomes
 * CosignError("NETWORK") naming the action and the target.
 */
async function readStep(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  action: string,
  target: string,
): Promise<ReadableStreamReadResult<Uint8Array>> {
  try {
    return await reader.read();
  } catch (e) {
    if (e instanceof CosignError) throw e;
    throw networkError(action, target, e, false);
  }
}
