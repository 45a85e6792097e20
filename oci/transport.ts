/**
 * The registry transport under {@link RegistryClient}: one HTTP request to the distribution API
 * with the registry's scheme found by pinging `/v2/` (https, or http where allowed), credentials
 * (docker's config.json, helpers, or given) and bearer tokens per scope, bounded retries of 429,
 * 5xx and dropped connections, redirects of reads followed without credentials leaving the
 * registry's origin, and three clocks:
 *
 * - `timeoutMs` (default 60 s): time allowed for one response's headers, and for each chunk of
 *   its body (a registry that goes silent mid-body); an answer whose body is at most 1 MiB and
 *   read whole ({@link RegistryTransport.sendRead}: manifests, signature layers) gets it once,
 *   for headers and body together;
 * - `deadlineMs` (default 3 minutes, cosign's `--timeout`): TOTAL time of one client operation
 *   (every attempt, retry, scheme, redirect, token request, and the body), so a registry that
 *   drips one byte every few seconds cannot keep a command alive;
 * - `signal`: the command's own cancel signal (the global `-t/--timeout`).
 *
 * Failures are {@link CosignError}s: AUTH (401/403), NOT_FOUND (404), UNSUPPORTED (405),
 * INVALID_INPUT (400/413/415), NETWORK (unreachable, timeouts naming the limit that expired,
 * 5xx after retries, malformed answers), TOO_LARGE (capped reads).
 *
 * @example
 * ```ts
 * const t = new RegistryTransport({ env: (n) => process.env[n] });
 * const op = t.begin("get manifest", "localhost:5000/app:v1");
 * try {
 *   const res = await t.send({ method: "GET", repo, path: "app/manifests/v1", actions: "pull",
 *     what: "get manifest", target: "localhost:5000/app:v1", retryable: true, expect: [200] }, op);
 * } finally {
 *   op.dispose();
 * }
 * ```
 * @module
 */
import {
  type Deadline,
  DeadlineError,
  formatDuration,
  startDeadline,
  streamWithinDeadline,
} from "../core/deadline.ts";
import { CosignError, describeError } from "../core/errors.ts";
import {
  type AuthChallenge,
  basicAuthHeader,
  type BearerToken,
  type Credential,
  fetchBearerToken,
  parseWwwAuthenticate,
} from "./auth.ts";
import { resolveCredential } from "./docker_config.ts";
import { isLocalRegistry, type Repository } from "./reference.ts";
import {
  backoffDelay,
  DEFAULT_RETRY,
  isRetryableStatus,
  type RetryPolicy,
  sleep,
} from "./retry.ts";
import {
  DEFAULT_CHUNK_SIZE,
  DEFAULT_DEADLINE_MS,
  DEFAULT_MAX_BLOB_SIZE,
  DEFAULT_MAX_MANIFEST_SIZE,
  DEFAULT_MAX_REFERRERS,
  DEFAULT_MAX_SIGNATURE_BYTES,
  DEFAULT_MAX_SIGNATURE_LAYERS,
  DEFAULT_MAX_TAG_PAGES,
  DEFAULT_TIMEOUT_MS,
  envBytes,
  envCount,
  type RegistryClientOptions,
} from "./client_options.ts";
import {
  errorSummary,
  isTimeout,
  isTransient,
  networkError,
  readCapped,
  tooLarge,
} from "./registry_errors.ts";

/** Token scopes a request needs. */
export type Actions = "pull" | "push" | "delete";

