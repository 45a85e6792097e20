/**
 * Image references parsed the way docker and go-containerregistry parse them:
 * `ubuntu` → `index.docker.io/library/ubuntu:latest`, `localhost:5000/a/b:tag`,
 * `host/repo@sha256:…`, `host/repo:tag@sha256:…` (the digest wins), `[::1]:5000/repo`.
 *
 * References are plain objects ({@link Reference}); helpers build strings and variants.
 *
 * @example
 * ```ts
 * const r = parseReference("ubuntu");
 * // r.registry === "index.docker.io", r.repository === "library/ubuntu", r.tag === "latest"
 * referenceString(withDigest(r, "sha256:" + "ab".repeat(32)));
 * ```
 * @module
 */
import { CosignError } from "../core/errors.ts";

/** The registry used when a reference names none (go-containerregistry's default). */
export const DEFAULT_REGISTRY = "index.docker.io";
/** The tag used when a reference names neither tag nor digest. */
export const DEFAULT_TAG = "latest";

/** Maximum length of a repository name (distribution's limit). */
export const MAX_REPOSITORY_LENGTH = 255;
/** Maximum length of a whole reference string. */
export const MAX_REFERENCE_LENGTH = 4096;

/** A parsed image reference. Exactly one of `tag`/`digest` identifies the manifest (digest wins). */
export interface Reference {
  /** Registry host with optional port, e.g. "index.docker.io", "localhost:5000", "[::1]:5000". */
  registry: string;
  /** Repository path inside the registry, e.g. "library/ubuntu". */
  repository: string;
  /** Tag, when given (or "latest" when neither tag nor digest was given). */
  tag?: string;
  /** Digest "sha256:<64 hex>", when given. */
  digest?: string;
  /** The text the reference was parsed from. */
  original: string;
}

/** A repository: registry plus repository path (no tag or digest). */
export interface Repository {
  /** Registry host with optional port. */
  registry: string;
  /** Repository path inside the registry. */
  repository: string;
}

/** Options for {@link parseReference}. */
export interface ParseReferenceOptions {
  /** Registry for references that name none (default {@link DEFAULT_REGISTRY}). */
  defaultRegistry?: string;
  /** Reject references without a digest. */
  requireDigest?: boolean;
  /** Do not add the default tag when neither tag nor digest is given (leave both absent). */
  noDefaultTag?: boolean;
}

const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;
const OTHER_DIGEST_RE = /^(sha384:[0-9a-f]{96}|sha512:[0-9a-f]{128})$/;
// One path component: lower-case alphanumerics separated by ".", "_", "__" or one or more "-".
const COMPONENT_RE = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
// host[:port], host = DNS name, IPv4 or [IPv6].
const HOST_RE =
  /^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*|\[[0-9a-fA-F:.]+(?:%[\w.-]+)?\])(?::[0-9]{1,5})?$/;

function bad(ref: string, why: string): CosignError {
  return new CosignError("INVALID_INPUT", `Cannot parse image reference "${ref}": ${why}`, {
    hint:
      "Write it as [REGISTRY/]REPOSITORY[:TAG][@sha256:DIGEST], e.g. localhost:5000/app:v1 or ghcr.io/org/app@sha256:…, in lower case.",
  });
}

/**
 * True when the first path component names a registry: it contains "." or ":", is
 * "localhost", or is an IPv6 literal in brackets (docker's rule).
 */
function looksLikeRegistry(first: string): boolean {
  return first.includes(".") || first.includes(":") || first === "localhost" ||
    first.startsWith("[");
}

/** Validates a registry host[:port]; returns it lower-cased, with docker.io → index.docker.io. */
export function parseRegistry(host: string, original = host): string {
  if (!HOST_RE.test(host)) throw bad(original, `"${host}" is not a valid registry host`);
  const portMatch = /:([0-9]{1,5})$/.exec(
    host.startsWith("[") ? host.slice(host.indexOf("]")) : host,
  );
  if (portMatch && Number(portMatch[1]) > 65535) {
    throw bad(original, `port ${portMatch[1]} is out of range`);
  }
  const h = host.toLowerCase();
  return h === "docker.io" ? DEFAULT_REGISTRY : h;
}

/**
 * Parses an image reference like docker / go-containerregistry.
 * Throws CosignError("INVALID_INPUT") for empty, too long, upper-case or otherwise malformed
 * references, naming the reference and the problem.
 *
 * @example
 * ```ts
 * parseReference("localhost:5000/a/b:v1"); // {registry:"localhost:5000", repository:"a/b", tag:"v1", …}
 * ```
 */
