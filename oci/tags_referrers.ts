/**
 * Tag and referrer operations of the registry client: tag lists following `Link: rel="next"`
 * pages, OCI 1.1 referrers (the registry's API, else the `sha256-<hex>` fallback index), pushing
 * a referrer and the race-free read-modify-write of the fallback index. Each runs inside the
 * caller's {@link Operation}.
 *
 * Amplification bounds: a tag list follows at most `maxTagPages` pages (default 1000,
 * `COSIGN_TS_MAX_TAG_PAGES`) and refuses a `Link` that points at a page already read; a
 * referrers list holds at most `maxReferrers` entries (default 256, `COSIGN_TS_MAX_REFERRERS`)
 * in at most 4 MiB per page. Past a bound the answer is an error (TOO_LARGE, or NETWORK for a
 * loop), never a partial list.
 *
 * @example
 * ```ts
 * const tags = await client.listTags("localhost:5000/app"); // RegistryClient delegates here
 * ```
 * @module
 */
import { CosignError } from "../core/errors.ts";
import { assertDigest, digestHex, sha256Digest } from "./digest.ts";
import type { Descriptor, ManifestResult } from "./manifests.ts";
import { getManifest, headManifest, putManifest } from "./manifests.ts";
import { ALL_MANIFEST_TYPES, OCI_INDEX } from "./media_types.ts";
import { type Repository, repositoryString } from "./reference.ts";
import { sleep } from "./retry.ts";
import { attemptBackoff, confirmTagWrite } from "./tag_write_timing.ts";
import { type Operation, type RegistryTransport, type RequestSpec } from "./transport.ts";
import { malformed, readCapped } from "./registry_errors.ts";

/** Result of RegistryClient.putReferrer. */
export interface PutReferrerResult {
  /** Digest of the pushed referrer manifest. */
  digest: string;
  /** "api" when the registry indexes referrers itself, "tag" when the fallback index was updated. */
  via: "api" | "tag";
}

const EMPTY_INDEX = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] as Descriptor[] };

/** The `rel="next"` URL of a Link header, if any. */
export function parseLinkNext(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(",")) {
    const m = /<([^>]*)>\s*;(.*)/.exec(part.trim());
    if (m && /rel="?next"?/.test(m[2])) return m[1];
  }
  return undefined;
}

/**
 * Reads a paginated list: `first` is the first page's request, `page` reads one answer, and
 * `Link: rel="next"` leads on. Stops with an error when a Link points at a page already read
 * (NETWORK) or after `maxPages` pages (TOO_LARGE): a partial list is never returned.
 */
async function followPages(
  t: RegistryTransport,
  op: Operation,
  r: Repository,
  first: RequestSpec,
  maxPages: number,
  limitHint: string,
  page: (res: Response) => Promise<void>,
): Promise<void> {
  const seen = new Set<string>();
  let spec = first;
  for (let n = 1;; n++) {
    const res = await t.send(spec, op);
    seen.add(await t.absolute(r, spec.path, op));
    await page(res);
    const next = parseLinkNext(res.headers.get("link"));
    if (!next) return;
    const abs = await t.absolute(r, next, op);
    if (seen.has(abs)) {
      throw new CosignError(
        "NETWORK",
        `Cannot ${first.what} ${first.target}: the registry's pages loop (page ${n} links back to ${abs})`,
        { hint: "The registry's pagination is broken; report it to its operator." },
      );
    }
    if (n >= maxPages) {
      throw new CosignError(
        "TOO_LARGE",
        `Cannot ${first.what} ${first.target}: more than ${maxPages} pages`,
        { hint: limitHint },
      );
    }
    spec = { ...first, path: abs };
  }
}