/** One request to a registry, as {@link RegistryTransport.send} takes it. */
export interface RequestSpec {
  /** HTTP method. */
  method: string;
  /** The repository concerned (registry host and token scope). */
  repo: Repository;
  /** Path after /v2/, or an absolute URL (upload locations). */
  path: string;
  /** Token scope. */
  actions: Actions;
  /** More token scopes (cross-repository mounts). */
  extraScopes?: string[];
  /** Request headers. */
  headers?: Record<string, string>;
  /** Request body. */
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

/**
 * Hands a successful response's body to {@link RegistryTransport.sendRead} unwrapped: set by
 * `fetch` when it returns the raw response; `done` ends the request's abort link.
 */
interface RawBody {
  /** Statuses whose body the caller reads itself. */
  statuses: number[];
  /** The URL answered (after redirects), when the body was left unwrapped. */
  url?: string;
  /** Its declared length (at most {@link WHOLE_READ_MAX}). */
  length?: number;
  /** True once the request's timer (still running for the body) has fired. */
  timedOut?: () => boolean;
  /** Ends the request: stops its timer and unlinks it from the operation's signal. */
  done?: () => void;
}

/** Largest body {@link RegistryTransport.sendRead} reads in one piece (larger: chunk by chunk). */
const WHOLE_READ_MAX = 1024 * 1024;

/** One client operation: its total deadline (see {@link RegistryTransport.begin}). */
export interface Operation extends Deadline {
  /** What the operation does, for messages ("get manifest"). */
  readonly what: string;
  /** The object concerned ("localhost:5000/app:v1"). */
  readonly target: string;
}

interface RegistryState {
  base?: Promise<string>;
  challenge?: AuthChallenge;
  credential?: Promise<Credential | undefined>;
  tokens: Map<string, BearerToken>;
  referrersApi?: boolean;
}

/**
 * The transport: per registry it caches the scheme, the authentication challenge, credentials
 * and tokens per scope; counts requests. Shared by the manifest, blob, tag and referrer
 * operations of one {@link RegistryClient}.
 */
export class RegistryTransport {
  /** The client's options. */
  readonly options: RegistryClientOptions;
  /** The retry policy in force. */
  readonly retry: RetryPolicy;
  /** Total deadline of one operation, ms (0: none). */
  readonly deadlineMs: number;
  /** Time allowed for headers and for each body chunk, ms. */
  readonly timeoutMs: number;
  /** Cap on blob downloads in bytes. */
  readonly maxBlobSize: number;
  /** Cap on manifests in bytes. */
  readonly maxManifestSize: number;
  /** Chunk size for chunked uploads. */
  readonly chunkSize: number;
  /** Budget for the signature layers of one image, bytes. */
  readonly maxSignatureBytes: number;
  /** Most signature layers of one image. */
  readonly maxSignatureLayers: number;
  /** Most pages of one tag list. */
  readonly maxTagPages: number;
  /** Most referrers of one subject. */
  readonly maxReferrers: number;
  /** Requests made so far. */
  requests = 0;
  readonly #fetch: typeof fetch;
  readonly #registries = new Map<string, RegistryState>();
  #fetchReady?: Promise<void>;
  #customFetch?: typeof fetch;

