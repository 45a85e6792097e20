/**
 * A small TUF client (The Update Framework 1.0, as Sigstore's TUF repositories use it) to
 * refresh the trusted root: root rotation (each new root signed by a threshold of the old and of
 * its own root keys), timestamp → snapshot → targets with signature thresholds, versions,
 * lengths/hashes and expiry, then the target file checked against its length and hashes.
 * Consistent snapshots (`<version>.<role>.json`, `targets/<hash>.<name>`) are followed.
 * Delegated targets are not searched (Sigstore's trusted_root.json is a top-level target).
 *
 * Runtime-neutral: network through `fetch`, persistence through a {@link TufStore}.
 *
 * @example
 * ```ts
 * const client = new TufClient({ mirror: "https://tuf-repo-cdn.sigstore.dev", store, root });
 * await client.refresh();
 * const bytes = await client.target("trusted_root.json");
 * ```
 * @module
 */
import { CosignError } from "../errors.ts";
import { readBodyCapped } from "../service_request.ts";
import { digest, toHex, verifySpki } from "../verify/public_key.ts";
import { rejectDuplicateKeys } from "../strict_json.ts";
import { pemToDer as pemDer, tryFromHex } from "../encoding.ts";

/** Where the client keeps trusted metadata between runs. */
export interface TufStore {
  /** Reads a stored file; undefined when absent. */
  read(name: string): Promise<Uint8Array | undefined>;
  /** Stores a file atomically. */
  write(name: string, data: Uint8Array): Promise<void>;
}

/** Options of {@link TufClient}. */
export interface TufClientOptions {
  /** Repository base URL (metadata at `<mirror>/`, targets at `<mirror>/targets/`). */
  mirror: string;
  /** Persistent metadata store. */
  store: TufStore;
  /** The initial trusted root.json bytes, used when the store has none. */
  root: Uint8Array;
  /** Clock, for expiry checks (default: now). */
  now?: Date;
  /** fetch to use (default: globalThis.fetch). */
  fetch?: typeof fetch;
}

// deno-lint-ignore no-explicit-any
type Json = any;

const MAX_ROOT_ROTATIONS = 256;
const MAX_METADATA_BYTES = 16 * 1024 * 1024;
const MAX_TARGET_BYTES = 64 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 60_000;
const enc = new TextEncoder();
const dec = new TextDecoder();

function fail(what: string, hint?: string): never {
  throw new CosignError("VERIFY", `Cannot update TUF metadata: ${what}`, {
    hint: hint ?? "The TUF repository is not trustworthy from the root in use, or is out of date.",
  });
}

