/**
 * One JSON request to a key management service (Vault transit, AWS KMS, GCP KMS, Azure Key
 * Vault) with errors a user can act on. Built on core/service_request.ts: one total deadline per
 * request (default 60 s) chained to the command's `-t/--timeout` signal, fetch failures in our
 * words naming host and port. On top of that:
 *
 * - an answer that is not JSON ("garbage") is CosignError("NETWORK") naming the service, the
 *   action and the URL, quoting the start of the answer;
 * - a non-2xx answer goes to the caller's `failure` hook, which reads the service's own error
 *   JSON (Vault `{"errors":[…]}`, AWS `{"__type","message"}`, …) and words the error; without a
 *   hook (or when it returns undefined) a generic error: CosignError("AUTH") for 401/403,
 *   CosignError("NETWORK") otherwise, quoting the service's message;
 * - request headers (tokens, signatures) never appear in any message.
 *
 * @example
 * ```ts
 * const json = await kmsRequest("Vault", `${addr}/v1/transit/keys/k`, {
 *   method: "GET", headers: { "x-vault-token": token }, action: 'read key "k"', signal: ctx.signal,
 * }) as { data: unknown };
 * ```
 * @module
 */
import { CosignError } from "../errors.ts";
import { postToService, readResponseBytes } from "../service_request.ts";

/** An answer with a non-2xx status, as given to {@link KmsRequest.failure}. */
export interface KmsFailure {
  /** HTTP status. */
  status: number;
  /** The answer parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
  /** The answer as text (at most 64 KiB). */
  text: string;
}

/** A request for {@link kmsRequest}. */
export interface KmsRequest {
  /** HTTP method; default "POST". */
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Headers (lower-case names); never quoted in errors. */
  headers?: Record<string, string>;
  /** The body: an object is sent as JSON; a string or bytes as they are. */
  body?: unknown;
  /** Content-Type of the body; default "application/json". */
  contentType?: string;
  /** What the request does, for messages: `sign with "hashivault://k"`. */
  action: string;
  /** Cancels the request (the command's `-t/--timeout`). */
  signal?: AbortSignal;
  /** Total deadline in milliseconds (default 60 s). */
  timeoutMs?: number;
  /** The fetch to use (e.g. runtime/http.ts createFetch with a cluster's CA); default global. */
  fetch?: typeof fetch;
  /** Words a non-2xx answer; return undefined for the generic error. */
  failure?: (f: KmsFailure) => CosignError | undefined;
  /**
   * Statuses that mean "does not exist (yet)": kmsRequest returns undefined for them instead of
   * calling `failure` and throwing (e.g. `[404]` where a missing key is an answer, not an error).
   */
  absentOn?: readonly number[];
}

/** Largest answer read from a KMS (keys, signatures and error messages are small). */
const MAX_KMS_RESPONSE_BYTES = 1024 * 1024;

/** The message a KMS error body carries, in the common shapes, or the text itself. */
export function kmsErrorMessage(json: unknown, text: string): string {
  const o = json as Record<string, unknown> | undefined;
  const pick = (): unknown => {
    if (!o || typeof o !== "object") return undefined;
    if (Array.isArray(o.errors)) return o.errors.filter((e) => typeof e === "string").join("; ");
    const err = o.error as Record<string, unknown> | string | undefined;
    if (typeof err === "string") return o.error_description ?? err;
    if (err && typeof err === "object") return err.message;
    return o.message ?? o.Message;
  };
  const m = pick();
  // A recognised error shape without a message (Vault's `{"errors":[]}`) quotes nothing.
  return (typeof m === "string" ? m : text).trim().slice(0, 400);
}

/**
 * Sends one request to a KMS and returns its JSON answer (undefined for an empty 2xx body, or
 * for a status listed in `absentOn`).
 * Throws CosignError("NETWORK") when the service cannot be reached, runs out of time (naming the
 * limit and `-t/--timeout`), answers something that is not JSON, or answers with an error status;
 * CosignError("AUTH") for 401/403; whatever `failure` returns for other error statuses.
 */
export async function kmsRequest(service: string, url: string, req: KmsRequest): Promise<unknown> {
  const body = req.body === undefined
    ? undefined
    : typeof req.body === "string" || req.body instanceof Uint8Array
    ? req.body
    : JSON.stringify(req.body);
  let res: Response;
  try {
    res = await postToService(service, url, {
      method: req.method ?? "POST",
      body,
      contentType: req.contentType ?? "application/json",
      accept: "application/json",
      headers: req.headers,
      signal: req.signal,
      timeoutMs: req.timeoutMs,
      anyStatus: true,
      fetch: req.fetch,
    });
  } catch (e) {
    throw withAction(e, req.action);
  }
  let bytes: Uint8Array;
  try {
    bytes = await readResponseBytes(service, url, res, MAX_KMS_RESPONSE_BYTES);
  } catch (e) {
    throw withAction(e, req.action);
  }
  const text = new TextDecoder().decode(bytes);
  let json: unknown;
  let parsed = text.trim() === "";
  try {
    if (!parsed) {
      json = JSON.parse(text);
      parsed = true;
    }
  } catch { /* not JSON */ }
  if (res.ok) {
    if (!parsed) {
      throw new CosignError(
        "NETWORK",
        `Cannot ${req.action}: ${service} at ${url} sent an answer that is not JSON: ${
          JSON.stringify(text.slice(0, 120))
        }`,
        { hint: `Check that the address points at ${service} (and not at a proxy or web page).` },
      );
    }
    return json;
  }
  if (req.absentOn?.includes(res.status)) return undefined;
  const custom = req.failure?.({ status: res.status, json: parsed ? json : undefined, text });
  if (custom) throw custom;
  const auth = res.status === 401 || res.status === 403;
  const quoted = kmsErrorMessage(json, text);
  throw new CosignError(
    auth ? "AUTH" : "NETWORK",
    `Cannot ${req.action}: ${service} at ${url} answered HTTP ${res.status}${
      quoted ? `: ${quoted}` : ""
    }`,
    {
      hint: auth
        ? `Check the credentials given to ${service} and their permissions on the key.`
        : res.status >= 500
        ? `${service} failed; try again later.`
        : `${service} rejected the request; check the key reference and its configuration.`,
    },
  );
}

/** A CosignError from service_request with the action put in front of its message. */
function withAction(e: unknown, action: string): unknown {
  if (!(e instanceof CosignError)) return e;
  return new CosignError(e.code, `Cannot ${action}: ${e.message}`, {
    hint: e.hint,
    check: e.check,
    cause: e,
  });
}