  /**
   * Creates a transport; the custom fetch for caCerts/insecure is loaded on first use. Throws
   * CosignError("INVALID_INPUT") for a malformed COSIGN_MAX_ATTACHMENT_SIZE.
   */
  constructor(options: RegistryClientOptions) {
    this.options = options;
    const env = options.env ?? (() => undefined);
    this.maxBlobSize = options.maxBlobSize ?? envBytes(env, "COSIGN_MAX_ATTACHMENT_SIZE") ??
      DEFAULT_MAX_BLOB_SIZE;
    this.maxManifestSize = options.maxManifestSize ?? DEFAULT_MAX_MANIFEST_SIZE;
    this.chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    this.maxSignatureBytes = options.maxSignatureBytes ??
      envBytes(env, "COSIGN_TS_MAX_SIGNATURE_BYTES") ?? DEFAULT_MAX_SIGNATURE_BYTES;
    this.maxSignatureLayers = options.maxSignatureLayers ??
      envCount(env, "COSIGN_TS_MAX_SIGNATURE_LAYERS") ?? DEFAULT_MAX_SIGNATURE_LAYERS;
    this.maxTagPages = options.maxTagPages ??
      envCount(env, "COSIGN_TS_MAX_TAG_PAGES") ?? DEFAULT_MAX_TAG_PAGES;
    this.maxReferrers = options.maxReferrers ??
      envCount(env, "COSIGN_TS_MAX_REFERRERS") ?? DEFAULT_MAX_REFERRERS;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const d = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.deadlineMs = Number.isFinite(d) && d > 0 ? d : 0;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    if (!options.fetch && (options.caCerts?.length || options.insecure)) {
      this.#fetchReady = import("../runtime/http.ts").then((m) => {
        this.#customFetch = m.createFetch({
          caCerts: options.caCerts,
          insecureSkipVerify: options.insecure,
        });
      });
      // Reported on the first request; never an unhandled rejection for an unused transport.
      this.#fetchReady.catch(() => {});
    }
  }

  /**
   * Starts one operation: its signal aborts at the total deadline (a {@link DeadlineError}) or
   * when the client's signal aborts. Dispose it when the operation is over.
   */
  begin(what: string, target: string): Operation {
    const d = startDeadline(this.deadlineMs, this.options.signal, `${what} ${target}`);
    return { ...d, what, target };
  }

  /**
   * Runs `fn` as one operation (see {@link RegistryTransport.begin}); a deadline or cancel that
   * surfaces as some other error is reported as the NETWORK error naming the limit.
   */
  async run<T>(what: string, target: string, fn: (op: Operation) => Promise<T>): Promise<T> {
    const op = this.begin(what, target);
    try {
      return await fn(op);
    } catch (e) {
      throw op.signal.aborted ? abortError(op, e) : e;
    } finally {
      op.dispose();
    }
  }

  /** The per-registry state (scheme, challenge, credentials, tokens, referrers API). */
  state(registry: string): RegistryState {
    let s = this.#registries.get(registry);
    if (!s) {
      s = { tokens: new Map() };
      this.#registries.set(registry, s);
    }
    return s;
  }

  /** An absolute URL for an upload location the registry gave. */
  async absolute(r: Repository, location: string, op: Operation): Promise<string> {
    const base = await this.base(r.registry, op);
    return new URL(location, base + "/v2/").href;
  }

  /** The base URL (`https://host` or `http://host`) of a registry, found by pinging /v2/ once. */
  base(registry: string, op: Operation): Promise<string> {
    const state = this.state(registry);
    if (!state.base) {
      state.base = this.#ping(registry, state, op);
      state.base.catch(() => {
        if (this.state(registry).base) this.state(registry).base = undefined;
      });
    }
    return state.base;
  }

  async #ping(registry: string, state: RegistryState, op: Operation): Promise<string> {
    const httpAllowed = this.options.allowHttp || this.options.insecure ||
      isLocalRegistry(registry);
    const schemes = httpAllowed ? ["https", "http"] : ["https"];
    let firstError: unknown;
    for (const scheme of schemes) {
      const base = `${scheme}://${registry}`;
      let res: Response | undefined;
      for (let attempt = 0;; attempt++) {
        try {
          res = await this.fetch(`${base}/v2/`, { method: "GET" }, op);
        } catch (e) {
          if (firstError === undefined) firstError = e;
          // A server that accepted the connection and never answered will not answer plain
          // HTTP or a retry either: report the time limit instead of multiplying it.
          if (isTimeout(e) || op.signal.aborted) {
            throw networkError("reach registry", registry, e);
          }
          if (scheme === "https" && httpAllowed) break; // try plain HTTP
          if (attempt < this.retry.retries && isTransient(e)) {
            await sleep(backoffDelay(attempt, this.retry), op.signal);
            continue;
          }
          throw networkError("reach registry", registry, firstError);
        }
        if (isRetryableStatus(res.status) && attempt < this.retry.retries) {
          await this.#waitToRetry(res, attempt, op);
          continue;
        }
        break;
      }
      if (!res) continue;
      if (scheme === "http" && res.status === 400) {
        // An HTTPS server answering a plain request: report the TLS failure instead.
        await res.body?.cancel();
        throw networkError("reach registry", registry, firstError);
      }
      if (res.status === 401) {
        const challenges = parseWwwAuthenticate(res.headers.get("www-authenticate"));
        state.challenge = challenges.find((c) => c.scheme === "bearer") ??
          challenges.find((c) => c.scheme === "basic");
      }
      await res.body?.cancel();
      return base;
    }
    throw networkError("reach registry", registry, firstError);
  }

  /** The credential for a registry (given, or from docker's config), looked up once. */
  credential(registry: string): Promise<Credential | undefined> {
    const state = this.state(registry);
    if (!state.credential) {
      const c = this.options.credentials;
      if (typeof c === "function") state.credential = c(registry);
      else if (c) state.credential = Promise.resolve(c);
      else {
        state.credential = resolveCredential(
          registry,
          this.options.env ?? ((n: string) => globalThis.process?.env?.[n]),
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
    op: Operation,
  ): Promise<string | undefined> {
    const state = this.state(r.registry);
    const ch = state.challenge;
    if (!ch) return undefined;
    const cred = await this.credential(r.registry);
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
      fetch: (u, i) => this.fetch(String(u), i ?? {}, op),
      signal: op.signal,
    });
    state.tokens.set(key, token);
    return `Bearer ${token.token}`;
  }

  /**
   * Sends one request with authentication and retries; returns the response when its status is
   * in `spec.expect`, else throws the CosignError for the status (see the module doc).
   */
  async send(spec: RequestSpec, op: Operation, raw?: RawBody): Promise<Response> {
    const base = await this.base(spec.repo.registry, op);
    const absolute = /^https?:\/\//.test(spec.path);
    const url = absolute ? spec.path : `${base}/v2/${spec.path}`;
    // Credentials go only to the registry's own origin (an upload location may be elsewhere).
    const sameOrigin = !absolute || new URL(url).origin === new URL(base).origin;
    let authRetried = false;
    for (let attempt = 0;; attempt++) {
      const headers: Record<string, string> = { ...spec.headers };
      const auth = await this.#authorization(
        spec.repo,
        spec.actions,
        spec.extraScopes,
        authRetried,
        op,
      );
      if (auth && sameOrigin) headers.authorization = auth;
      let res: Response;
      try {
        res = await this.fetch(
          url,
          {
            method: spec.method,
            headers,
            body: spec.body as BodyInit | undefined,
            // deno-lint-ignore no-explicit-any
            ...(spec.body instanceof ReadableStream ? { duplex: "half" } as any : {}),
          },
          op,
          raw,
        );
      } catch (e) {
        if (
          spec.retryable && attempt < this.retry.retries && isTransient(e) && !op.signal.aborted
        ) {
          await sleep(backoffDelay(attempt, this.retry), op.signal);
          continue;
        }
        throw networkError(spec.what, spec.target, e);
      }
      if (res.status === 401 && !authRetried) {
        // A challenge we did not know (no ping challenge, or a token that expired or lacks scope).
        const challenges = parseWwwAuthenticate(res.headers.get("www-authenticate"));
        const ch = challenges.find((c) => c.scheme === "bearer") ??
          challenges.find((c) => c.scheme === "basic");
        if (ch && !(spec.body instanceof ReadableStream)) {
          await res.body?.cancel();
          this.state(spec.repo.registry).challenge = ch;
          authRetried = true;
          continue;
        }
      }
      if (spec.expect.includes(res.status)) return res;
      if (
        isRetryableStatus(res.status) && spec.retryable && attempt < this.retry.retries &&
        !(spec.body instanceof ReadableStream)
      ) {
        await this.#waitToRetry(res, attempt, op);
        continue;
      }
      throw await this.#statusError(spec, res);
    }
  }

  /**
   * {@link RegistryTransport.send}, then the whole body of an answer whose status is in
   * `spec.expect`, at most `max` bytes (TOO_LARGE naming `what` beyond). A small body of known
   * length is read in one piece straight from the response, within one `timeoutMs` (no stream
   * wrapper: the hot path of reading signature layers and manifests); others chunk by chunk as
   * {@link readCapped} does, with the idle timeout per chunk. Read failures are
   * CosignError("NETWORK") naming the URL, as from the body of {@link RegistryTransport.send}.
   * `announced` sees a declared Content-Length (within `max`) before the body is read, and may
   * refuse it by throwing.
   */
  async sendRead(
    spec: RequestSpec,
    op: Operation,
    max: number,
    what: string,
    options: { announced?: (length: number) => void } = {},
  ): Promise<{ res: Response; bytes: Uint8Array }> {
    const raw: RawBody = { statuses: spec.expect };
    const res = await this.send(spec, op, raw);
    const { done, timedOut, length } = raw;
    if (!done || !timedOut || length === undefined) {
      return { res, bytes: await readCapped(res, max, what) };
    }
    let bytes: Uint8Array;
    try {
      if (length > max) throw tooLarge(what, length, max);
      options.announced?.(length);
      bytes = new Uint8Array(await res.arrayBuffer());
      if (bytes.length > max) throw tooLarge(what, bytes.length, max);
    } catch (e) {
      if (e instanceof CosignError) {
        await res.body?.cancel().catch(() => {});
        throw e;
      }
      const url = new URL(raw.url ?? "", "http://invalid");
      throw op.signal.aborted ? abortError(op, e) : networkError(
        "read the answer from",
        `${url.host}${url.pathname}`,
        timedOut()
          ? new Error(`timed out: the answer did not arrive within ${this.timeoutMs} ms`)
          : e,
      );
    } finally {
      done();
    }
    return { res, bytes };
  }

  /** Drops a retryable answer and waits before the next attempt, as its Retry-After asks. */
  async #waitToRetry(res: Response, attempt: number, op: Operation): Promise<void> {
    await res.body?.cancel();
    await sleep(backoffDelay(attempt, this.retry, res.headers.get("retry-after")), op.signal);
  }

  async #statusError(spec: RequestSpec, res: Response): Promise<CosignError> {
    const detail = await errorSummary(res);
    const what = `Cannot ${spec.what} ${spec.target}`;
    const suffix = detail ? `: ${detail}` : "";
    const registry = spec.repo.registry;
    if (res.status === 401 || res.status === 403) {
      const cred = await this.credential(registry).catch(() => undefined);
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

  /**
   * Checks that `credential` is accepted by `registry` (as `docker login` does): Basic
   * registries get `GET /v2/` with it, token registries a token request with it. Anonymous
   * registries accept anything. Throws AUTH when rejected, NETWORK when unreachable.
   */
  checkCredentials(registry: string, credential: Credential): Promise<void> {
    return this.run("log in to", registry, async (op) => {
      const state = this.state(registry);
      const base = await this.base(registry, op);
      const ch = state.challenge;
      if (!ch) return;
      if (ch.scheme === "bearer" && ch.params.realm) {
        await fetchBearerToken({
          realm: ch.params.realm,
          service: ch.params.service,
          scopes: [],
          credential,
          registry,
          fetch: (u, i) => this.fetch(String(u), i ?? {}, op),
          signal: op.signal,
        });
        return;
      }
      const headers: Record<string, string> = {};
      if (credential.username !== undefined && credential.password !== undefined) {
        headers.authorization = basicAuthHeader(credential.username, credential.password);
      }
      let res: Response;
      try {
        res = await this.fetch(`${base}/v2/`, { method: "GET", headers }, op);
      } catch (e) {
        throw networkError("reach registry", registry, e);
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
    });
  }

  /**
   * One HTTP exchange: headers within `timeoutMs`, redirects of reads followed (credentials
   * never leave the registry's origin), the body watched (see the module doc), all under the
   * operation's deadline.
   */
  async fetch(url: string, init: RequestInit, op: Operation, raw?: RawBody): Promise<Response> {
    if (this.#fetchReady) await this.#fetchReady;
    const f = this.#customFetch ?? this.#fetch;
    const ctrl = new AbortController();
    const timeout = this.timeoutMs;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ctrl.abort(new Error(`no answer within ${timeout} ms`));
    }, timeout);
    const onAbort = () => ctrl.abort(op.signal.reason);
    if (op.signal.aborted) ctrl.abort(op.signal.reason);
    else op.signal.addEventListener("abort", onAbort, { once: true });
    this.requests++;
    let status = 0;
    let watched = false;
    let keepTimer = false;
    try {
      let headers: HeadersInit | undefined = init.headers;
      if (this.options.userAgent) {
        const h = new Headers(init.headers);
        h.set("user-agent", this.options.userAgent);
        headers = h;
      }
      let res = await f(url, { ...init, headers, signal: ctrl.signal, redirect: "manual" });
      // Follow redirects of reads ourselves (blob downloads go to CDNs): credentials never
      // leave the registry's origin.
      const method = (init.method ?? "GET").toUpperCase();
      let current: URL | undefined;
      for (let hop = 0; hop < 10 && (method === "GET" || method === "HEAD"); hop++) {
        if (res.status < 301 || res.status > 308 || res.status === 304) break;
        const loc = res.headers.get("location");
        if (![301, 302, 303, 307, 308].includes(res.status) || !loc) break;
        await res.body?.cancel();
        current ??= new URL(url);
        const next = new URL(loc, current);
        if (next.protocol !== "https:" && next.protocol !== "http:") break;
        if (current.protocol === "https:" && next.protocol === "http:") {
          throw new Error(`refusing a redirect from HTTPS to plain HTTP (${next.origin})`);
        }
        if (next.origin !== current.origin) {
          const h = new Headers(headers);
          h.delete("authorization");
          headers = h;
        }
        current = next;
        this.requests++;
        res = await f(next.href, { method, headers, signal: ctrl.signal, redirect: "manual" });
      }
      status = res.status;
      const length = raw && Number(res.headers.get("content-length") ?? NaN);
      if (
        raw && res.body && res.status >= 200 && res.status < 300 &&
        raw.statuses.includes(res.status) && length !== undefined && length <= WHOLE_READ_MAX
      ) {
        // sendRead reads this small body in one piece, within the same timer, then calls done.
        keepTimer = true;
        raw.url = current?.href ?? url;
        raw.length = length;
        raw.timedOut = () => timedOut;
        raw.done = () => {
          clearTimeout(timer);
          op.signal.removeEventListener("abort", onAbort);
        };
        watched = true;
        return res;
      }
      clearTimeout(timer);
      const done = () => op.signal.removeEventListener("abort", onAbort);
      const watchedRes = this.#watchBody(res, ctrl, op, current ?? new URL(url), done);
      watched = watchedRes !== res;
      return watchedRes;
    } catch (e) {
      if (op.signal.aborted) throw op.signal.reason ?? e;
      if (timedOut) throw new Error(`timed out: no answer within ${formatDuration(timeout)}`);
      throw e;
    } finally {
      if (!keepTimer) clearTimeout(timer);
      if (!watched) op.signal.removeEventListener("abort", onAbort);
      this.options.onRequest?.({ method: init.method ?? "GET", url, status });
      this.options.log?.debug(`registry: ${init.method ?? "GET"} ${url} -> ${status || "failed"}`);
    }
  }

  /**
   * Wraps a response body so that a registry that stops sending data mid-body (no chunk for
   * `timeoutMs` while we wait for one) fails the read, the operation's deadline and cancel
   * signal stop it however often bytes trickle in, and read failures are CosignError("NETWORK")
   * naming the URL. No idle timer runs while the consumer is not reading.
   */
  #watchBody(
    res: Response,
    ctrl: AbortController,
    op: Operation,
    url: URL,
    done: () => void,
  ): Response {
    if (!res.body || [101, 204, 205, 304].includes(res.status)) return res;
    const reader = res.body.getReader();
    const timeout = this.timeoutMs;
    const where = `${url.host}${url.pathname}`;
    let stalled = false;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const t = setTimeout(() => {
          stalled = true;
          ctrl.abort(new Error(`timed out: no data for ${timeout} ms`));
        }, timeout);
        try {
          // The operation's signal aborts the fetch (see fetch), which fails a pending read.
          const { done: end, value } = await reader.read();
          if (op.signal.aborted) throw op.signal.reason;
          if (end) {
            controller.close();
            done();
          } else controller.enqueue(value);
        } catch (e) {
          done();
          reader.cancel().catch(() => {});
          controller.error(
            op.signal.aborted ? abortError(op, e) : networkError(
              "read the answer from",
              where,
              stalled ? new Error(`timed out: the registry sent no data for ${timeout} ms`) : e,
            ),
          );
        } finally {
          clearTimeout(t);
        }
      },
      cancel(reason) {
        done();
        return reader.cancel(reason);
      },
    });
    return new Response(body, {
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
    });
  }
}

