/**
 * Blob operations of the registry client: existence checks, downloads streamed and checked
 * against digest, size and cap as they flow, cross-repository mounts, and uploads (existing
 * blobs skipped, small blobs in one POST + PUT, large or streamed ones as PATCH chunks; a
 * failed upload is cancelled and never reported as success). Each runs inside the caller's
 * {@link Operation}.
 *
 * @example
 * ```ts
 * const d = await client.putBlob("localhost:5000/app", bytes); // RegistryClient delegates here
 * ```
 * @module
 */
import { concatBytes } from "../core/concat_bytes.ts";
import { CosignError } from "../core/errors.ts";
import { type DigestHasher, sha256Digest, sha256Hasher } from "./digest.ts";
import type { Descriptor } from "./manifests.ts";
import { type Repository, repositoryString } from "./reference.ts";
import { type Operation, type RegistryTransport, type RequestSpec } from "./transport.ts";
import { headerDigest, readStep, tooLarge } from "./registry_errors.ts";

/** Options of RegistryClient.putBlob. */
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

/** Options of RegistryClient.getBlob. */
export interface GetBlobOptions {
  /** Cap in bytes (default: the client's maxBlobSize). */
  maxSize?: number;
  /** Expected size (e.g. from a descriptor): a different length is an error. */
  size?: number;
}

/** HEAD of a blob, its body dropped; statuses outside `expect` throw as in send. */
export async function headBlob(
  t: RegistryTransport,
  op: Operation,
  r: Repository,
  digest: string,
  expect: number[],
): Promise<Response> {
  const res = await t.send({
    method: "HEAD",
    repo: r,
    path: `${r.repository}/blobs/${digest}`,
    actions: "pull",
    what: "look up blob",
    target: `${repositoryString(r)}@${digest}`,
    retryable: true,
    expect,
  }, op);
  await res.body?.cancel();
  return res;
}

async function blobSize(
  t: RegistryTransport,
  op: Operation,
  r: Repository,
  digest: string,
): Promise<number> {
  const res = await headBlob(t, op, r, digest, [200]);
  return Number(res.headers.get("content-length") ?? 0);
}

/** A blob's GET, for the stream of {@link getBlob} or the whole read of {@link getBlobBytes}. */
function blobRequest(r: Repository, digest: string, target: string): RequestSpec {
  return {
    method: "GET",
    repo: r,
    path: `${r.repository}/blobs/${digest}`,
    actions: "pull",
    what: "download blob",
    target,
    retryable: true,
    expect: [200],
  };
}

/** Sends a blob's GET and refuses a declared size or length over the cap (TOO_LARGE). */
async function requestBlob(
  t: RegistryTransport,
  op: Operation,
  r: Repository,
  digest: string,
  target: string,
  max: number,
  size: number | undefined,
): Promise<Response> {
  if (size !== undefined && size > max) throw tooLarge(`blob ${target}`, size, max);
  const res = await t.send(blobRequest(r, digest, target), op);
  const len = Number(res.headers.get("content-length") ?? NaN);
  if (Number.isFinite(len) && len > max) {
    await res.body?.cancel();
    throw tooLarge(`blob ${target}`, len, max);
  }
  return res;
}

function longerThan(target: string, size: number): CosignError {
  return new CosignError(
    "VERIFY",
    `Blob ${target} is longer than its descriptor's size ${size}`,
    { hint: "The registry (or something between) returned tampered or wrong content." },
  );
}

/**
 * The checks of a blob's content: `chunk` for each piece as it arrives (cap, descriptor size),
 * `end` once it is complete (digest, exact size). Each throws the CosignError of its check.
 */
function blobChecks(
  target: string,
  digest: string,
  max: number,
  expectedSize: number | undefined,
): { chunk(piece: Uint8Array): void; end(whole?: Uint8Array): void } {
  let hasher: DigestHasher | undefined;
  let total = 0;
  const grow = (n: number) => {
    total += n;
    if (total > max) throw tooLarge(`blob ${target}`, total, max);
    if (expectedSize !== undefined && total > expectedSize) throw longerThan(target, expectedSize);
  };
  return {
    chunk(piece) {
      grow(piece.length);
      (hasher ??= sha256Hasher()).update(piece);
    },
    end(whole) {
      // `whole`: the blob in one piece (no chunks before), checked and hashed in one call.
      if (whole) grow(whole.length);
      const got = whole ? sha256Digest(whole) : (hasher ?? sha256Hasher()).digest();
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
  };
}

/**
 * A blob as a stream checked against digest, size and cap as it flows (a mismatch fails the
 * stream at its end with CosignError("VERIFY")). Throws TOO_LARGE, NOT_FOUND, AUTH, NETWORK.
 */
export async function getBlob(
  t: RegistryTransport,
  op: Operation,
  r: Repository,
  digest: string,
  options: GetBlobOptions,
): Promise<ReadableStream<Uint8Array>> {
  const target = `${repositoryString(r)}@${digest}`;
  const max = options.maxSize ?? t.maxBlobSize;
  const res = await requestBlob(t, op, r, digest, target, max, options.size);
  const body = res.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
  const checks = blobChecks(target, digest, max, options.size);
  const check = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      checks.chunk(chunk);
      controller.enqueue(chunk);
    },
    flush() {
      checks.end();
    },
  });
  return body.pipeThrough(check);
}

/**
 * A whole blob in memory, with the checks of {@link getBlob} made as it is read, straight from
 * the response (no stream pipeline: fifty small signature layers cost ≈ 0.5 ms of CPU less each).
 * Throws TOO_LARGE, NOT_FOUND, AUTH, NETWORK, VERIFY as getBlob's stream does.
 */
