/**
 * One HTTP POST to a Sigstore service (Fulcio, Rekor, a timestamp authority) with errors a user
 * can act on: connection failures and non-2xx answers become CosignError("NETWORK"/"AUTH")
 * naming the service, the URL and the server's message.
 *
 * Every request has a TOTAL deadline (default 60 s, `timeoutMs`) covering the connection, the
 * headers and the whole body, however slowly the bytes trickle in, and honours the caller's
 * `signal` (the command's `-t/--timeout`); the error names the limit that expired.
 *
 * @example
 * ```ts
 * const res = await postToService("Rekor", "https://rekor.sigstore.dev/api/v1/log/entries", {
 *   body: JSON.stringify(entry), contentType: "application/json",
 * });
 * const json = await res.json();
 * ```
 * @module
 */
import {
  type Deadline,
  DeadlineError,
  formatDuration,
  startDeadline,
  streamWithinDeadline,
} from "./deadline.ts";
import { CosignError, describeError } from "./errors.ts";
import { describeFetchFailure } from "./fetch_failure.ts";
import { readAll } from "./read_all.ts";

/** A request for {@link postToService}. */
export interface ServiceRequest {
  /** HTTP method; default "POST" (KMS clients also GET, PUT and PATCH). */
  method?: string;
  /** Request body; absent for a GET. */
  body?: string | Uint8Array;
  /** Content-Type header. */
  contentType: string;
  /** Accept header; default the content type. */
  accept?: string;
  /** Extra headers (e.g. Authorization). */
  headers?: Record<string, string>;
  /** Cancels the request. */
  signal?: AbortSignal;
  /** Total deadline in milliseconds, body included (default {@link SERVICE_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** Non-2xx statuses returned instead of thrown (e.g. Rekor's 409 Conflict). */
  acceptStatus?: number[];
  /**
   * Return every answer, whatever its status (for services whose error bodies the caller
   * reads itself, e.g. KMS error JSON); connection failures and deadlines still throw.
   */
  anyStatus?: boolean;
  /** The fetch to use (e.g. one with its own CA and client certificate); default global fetch. */
  fetch?: typeof fetch;
}

/** Default total deadline of one request to a Sigstore service: 60 s. */
export const SERVICE_TIMEOUT_MS = 60_000;

/** Longest server message quoted in an error. */
const MAX_QUOTED = 400;

/** Largest response body read from a Sigstore service (certificates, log entries, timestamps). */
export const MAX_SERVICE_RESPONSE_BYTES = 8 * 1024 * 1024;

/**
 * Reads a response body, refusing more than `max` bytes. Throws CosignError("TOO_LARGE") naming
 * the service and URL when the body is larger.
 */
export async function readResponseBytes(
  service: string,
  url: string,
  res: Response,
  max: number = MAX_SERVICE_RESPONSE_BYTES,
): Promise<Uint8Array> {
  return await readBodyCapped(res, max, () =>
    new CosignError(
      "TOO_LARGE",
      `${service} at ${url} sent a response larger than ${max} bytes`,
      { hint: `Check that the URL points at a ${service}.` },
    ));
}

/**
 * Reads a response body, refusing more than `max` bytes: when the declared Content-Length or
 * the bytes read go over it, cancels the body and throws `tooLarge()`. For callers that word
 * the error themselves (see {@link readResponseBytes}).
 *
 * @example
 * ```ts
 * const bytes = await readBodyCapped(res, 1 << 20, () => new CosignError("TOO_LARGE", "…"));
 * ```
 */
export async function readBodyCapped(
  res: Response,
  max: number,
  tooLarge: () => Error,
): Promise<Uint8Array> {
  const declared = Number(res.headers.get("content-length") ?? NaN);
  if (declared > max) {
    await res.body?.cancel();
    throw tooLarge();
  }
  if (!res.body) return new Uint8Array();
  return await readAll(res.body, max, tooLarge);
}

/**
 * The error for a request that failed: with the deadline's or the caller's reason when either
 * stopped it, naming the limit.
 */
function requestError(service: string, url: string, e: unknown, d: Deadline): CosignError {
  if (e instanceof CosignError) return e;
  const reason = d.signal.aborted ? d.signal.reason : undefined;
  if (reason instanceof CosignError) return reason;
  if (reason instanceof DeadlineError) {
    return new CosignError(
      "NETWORK",
      `Cannot reach ${service} at ${url}: timed out: no complete answer within ${
        formatDuration(reason.ms)
      }`,
      {
        hint:
          `${service} is too slow or does not answer; try again later, or allow more time with -t/--timeout.`,
        cause: reason,
      },
    );
  }
  if (reason) {
    return new CosignError(
      "NETWORK",
      `Cannot reach ${service} at ${url}: ${describeError(reason)}`,
      { hint: "The command was cancelled or ran out of time (-t/--timeout).", cause: reason },
    );
  }
  const f = describeFetchFailure(e, url, service);
  return new CosignError("NETWORK", `Cannot reach ${service} at ${url}: ${f.why}`, {
    hint: f.hint,
    cause: e,
  });
}