/** All tags of a repository (see RegistryClient.listTags). */
export async function listTags(
  t: RegistryTransport,
  op: Operation,
  r: Repository,
  pageSize?: number,
): Promise<string[]> {
  const tags: string[] = [];
  const target = repositoryString(r);
  await followPages(
    t,
    op,
    r,
    {
      method: "GET",
      repo: r,
      path: `${r.repository}/tags/list${pageSize ? `?n=${pageSize}` : ""}`,
      actions: "pull",
      what: "list tags of",
      target,
      retryable: true,
      expect: [200],
    },
    t.maxTagPages,
    "If the repository really has that many pages of tags, raise COSIGN_TS_MAX_TAG_PAGES.",
    async (res) => {
      const bytes = await readCapped(res, t.maxManifestSize, `tag list of ${target}`);
      let json: { tags?: unknown };
      try {
        json = JSON.parse(new TextDecoder().decode(bytes));
      } catch {
        throw malformed("list tags of", target, "the answer is not JSON");
      }
      if (json.tags !== null && json.tags !== undefined && !Array.isArray(json.tags)) {
        throw malformed("list tags of", target, '"tags" is not a list');
      }
      for (const tag of (json.tags as unknown[] | null | undefined) ?? []) {
        if (typeof tag === "string") tags.push(tag);
      }
    },
  );
  return tags;
}

function tooManyReferrers(t: RegistryTransport, what: string, n: number): CosignError {
  return new CosignError(
    "TOO_LARGE",
    `Cannot read ${what}: ${n} referrers is over the limit of ${t.maxReferrers}`,
    {
      hint:
        "If the image really has that many referrers, raise COSIGN_TS_MAX_REFERRERS (e.g. COSIGN_TS_MAX_REFERRERS=5000).",
    },
  );
}

/** Parses an index's `manifests`, bounded by the client's referrer limit. */
function indexManifests(t: RegistryTransport, bytes: Uint8Array, what: string): Descriptor[] {
  let j: { manifests?: unknown };
  try {
    j = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw malformed("read", what, "it is not JSON");
  }
  if (j.manifests === undefined || j.manifests === null) return [];
  if (!Array.isArray(j.manifests)) throw malformed("read", what, '"manifests" is not a list');
  if (j.manifests.length > t.maxReferrers) throw tooManyReferrers(t, what, j.manifests.length);
  return (j.manifests as Descriptor[]).filter((d) =>
    d && typeof d.digest === "string" && typeof d.mediaType === "string"
  );
}

async function fallbackIndex(
  t: RegistryTransport,
  op: Operation,
  r: Repository,
  subject: string,
): Promise<Descriptor[]> {
  return (await readFallbackIndex(t, op, r, `sha256-${digestHex(subject)}`)).entries;
}

/** The referrers of `digest` (see RegistryClient.referrers). */
export async function referrers(
  t: RegistryTransport,
  op: Operation,
  r: Repository,
  digest: string,
  artifactType?: string,
): Promise<Descriptor[]> {
  assertDigest(digest, "subject digest");
  const state = t.state(r.registry);
  const target = `${repositoryString(r)}@${digest}`;
  let list: Descriptor[] | undefined;
  if (state.referrersApi !== false) {
    const q = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : "";
    const all: Descriptor[] = [];
    let api = true;
    await followPages(
      t,
      op,
      r,
      {
        method: "GET",
        repo: r,
        path: `${r.repository}/referrers/${digest}${q}`,
        actions: "pull",
        headers: { accept: OCI_INDEX },
        what: "list referrers of",
        target,
        retryable: true,
        expect: [200, 400, 404, 405],
      },
      t.maxTagPages,
      "If the image really has that many pages of referrers, raise COSIGN_TS_MAX_TAG_PAGES.",
      async (res) => {
        const ct = res.headers.get("content-type") ?? "";
        if (!api || res.status !== 200 || !ct.includes(OCI_INDEX)) {
          await res.body?.cancel();
          api = false;
          return;
        }
        const page = indexManifests(
          t,
          await readCapped(res, t.maxManifestSize, `referrers of ${digest}`),
          `referrers of ${target}`,
        );
        if (all.length + page.length > t.maxReferrers) {
          throw tooManyReferrers(t, `referrers of ${target}`, all.length + page.length);
        }
        all.push(...page);
      },
    );
    state.referrersApi = api;
    if (api) list = all;
  }
  if (!list) list = await fallbackIndex(t, op, r, digest);
  return artifactType ? list.filter((d) => d.artifactType === artifactType) : list;
}

