/**
 * One HTTP POST to a Sigstore service (Fulcio, Rekor, a timestamp authority) with errors a user
 * can act on: connection failures and non-2xx answers become CosignError("NETWORK"/"AUTH")
 * naming the service, the URL and the server's message.
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
import { concatBytes } from "./concat_bytes.ts";
import { CosignError, describeError } from "./errors.ts";

/** A request for {@link postToService}. */
export interface ServiceRequest {
  /** Request body. */
  body: string | Uint8Array;
  /** Content-Type header. */
  contentType: string;
  /** Accept header; default the content type. */
  accept?: string;
  /** Extra headers (e.g. Authorization). */
  headers?: Record<string, string>;
  /** Cancels the request. */
  signal?: AbortSignal;
  /** Give up after this many milliseconds (default 60 s). */
  timeoutMs?: number;
  /** Non-2xx statuses returned instead of thrown (e.g. Rekor's 409 Conflict). */
  acceptStatus?: number[];
}

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
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.length;
    if (n > max) {
      await reader.cancel();
      throw tooLarge();
    }
    parts.push(value);
  }
  return concatBytes(parts, n);
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
 * POSTs to a service and returns the response when its status is 2xx. Throws
 * CosignError("NETWORK") when the service cannot be reached or answers with an error status,
 * CosignError("AUTH") for 401/403.
 */
export async function postToService(
  service: string,
  url: string,
  req: ServiceRequest,
): Promise<Response> {
  let res: Response;
  const timeout = AbortSignal.timeout(req.timeoutMs ?? 60_000);
  const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": req.contentType,
        accept: req.accept ?? req.contentType,
        "user-agent": "cosign-ts",
        ...req.headers,
      },
      body: req.body as BodyInit,
      signal,
    });
  } catch (e) {
    throw new CosignError("NETWORK", `Cannot reach ${service} at ${url}: ${describeError(e)}`, {
      hint: `Check the ${service} URL and your network connection.`,
      cause: e,
    });
  }
  if (res.ok || req.acceptStatus?.includes(res.status)) return res;
  const quoted = await errorText(service, url, res);
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
 * GETs JSON from a service. Throws CosignError("NETWORK") when it cannot be reached, answers
 * with an error status or with something that is not JSON.
 */
export async function getFromService(
  service: string,
  url: string,
  signal?: AbortSignal,
): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { accept: "application/json", "user-agent": "cosign-ts" },
      signal: signal ?? AbortSignal.timeout(60_000),
    });
  } catch (e) {
    throw new CosignError("NETWORK", `Cannot reach ${service} at ${url}: ${describeError(e)}`, {
      hint: `Check the ${service} URL and your network connection.`,
      cause: e,
    });
  }
  if (!res.ok) {
    const text = await errorText(service, url, res);
    throw new CosignError(
      "NETWORK",
      `${service} at ${url} answered HTTP ${res.status}${text ? `: ${text}` : ""}`,
      { hint: `${service} failed; try again later.` },
    );
  }
  return await responseJson(service, url, res);
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
