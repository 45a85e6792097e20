/**
 * Manifest operations of the registry client: get (checked against the reference's digest or
 * Docker-Content-Digest, capped at 4 MiB), head, resolve a tag to its digest, put (checked
 * against the registry's answer), delete. Each runs inside the caller's {@link Operation}.
 *
 * @example
 * ```ts
 * const m = await client.getManifest("localhost:5000/app:v1"); // RegistryClient delegates here
 * ```
 * @module
 */
import { CosignError } from "../core/errors.ts";
import { sha256Digest } from "./digest.ts";
import { ALL_MANIFEST_TYPES } from "./media_types.ts";
import { identifier, type Reference, repositoryString } from "./reference.ts";
import { type Operation, type RegistryTransport } from "./transport.ts";
import { headerDigest, notFound, refText } from "./registry_errors.ts";

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
 * Fetches a manifest or index by tag or digest (see RegistryClient.getManifest). Throws
 * NOT_FOUND, AUTH, NETWORK, TOO_LARGE, VERIFY.
 */
export async function getManifest(
  t: RegistryTransport,
  op: Operation,
  r: Reference,
  accept: readonly string[] = ALL_MANIFEST_TYPES,
): Promise<ManifestResult> {
  const target = refText(r);
  const { res, bytes } = await t.sendRead(
    {
      method: "GET",
      repo: r,
      path: `${r.repository}/manifests/${identifier(r)}`,
      actions: "pull",
      headers: { accept: accept.join(", ") },
      what: "get manifest",
      target,
      retryable: true,
      expect: [200],
    },
    op,
    t.maxManifestSize,
    `manifest ${target}`,
  );
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
 * HEADs a manifest: its descriptor, or undefined on 404; falls back to GET when the registry
 * sends no usable Docker-Content-Digest. Throws AUTH, NETWORK.
 */
export async function headManifest(
  t: RegistryTransport,
  op: Operation,
  r: Reference,
): Promise<Descriptor | undefined> {
  const res = await t.send({
    method: "HEAD",
    repo: r,
    path: `${r.repository}/manifests/${identifier(r)}`,
    actions: "pull",
    headers: { accept: ALL_MANIFEST_TYPES.join(", ") },
    what: "look up manifest",
    target: refText(r),
    retryable: true,
    expect: [200, 404],
  }, op);
  await res.body?.cancel();
  if (res.status === 404) return undefined;
  const digest = headerDigest(res);
  const size = Number(res.headers.get("content-length") ?? NaN);
  const ct = res.headers.get("content-type")?.split(";")[0].trim();
  if (!digest || (r.digest && digest !== r.digest) || !Number.isFinite(size) || !ct) {
    try {
      const m = await getManifest(t, op, r);
      return { mediaType: m.mediaType, digest: m.digest, size: m.size };
    } catch (e) {
      if (e instanceof CosignError && e.code === "NOT_FOUND") return undefined;
      throw e;
    }
  }
  return { mediaType: ct, digest, size };
}

/** The digest of a reference (HEAD, else GET); NOT_FOUND when it does not exist. */
export async function resolveDigest(
  t: RegistryTransport,
  op: Operation,
  r: Reference,
): Promise<string> {
  if (r.digest) return r.digest;
  const d = await headManifest(t, op, r);
  if (!d) throw notFound("manifest", refText(r), "MANIFEST_UNKNOWN");
  return d.digest;
}

/**
 * Uploads a manifest; returns its digest (checked against Docker-Content-Digest) and the
 * registry's OCI-Subject header. Throws TOO_LARGE, AUTH, NETWORK, INVALID_INPUT, VERIFY.
 */
export async function putManifest(
  t: RegistryTransport,
  op: Operation,
  r: Reference,
  bytes: Uint8Array,
  mediaType: string,
): Promise<{ digest: string; subjectHeader: string | null }> {
  const target = refText(r);
  if (bytes.length > t.maxManifestSize) {
    throw new CosignError(
      "TOO_LARGE",
      `Cannot upload manifest ${target}: ${bytes.length} bytes is over the limit of ${t.maxManifestSize}`,
    );
  }
  const digest = sha256Digest(bytes);
  if (r.digest && r.digest !== digest) {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot upload manifest to ${target}: its digest is ${digest}`,
    );
  }
  const res = await t.send({
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
  }, op);
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

/** Deletes a manifest (a tag is resolved first). Throws NOT_FOUND, UNSUPPORTED, AUTH, NETWORK. */
export async function deleteManifest(
  t: RegistryTransport,
  op: Operation,
  r: Reference,
): Promise<void> {
  const digest = await resolveDigest(t, op, r);
  const res = await t.send({
    method: "DELETE",
    repo: r,
    path: `${r.repository}/manifests/${digest}`,
    actions: "delete",
    what: "delete manifest",
    target: `${repositoryString(r)}@${digest}`,
    retryable: true,
    expect: [200, 202],
  }, op);
  await res.body?.cancel();
}
