/**
 * Access tokens kept for the run, by what they depend on (credentials, tenant, scope …): the
 * first request for a key fetches, every later one shares that promise; a failed fetch is
 * forgotten, so the next request tries again. One rule for the KMS plugins' credential chains
 * (Google, Azure) instead of a Map and its bookkeeping in each.
 *
 * @example
 * ```ts
 * const cached = tokenCache<{ accessToken: string }>();
 * const t = await cached(`${tenant}\0${scope}`, () => fetchToken(tenant, scope));
 * ```
 * @module
 */

/** Returns `get()`'s promise for `key`, fetching only when none is kept. */
export type TokenCache<T> = (key: string, get: () => Promise<T>) => Promise<T>;

/** A new, empty {@link TokenCache}. */
export function tokenCache<T>(): TokenCache<T> {
  const kept = new Map<string, Promise<T>>();
  return (key, get) => {
    let p = kept.get(key);
    if (!p) {
      p = get();
      kept.set(key, p);
      p.catch(() => kept.delete(key));
    }
    return p;
  };
}