export function parseReference(ref: string, options: ParseReferenceOptions = {}): Reference {
  if (typeof ref !== "string" || ref.trim() === "") throw bad(String(ref), "it is empty");
  if (ref.length > MAX_REFERENCE_LENGTH) {
    throw bad(ref.slice(0, 64) + "…", `it is longer than ${MAX_REFERENCE_LENGTH} characters`);
  }
  if (/\s/.test(ref)) throw bad(ref, "it contains white space");
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST_RE.test(digest) && !OTHER_DIGEST_RE.test(digest)) {
      throw bad(
        ref,
        `"${digest}" is not a digest (expected sha256: followed by 64 lower-case hex digits)`,
      );
    }
  }
  // Split the registry off.
  let registry = options.defaultRegistry ?? DEFAULT_REGISTRY;
  let path = rest;
  const slash = rest.indexOf("/");
  if (slash > 0 && looksLikeRegistry(rest.slice(0, slash))) {
    registry = parseRegistry(rest.slice(0, slash), ref);
    path = rest.slice(slash + 1);
  } else if (slash === 0) {
    throw bad(ref, "it starts with a slash");
  }
  // Split the tag off the last path component.
  let tag: string | undefined;
  const lastSlash = path.lastIndexOf("/");
  const colon = path.indexOf(":", lastSlash + 1);
  if (colon >= 0) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
    if (!TAG_RE.test(tag)) {
      throw bad(
        ref,
        `"${tag}" is not a valid tag (letters, digits, "_", "." and "-", at most 128, not starting with "." or "-")`,
      );
    }
  }
  if (path === "") throw bad(ref, "the repository name is empty");
  if (path.length > MAX_REPOSITORY_LENGTH) {
    throw bad(ref, `the repository name is longer than ${MAX_REPOSITORY_LENGTH} characters`);
  }
  if (/[A-Z]/.test(path)) throw bad(ref, "repository names must be lower case");
  for (const c of path.split("/")) {
    if (!COMPONENT_RE.test(c)) {
      throw bad(
        ref,
        c === ""
          ? "the repository name has an empty path component"
          : `"${c}" is not a valid repository path component`,
      );
    }
  }
  if (registry === DEFAULT_REGISTRY && !path.includes("/")) path = `library/${path}`;
  if (options.requireDigest && !digest) {
    throw new CosignError("INVALID_INPUT", `Image reference "${ref}" has no digest`, {
      hint: "Add @sha256:<digest> to the reference.",
    });
  }
  if (!tag && !digest && !options.noDefaultTag) tag = DEFAULT_TAG;
  const out: Reference = { registry, repository: path, original: ref };
  if (tag !== undefined) out.tag = tag;
  if (digest !== undefined) out.digest = digest;
  return out;
}

/**
 * Parses a repository (no tag or digest), e.g. for `COSIGN_REPOSITORY` or `listTags`.
 * Throws CosignError("INVALID_INPUT") when malformed or when a tag/digest is present.
 */
export function parseRepository(repo: string, options: ParseReferenceOptions = {}): Repository {
  const r = parseReference(repo, { ...options, noDefaultTag: true });
  if (r.tag !== undefined || r.digest !== undefined) {
    throw bad(repo, "a repository must not have a tag or a digest");
  }
  return { registry: r.registry, repository: r.repository };
}

/** "registry/repository", e.g. "index.docker.io/library/ubuntu". */
export function repositoryString(r: Repository): string {
  return `${r.registry}/${r.repository}`;
}

/**
 * The full reference string: `registry/repo@digest` when a digest is known, else
 * `registry/repo:tag`.
 */
export function referenceString(r: Reference): string {
  if (r.digest) return `${repositoryString(r)}@${r.digest}`;
  return `${repositoryString(r)}:${r.tag ?? DEFAULT_TAG}`;
}

/** The identifier to put in `/v2/<repo>/manifests/<identifier>`: the digest, else the tag. */
export function identifier(r: Reference): string {
  return r.digest ?? r.tag ?? DEFAULT_TAG;
}

/** A copy of `r` pointing at `digest` (tag dropped). Throws INVALID_INPUT for a bad digest. */
export function withDigest(r: Repository, digest: string): Reference {
  if (!DIGEST_RE.test(digest) && !OTHER_DIGEST_RE.test(digest)) {
    throw bad(`${repositoryString(r)}@${digest}`, `"${digest}" is not a digest`);
  }
  const out: Reference = {
    registry: r.registry,
    repository: r.repository,
    digest,
    original: "",
  };
  out.original = referenceString(out);
  return out;
}

/** A copy of `r` pointing at `tag` (digest dropped). Throws INVALID_INPUT for a bad tag. */
export function withTag(r: Repository, tag: string): Reference {
  if (!TAG_RE.test(tag)) throw bad(`${repositoryString(r)}:${tag}`, `"${tag}" is not a valid tag`);
  const out: Reference = { registry: r.registry, repository: r.repository, tag, original: "" };
  out.original = referenceString(out);
  return out;
}

/** True when `s` is a valid tag. */
export function isValidTag(s: string): boolean {
  return TAG_RE.test(s);
}

/** Accepts a Reference or a string and returns a Reference (parsing strings). */
export function toReference(ref: Reference | string): Reference {
  return typeof ref === "string" ? parseReference(ref) : ref;
}

/** Accepts a Repository, Reference or string and returns the Repository part. */
export function toRepository(repo: Repository | string): Repository {
  if (typeof repo !== "string") return { registry: repo.registry, repository: repo.repository };
  const r = parseReference(repo, { noDefaultTag: true });
  return { registry: r.registry, repository: r.repository };
}

/**
 * True when cosign would talk plain HTTP to this registry without being asked: localhost,
 * 127.0.0.0/8, ::1, and RFC 1918 private addresses (go-containerregistry's rule). HTTPS is
 * still tried first.
 */
export function isLocalRegistry(registry: string): boolean {
  let host = registry;
  if (host.startsWith("[")) host = host.slice(1, host.indexOf("]"));
  else host = host.replace(/:[0-9]+$/, "");
  host = host.toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (host === "::1") return true;
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  if (!m) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}