export async function getBlobBytes(
  t: RegistryTransport,
  op: Operation,
  r: Repository,
  digest: string,
  options: GetBlobOptions,
): Promise<Uint8Array> {
  const target = `${repositoryString(r)}@${digest}`;
  const max = options.maxSize ?? t.maxBlobSize;
  const { size } = options;
  if (size !== undefined && size > max) throw tooLarge(`blob ${target}`, size, max);
  const { bytes } = await t.sendRead(blobRequest(r, digest, target), op, max, `blob ${target}`, {
    announced: (len) => {
      if (size !== undefined && len > size) throw longerThan(target, size);
    },
  });
  blobChecks(target, digest, max, size).end(bytes);
  return bytes;
}

/** Mounts a blob from another repository of the same registry; false when declined. */
export async function mountBlob(
  t: RegistryTransport,
  op: Operation,
  r: Repository,
  digest: string,
  f: Repository,
): Promise<boolean> {
  if (f.registry !== r.registry) return false;
  const res = await startUpload(t, op, r, { digest, from: f });
  if (res.mounted) return true;
  // Abandon the upload session the registry opened instead.
  await cancelUpload(t, op, r, res.location);
  return false;
}

/** Uploads a blob (see RegistryClient.putBlob). Throws INVALID_INPUT, AUTH, NETWORK. */
export async function putBlob(
  t: RegistryTransport,
  op: Operation,
  r: Repository,
  data: Uint8Array | ReadableStream<Uint8Array>,
  options: PutBlobOptions,
  from: Repository | undefined,
): Promise<Descriptor> {
  const mediaType = options.mediaType ?? "application/octet-stream";
  const chunkSize = Math.max(1, options.chunkSize ?? t.chunkSize);
  let digest = options.digest;
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
  if (digest && !options.force && (await headBlob(t, op, r, digest, [200, 404])).status === 200) {
    if (!(data instanceof Uint8Array)) await data.cancel().catch(() => {});
    return { mediaType, digest, size: size ?? await blobSize(t, op, r, digest) };
  }
  const started = await startUpload(
    t,
    op,
    r,
    digest && from && from.registry === r.registry ? { digest, from } : {},
  );
  if (started.mounted) {
    if (!(data instanceof Uint8Array)) await data.cancel().catch(() => {});
    return { mediaType, digest: digest!, size: size ?? await blobSize(t, op, r, digest!) };
  }
  let location = started.location;
  const target = `${repositoryString(r)}${digest ? "@" + digest : ""}`;
  if (data instanceof Uint8Array && data.length <= chunkSize) {
    await finishUpload(t, op, r, location, digest!, data, target);
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
    location = await patchChunk(t, op, r, location, chunk, offset, target);
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
    await cancelUpload(t, op, r, location).catch(() => {});
    throw e;
  }
  const actual = hasher.digest();
  if (digest && digest !== actual) {
    await cancelUpload(t, op, r, location).catch(() => {});
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot upload blob to ${repositoryString(r)}: its digest is ${actual}, not ${digest}`,
    );
  }
  if (options.size !== undefined && options.size !== offset) {
    await cancelUpload(t, op, r, location).catch(() => {});
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot upload blob to ${
        repositoryString(r)
      }: it has ${offset} bytes, expected ${options.size}`,
    );
  }
  await finishUpload(t, op, r, location, actual, undefined, `${repositoryString(r)}@${actual}`);
  return { mediaType, digest: actual, size: offset };
}

async function startUpload(
  t: RegistryTransport,
  op: Operation,
  r: Repository,
  mount: { digest?: string; from?: Repository },
): Promise<{ mounted: boolean; location: string }> {
  const q = mount.from && mount.digest
    ? `?mount=${encodeURIComponent(mount.digest)}&from=${encodeURIComponent(mount.from.repository)}`
    : "";
  const res = await t.send({
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
  }, op);
  await res.body?.cancel();
  if (res.status === 201) return { mounted: true, location: "" };
  const loc = res.headers.get("location");
  if (!loc) {
    throw new CosignError(
      "NETWORK",
      `Cannot upload a blob to ${repositoryString(r)}: the registry gave no upload location`,
    );
  }
  return { mounted: false, location: await t.absolute(r, loc, op) };
}

async function patchChunk(
  t: RegistryTransport,
  op: Operation,
  r: Repository,
  location: string,
  chunk: Uint8Array,
  offset: number,
  target: string,
): Promise<string> {
  const res = await t.send({
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
  }, op);
  await res.body?.cancel();
  const loc = res.headers.get("location");
  return loc ? await t.absolute(r, loc, op) : location;
}

async function finishUpload(
  t: RegistryTransport,
  op: Operation,
  r: Repository,
  location: string,
  digest: string,
  body: Uint8Array | undefined,
  target: string,
): Promise<void> {
  const url = new URL(location);
  url.searchParams.set("digest", digest);
  const res = await t.send({
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
  }, op);
  await res.body?.cancel();
  const got = headerDigest(res);
  if (got && got !== digest) {
    throw new CosignError(
      "VERIFY",
      `The registry stored blob ${target} under digest ${got}`,
    );
  }
}

async function cancelUpload(
  t: RegistryTransport,
  op: Operation,
  r: Repository,
  location: string,
): Promise<void> {
  if (!location) return;
  try {
    const res = await t.send({
      method: "DELETE",
      repo: r,
      path: location,
      actions: "push",
      what: "cancel blob upload",
      target: repositoryString(r),
      retryable: false,
      expect: [200, 202, 204, 404, 405],
    }, op);
    await res.body?.cancel();
  } catch { /* best effort */ }
}
