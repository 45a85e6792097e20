/**
 * An http(s) URL taken from configuration (an environment variable, a setting, a reference),
 * parsed once with a clear error: services' endpoint overrides (`AZURE_AUTHORITY_HOST`,
 * `CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDKMS`, …) go through it.
 *
 * @example
 * ```ts
 * const base = httpUrl(ctx.env("AZURE_AUTHORITY_HOST")!, 'AZURE_AUTHORITY_HOST "x"',
 *   "Set it to e.g. https://login.microsoftonline.com/.");
 * ```
 * @module
 */
import { CosignError, type ErrorCode } from "./errors.ts";

/**
 * `value` as a URL when it is an absolute http: or https: URL. Throws CosignError(`code`, default
 * "INVALID_INPUT"; "USAGE" for a command-line flag) `Invalid <what>: not an http(s) URL` with
 * `hint` otherwise.
 */
export function httpUrl(
  value: string,
  what: string,
  hint?: string,
  code: ErrorCode = "INVALID_INPUT",
): URL {
  let u: URL | undefined;
  try {
    u = new URL(value);
  } catch { /* below */ }
  if (!u || (u.protocol !== "https:" && u.protocol !== "http:")) {
    throw new CosignError(code, `Invalid ${what}: not an http(s) URL`, { hint });
  }
  return u;
}

/**
 * True when `hostname` (as `URL.hostname` gives it) is a loopback address or `localhost`: where
 * plain http:// is acceptable (plugin URLs, `--key http://…`).
 *
 * @example
 * ```ts
 * isLoopbackHost(new URL("http://127.0.0.1:8080/k.pub").hostname); // true
 * ```
 */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