/** Pushes a referrer manifest (see RegistryClient.putReferrer). */
export async function putReferrer(
  t: RegistryTransport,
  op: Operation,
  r: Repository,
  bytes: Uint8Array,
  mediaType: string,
): Promise<PutReferrerResult> {
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
  const { subjectHeader } = await putManifest(
    t,
    op,
    { ...r, digest, original: "" },
    bytes,
    mediaType,
  );
  if (subjectHeader) {
    t.state(r.registry).referrersApi = true;
    return { digest, via: "api" };
  }
  const entry: Descriptor = { mediaType, digest, size: bytes.length };
  const at = manifest.artifactType ?? manifest.config?.mediaType;
  if (at) entry.artifactType = at;
  if (manifest.annotations && Object.keys(manifest.annotations).length) {
    entry.annotations = manifest.annotations;
  }
  await updateReferrersIndex(
    t,
    op,
    r,
    subject,
    (list) => list.some((d) => d.digest === digest) ? undefined : [...list, entry],
  );
  return { digest, via: "tag" };
}

/** The fallback index of `subject` with the digest of the manifest it was read from ("" if none). */
async function readFallbackIndex(
  t: RegistryTransport,
  op: Operation,
  r: Repository,
  tag: string,
): Promise<{ digest: string; entries: Descriptor[] }> {
  let m: ManifestResult;
  try {
    // Accept every manifest type: the tag may be cosign's copy anchor (the image itself), and a
    // registry asked only for an index converts a Docker schema-2 manifest to schema 1, whose
    // digest then does not match.
    m = await getManifest(t, op, { ...r, tag, original: "" }, ALL_MANIFEST_TYPES);
  } catch (e) {
    if (e instanceof CosignError && e.code === "NOT_FOUND") return { digest: "", entries: [] };
    throw e;
  }
  const entries = indexManifests(t, m.bytes, `referrers index ${repositoryString(r)}:${tag}`);
  return { digest: m.digest, entries };
}

/**
 * Read-modify-write of the fallback index (see RegistryClient.updateReferrersIndex), race-free
 * the way cosign-ts appends `.sig` layers: read the index, apply `change`; check with a HEAD
 * that the tag still holds what was read and PUT at once (else merge again without writing);
 * then, after a jittered settling delay that outlasts a concurrent writer's check-and-PUT
 * (oci/tag_write_timing.ts),
 * re-read: `change` must have nothing left to do, else our write was overwritten and the cycle
 * repeats (with longer, doubled confirmations under evident contention). Registry errors
 * (5xx on a tag being rewritten) retry within the same budget of 20 attempts.
 */
export async function updateReferrersIndex(
  t: RegistryTransport,
  op: Operation,
  r: Repository,
  subject: string,
  change: (entries: Descriptor[]) => Descriptor[] | undefined,
): Promise<void> {
  assertDigest(subject, "subject digest");
  const tag = `sha256-${digestHex(subject)}`;
  const tagRef = { ...r, tag, original: "" };
  const maxAttempts = 20;
  let contended = false;
  let wrote = false;
  const attemptOnce = async (): Promise<boolean> => {
    const started = Date.now();
    const current = await readFallbackIndex(t, op, r, tag);
    const next = change(current.entries);
    if (!next) return true;
    const bytes = new TextEncoder().encode(JSON.stringify({ ...EMPTY_INDEX, manifests: next }));
    const checked = Date.now();
    const now = await headManifest(t, op, tagRef);
    if ((now?.digest ?? "") !== current.digest) {
      contended = true; // moved while we merged
      return false;
    }
    const put = await putManifest(t, op, tagRef, bytes, OCI_INDEX);
    wrote = true;
    const c = await confirmTagWrite({
      contended,
      cycleMs: Date.now() - started,
      windowMs: Date.now() - checked,
      written: put.digest,
      signal: op.signal,
      read: async () => {
        const index = await readFallbackIndex(t, op, r, tag);
        return { digest: index.digest, held: !change(index.entries) };
      },
    });
    contended = c.contended;
    return c.held;
  };
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    try {
      if (await attemptOnce()) return;
    } catch (e) {
      if (!(e instanceof CosignError && e.code === "NETWORK") || attempt === maxAttempts) throw e;
    }
    await sleep(attemptBackoff(attempt), op.signal);
  }
  throw new CosignError(
    "NETWORK",
    `Cannot update the referrers index ${repositoryString(r)}:${tag}: concurrent writers kept ${
      wrote ? "overwriting" : "changing"
    } it (${maxAttempts} attempts)`,
    { hint: "Try again; if it persists, check for a process rewriting the referrers tag." },
  );
}