/** Canonical JSON (OLPC / securesystemslib): sorted keys, no whitespace, only `"` and `\` escaped. */
export function canonicalJson(v: Json): string {
  if (v === null || typeof v === "boolean") return String(v);
  if (typeof v === "number") {
    if (!Number.isInteger(v)) fail("metadata contains a non-integer number");
    return String(v);
  }
  if (typeof v === "string") return `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (typeof v === "object") {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${canonicalJson(k)}:${canonicalJson(v[k])}`).join(",")}}`;
  }
  return fail(`metadata contains a ${typeof v}`);
}

function pemToDer(pem: string): Uint8Array | undefined {
  try {
    return pemDer(pem, "PUBLIC KEY");
  } catch {
    return undefined;
  }
}

const ED25519_SPKI_PREFIX = Uint8Array.from([
  0x30,
  0x2a,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x70,
  0x03,
  0x21,
  0x00,
]);

function fromHex(h: string): Uint8Array | undefined {
  return typeof h === "string" ? tryFromHex(h) : undefined;
}

/** The SPKI of a TUF key object, or undefined for an unsupported key. */
function keySpki(key: Json): Uint8Array | undefined {
  const pub = key?.keyval?.public;
  if (typeof pub !== "string") return undefined;
  if (key.keytype === "ed25519") {
    const raw = pub.includes("BEGIN") ? undefined : fromHex(pub);
    if (raw && raw.length === 32) {
      const out = new Uint8Array(44);
      out.set(ED25519_SPKI_PREFIX);
      out.set(raw, 12);
      return out;
    }
    return pemToDer(pub);
  }
  if (key.keytype === "ecdsa" || key.keytype === "ecdsa-sha2-nistp256" || key.keytype === "rsa") {
    return pemToDer(pub);
  }
  return undefined;
}

/**
 * Checks that `meta.signed` carries at least `threshold` valid signatures by distinct keys of
 * `role` as defined in `root`. Throws CosignError("VERIFY") otherwise.
 */
export async function verifyRoleSignatures(
  meta: Json,
  root: Json,
  role: string,
  what: string,
): Promise<void> {
  const r = root?.signed?.roles?.[role];
  if (!r || !Array.isArray(r.keyids) || !Number.isInteger(r.threshold) || r.threshold < 1) {
    fail(`the root defines no usable "${role}" role`);
  }
  const data = enc.encode(canonicalJson(meta.signed));
  const seen = new Set<string>();
  let valid = 0;
  for (const s of Array.isArray(meta.signatures) ? meta.signatures : []) {
    const keyid = s?.keyid;
    if (typeof keyid !== "string" || seen.has(keyid) || !r.keyids.includes(keyid)) continue;
    const key = root.signed.keys?.[keyid];
    const spki = keySpki(key);
    const sig = fromHex(s.sig);
    if (!spki || !sig || sig.length === 0) continue;
    const rsaPss = key.scheme === "rsassa-pss-sha256";
    if (await verifySpki(spki, data, sig, "sha256", { rsaPss })) {
      seen.add(keyid);
      valid++;
    }
  }
  if (valid < r.threshold) {
    fail(`${what} has ${valid} valid "${role}" signatures, ${r.threshold} required`);
  }
}

function parse(bytes: Uint8Array, what: string, type: string): Json {
  let m: Json;
  try {
    m = JSON.parse(dec.decode(bytes));
  } catch {
    fail(`${what} is not JSON`);
  }
  rejectDuplicateKeys(bytes, what);
  if (m?.signed?._type !== type) fail(`${what} is not ${type} metadata`);
  if (!Number.isInteger(m.signed.version)) fail(`${what} has no version`);
  return m;
}

/** A TUF client for one repository. Stateful: use one per refresh. */
export class TufClient {
  readonly #mirror: string;
  readonly #store: TufStore;
  readonly #initialRoot: Uint8Array;
  readonly #now: Date;
  readonly #fetch: typeof fetch;
  #root: Json;
  #targets: Json;

  /** Creates a client; nothing is fetched until {@link TufClient.refresh}. */
  constructor(o: TufClientOptions) {
    this.#mirror = o.mirror.replace(/\/+$/, "");
    this.#store = o.store;
    this.#initialRoot = o.root;
    this.#now = o.now ?? new Date();
    this.#fetch = o.fetch ?? globalThis.fetch.bind(globalThis);
  }

  async #get(path: string, limit: number, optional = false): Promise<Uint8Array | undefined> {
    const url = `${this.#mirror}/${path}`;
    let res: Response;
    try {
      res = await this.#fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    } catch (e) {
      throw new CosignError("NETWORK", `Cannot fetch ${url}: ${(e as Error).message}`, {
        hint: "Check the --mirror URL and the network.",
      });
    }
    if (optional && (res.status === 404 || res.status === 403)) {
      await res.body?.cancel();
      return undefined;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new CosignError("NETWORK", `Cannot fetch ${url}: HTTP ${res.status}`);
    }
    return await readBodyCapped(
      res,
      limit,
      () =>
        new CosignError("TOO_LARGE", `Cannot fetch ${url}: larger than ${limit} bytes`, {
          hint: "The repository serves a file larger than its metadata allows.",
        }),
    );
  }

  #checkExpiry(m: Json, what: string): void {
    const t = Date.parse(m.signed.expires);
    if (isNaN(t)) fail(`${what} has no valid expiry`);
    if (t <= this.#now.getTime()) {
      fail(`${what} expired at ${m.signed.expires}`, "The repository must publish fresh metadata.");
    }
  }

  async #checkMeta(bytes: Uint8Array, meta: Json, what: string): Promise<void> {
    if (meta?.length !== undefined && bytes.length !== meta.length) {
      fail(`${what} is ${bytes.length} bytes, the referring metadata says ${meta.length}`);
    }
    for (const [alg, want] of Object.entries(meta?.hashes ?? {})) {
      if (alg !== "sha256" && alg !== "sha512" && alg !== "sha384") continue;
      const got = toHex(await digest(alg, bytes));
      if (got !== String(want).toLowerCase()) fail(`${what} does not match its ${alg} hash`);
    }
  }

  /**
   * Updates root (rotations), timestamp, snapshot and targets, storing each verified file.
   * Throws CosignError("VERIFY") for bad signatures, rollbacks, mismatched hashes or expired
   * metadata, CosignError("NETWORK") when the mirror cannot be reached.
   */
  async refresh(): Promise<void> {
    // 1. root
    const stored = await this.#store.read("root.json");
    let rootBytes = stored ?? this.#initialRoot;
    let root = parse(rootBytes, "the trusted root.json", "root");
    await verifyRoleSignatures(root, root, "root", `root version ${root.signed.version}`);
    for (let i = 0; i < MAX_ROOT_ROTATIONS; i++) {
      const v = root.signed.version + 1;
      const next = await this.#get(`${v}.root.json`, MAX_METADATA_BYTES, true);
      if (!next) break;
      const nr = parse(next, `${v}.root.json`, "root");
      await verifyRoleSignatures(nr, root, "root", `${v}.root.json (by the previous root)`);
      await verifyRoleSignatures(nr, nr, "root", `${v}.root.json (by itself)`);
      if (nr.signed.version !== v) fail(`${v}.root.json has version ${nr.signed.version}`);
      root = nr;
      rootBytes = next;
    }
    this.#checkExpiry(root, `root version ${root.signed.version}`);
    await this.#store.write("root.json", rootBytes);
    this.#root = root;

    // 2. timestamp
    const tsBytes = (await this.#get("timestamp.json", MAX_METADATA_BYTES))!;
    const ts = parse(tsBytes, "timestamp.json", "timestamp");
    await verifyRoleSignatures(ts, root, "timestamp", "timestamp.json");
    const oldTsBytes = await this.#store.read("timestamp.json");
    if (oldTsBytes) {
      try {
        const old = JSON.parse(dec.decode(oldTsBytes));
        if (ts.signed.version < old.signed.version) {
          fail(
            `timestamp.json version ${ts.signed.version} is older than the cached ${old.signed.version}`,
          );
        }
      } catch (e) {
        if (e instanceof CosignError) throw e;
      }
    }
    this.#checkExpiry(ts, "timestamp.json");
    const snapMeta = ts.signed.meta?.["snapshot.json"];
    if (!Number.isInteger(snapMeta?.version)) fail("timestamp.json names no snapshot version");

    // 3. snapshot
    const consistent = root.signed.consistent_snapshot === true;
    const snapBytes = (await this.#get(
      consistent ? `${snapMeta.version}.snapshot.json` : "snapshot.json",
      snapMeta.length ?? MAX_METADATA_BYTES,
    ))!;
    await this.#checkMeta(snapBytes, snapMeta, "snapshot.json");
    const snap = parse(snapBytes, "snapshot.json", "snapshot");
    await verifyRoleSignatures(snap, root, "snapshot", "snapshot.json");
    if (snap.signed.version !== snapMeta.version) {
      fail(
        `snapshot.json has version ${snap.signed.version}, timestamp.json says ${snapMeta.version}`,
      );
    }
    this.#checkExpiry(snap, "snapshot.json");
    const targMeta = snap.signed.meta?.["targets.json"];
    if (!Number.isInteger(targMeta?.version)) fail("snapshot.json names no targets version");

    // 4. targets
    const targBytes = (await this.#get(
      consistent ? `${targMeta.version}.targets.json` : "targets.json",
      targMeta.length ?? MAX_METADATA_BYTES,
    ))!;
    await this.#checkMeta(targBytes, targMeta, "targets.json");
    const targ = parse(targBytes, "targets.json", "targets");
    await verifyRoleSignatures(targ, root, "targets", "targets.json");
    if (targ.signed.version !== targMeta.version) {
      fail(
        `targets.json has version ${targ.signed.version}, snapshot.json says ${targMeta.version}`,
      );
    }
    this.#checkExpiry(targ, "targets.json");
    this.#targets = targ;
    await this.#store.write("timestamp.json", tsBytes);
    await this.#store.write("snapshot.json", snapBytes);
    await this.#store.write("targets.json", targBytes);
  }

  /**
   * Downloads a top-level target after {@link TufClient.refresh} and checks its length and
   * hashes. Throws CosignError("VERIFY") for an unknown or mismatching target.
   */
  async target(name: string): Promise<Uint8Array> {
    if (!this.#targets) fail("refresh() must run before target()");
    const info = this.#targets.signed.targets?.[name];
    if (!info || !Number.isInteger(info.length) || typeof info.hashes !== "object") {
      fail(`targets.json lists no target "${name}"`);
    }
    const consistent = this.#root.signed.consistent_snapshot === true;
    const hash = info.hashes.sha256 ?? Object.values(info.hashes)[0];
    const path = consistent ? `targets/${hash}.${name}` : `targets/${name}`;
    const bytes = (await this.#get(path, Math.min(info.length, MAX_TARGET_BYTES)))!;
    if (!Object.keys(info.hashes).some((a) => ["sha256", "sha384", "sha512"].includes(a))) {
      fail(`target "${name}" has no SHA-2 hash`);
    }
    await this.#checkMeta(bytes, info, `target "${name}"`);
    return bytes;
  }
}