/**
 * Ties an operation to a stream handed to the caller: the operation (and its deadline) ends
 * when the stream ends, fails or is cancelled; failures after the deadline or a cancel name it.
 */
export function streamWithin(
  stream: ReadableStream<Uint8Array>,
  op: Operation,
): ReadableStream<Uint8Array> {
  return streamWithinDeadline(stream, op, (e) => op.signal.aborted ? abortError(op, e) : e);
}

/** The error for an operation whose deadline expired or whose signal aborted. */
export function abortError(op: Operation, e: unknown): CosignError {
  const reason = op.signal.reason;
  if (reason instanceof CosignError) return reason;
  if (e instanceof CosignError && !(e.cause instanceof DeadlineError) && !isTimeout(e)) {
    if (!(reason instanceof DeadlineError)) return e;
  }
  if (reason instanceof DeadlineError) {
    const own = reason.what === `${op.what} ${op.target}`;
    return new CosignError(
      "NETWORK",
      `Cannot ${op.what} ${op.target}: timed out: ${
        own ? "no complete answer" : `${reason.what} did not complete`
      } within ${formatDuration(reason.ms)}${
        own ? " (the deadline of one registry operation)" : ""
      }`,
      {
        hint:
          "The registry is too slow or does not answer; try again, or allow more time with -t/--timeout (e.g. -t 10m).",
        cause: reason,
      },
    );
  }
  return new CosignError(
    "NETWORK",
    `Cannot ${op.what} ${op.target}: ${describeError(reason ?? e)}`,
    { hint: "The command was cancelled or ran out of time (-t/--timeout).", cause: reason ?? e },
  );
}
