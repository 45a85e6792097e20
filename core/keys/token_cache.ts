/**
 * Access tokens kept for the run, by what they depend on (credentials, tenant, scope …): the
 * first request for a key fetches, every later one shares that promise; a failed fetch is
 * forgotten, so the next request tries again; a token that says when it expires
 * (`expiresAt`, see {@link tokenExpiry}) is fetched again once it is within
 * {@link TOKEN_EXPIRY_MARGIN_MS} of that time. One rule for the KMS plugins' credential chains
 * (Google, Azure) instead of a Map and its bookkeeping in each.
 *
 * @example
 * ```ts
 * const cached = tokenCache<{ accessToken: string; expiresAt?: number }>();
 * const t = await cached(`${tenant}\0${scope}`, () => fetchToken(tenant, scope));
 * ```
 * @module
 */

/** How long before its expiry a kept token is no longer handed out (a minute). */
export const TOKEN_EXPIRY_MARGIN_MS = 60_000;

/** What the cache reads of a token (any other shape is kept for the run). */
export interface ExpiringToken {
  /** Expiry, milliseconds since the epoch; absent: kept for the run. */
  expiresAt?: number;
}

/** Returns `get()`'s promise for `key`, fetching only when no unexpired one is kept. */
export type TokenCache<T> = (key: string, get: () => Promise<T>) => Promise<T>;

/** A new, empty {@link TokenCache}; `now` (default `Date.now`) for tests. */
export function tokenCache<T>(
  now: () => number = Date.now,
): TokenCache<T> {
  const kept = new Map<string, { token: Promise<T>; expiresAt?: number }>();
  return (key, get) => {
    const k = kept.get(key);
    if (k && (k.expiresAt === undefined || now() < k.expiresAt - TOKEN_EXPIRY_MARGIN_MS)) {
      return k.token;
    }
    const entry: { token: Promise<T>; expiresAt?: number } = { token: get() };
    kept.set(key, entry);
    entry.token.then(
      (t) => (entry.expiresAt = (t as ExpiringToken | undefined)?.expiresAt),
      () => kept.get(key) === entry && kept.delete(key),
    );
    return entry.token;
  };
}

function seconds(v: unknown): number | undefined {
  const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** The `exp` claim of a JWT access token (seconds), read without checking the signature. */
function jwtExp(token: string): number | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    const b64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
    return seconds((JSON.parse(atob(b64)) as { exp?: unknown })?.exp);
  } catch {
    return undefined;
  }
}

/**
 * When a token answer says its token expires, in ms since the epoch (the earliest of what it
 * says): OAuth2's `expires_in` (seconds from `now`), Azure's `expires_on` (epoch seconds),
 * Google IAM's `expireTime` (RFC 3339), and the `exp` claim when the token is a JWT. Undefined
 * when none is given (the token is then kept for the run).
 *
 * @example
 * ```ts
 * tokenExpiry({ access_token: "t", expires_in: 3599 }, "t"); // Date.now() + 3599000
 * ```
 */
export function tokenExpiry(answer: unknown, token: string, now = Date.now()): number | undefined {
  const a = (answer ?? {}) as Record<string, unknown>;
  const found: number[] = [];
  const expiresIn = seconds(a.expires_in);
  if (expiresIn !== undefined) found.push(now + expiresIn * 1000);
  const expiresOn = seconds(a.expires_on);
  if (expiresOn !== undefined) found.push(expiresOn * 1000);
  if (typeof a.expireTime === "string" && Number.isFinite(Date.parse(a.expireTime))) {
    found.push(Date.parse(a.expireTime));
  }
  const exp = jwtExp(token);
  if (exp !== undefined) found.push(exp * 1000);
  return found.length ? Math.min(...found) : undefined;
}