/**
 * The response with its body tied to the deadline: the deadline ends with the body; a read
 * stopped by it fails with the CosignError naming the limit.
 */
function bodyWithin(service: string, url: string, res: Response, d: Deadline): Response {
  if (!res.body) {
    d.dispose();
    return res;
  }
  const body = streamWithinDeadline(res.body, d, (e) => requestError(service, url, e, d));
  return new Response(body, {
    status: res.status,
    statusText: res.statusText,
    headers: res.headers,
  });
}

async function errorText(service: string, url: string, res: Response): Promise<string> {
  try {
    const b = await readResponseBytes(service, url, res, 64 * 1024);
    return new TextDecoder().decode(b).trim().slice(0, MAX_QUOTED);
  } catch {
    return "";
  }
}

/**
 * POSTs to a service (or sends `req.method`) and returns the response when its status is 2xx
 * (or any response with `req.anyStatus`). Throws
 * CosignError("NETWORK") when the service cannot be reached or answers with an error status,
 * CosignError("AUTH") for 401/403.
 */
export async function postToService(
  service: string,
  url: string,
  req: ServiceRequest,
): Promise<Response> {
  let res: Response;
  const d = startDeadline(req.timeoutMs ?? SERVICE_TIMEOUT_MS, req.signal);
  try {
    res = await (req.fetch ?? fetch)(url, {
      method: req.method ?? "POST",
      headers: {
        "content-type": req.contentType,
        accept: req.accept ?? req.contentType,
        "user-agent": "cosign-ts",
        ...req.headers,
      },
      body: req.body as BodyInit,
      signal: d.signal,
    });
  } catch (e) {
    d.dispose();
    throw requestError(service, url, e, d);
  }
  if (res.ok || req.anyStatus || req.acceptStatus?.includes(res.status)) {
    return bodyWithin(service, url, res, d);
  }
  const quoted = await errorText(service, url, res);
  d.dispose();
  const auth = res.status === 401 || res.status === 403;
  throw new CosignError(
    auth ? "AUTH" : "NETWORK",
    `${service} at ${url} refused the request: HTTP ${res.status}${quoted ? `: ${quoted}` : ""}`,
    {
      hint: auth
        ? `Check the identity token or credentials given to ${service}.`
        : res.status >= 500
        ? `${service} failed; try again later or use another ${service} instance.`
        : `The request was rejected by ${service}; check the flags and inputs.`,
    },
  );
}

/**
 * GETs JSON from a service within a total deadline (`timeoutMs`, default
 * {@link SERVICE_TIMEOUT_MS}, body included) and the caller's `signal`. Throws
 * CosignError("NETWORK") when it cannot be reached, runs out of time (naming the limit), answers
 * with an error status or with something that is not JSON.
 */
export async function getFromService(
  service: string,
  url: string,
  signal?: AbortSignal,
  timeoutMs: number = SERVICE_TIMEOUT_MS,
): Promise<unknown> {
  const d = startDeadline(timeoutMs, signal);
  try {
    let res: Response;
    try {
      res = await fetch(url, {
        headers: { accept: "application/json", "user-agent": "cosign-ts" },
        signal: d.signal,
      });
    } catch (e) {
      throw requestError(service, url, e, d);
    }
    if (!res.ok) {
      const text = await errorText(service, url, res);
      throw new CosignError(
        "NETWORK",
        `${service} at ${url} answered HTTP ${res.status}${text ? `: ${text}` : ""}`,
        { hint: `${service} failed; try again later.` },
      );
    }
    return await responseJson(service, url, bodyWithin(service, url, res, d));
  } finally {
    d.dispose();
  }
}

/** Reads a response body as JSON; CosignError("NETWORK") when it is not JSON. */
export async function responseJson(service: string, url: string, res: Response): Promise<unknown> {
  const text = new TextDecoder().decode(await readResponseBytes(service, url, res));
  try {
    return JSON.parse(text);
  } catch {
    throw new CosignError(
      "NETWORK",
      `${service} at ${url} sent a response that is not JSON: ${text.slice(0, 200)}`,
      { hint: `Check that ${url} is a ${service} endpoint.` },
    );
  }
}
