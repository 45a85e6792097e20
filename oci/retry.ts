/**
 * Bounded exponential backoff for registry requests: 429, 5xx and dropped connections are
 * retried; `Retry-After` (seconds or an HTTP date) is honoured up to a cap.
 *
 * @example
 * ```ts
 * const wait = backoffDelay(attempt, { baseMs: 200, maxMs: 5000 }, res.headers.get("retry-after"));
 * ```
 * @module
 */

/** Retry policy. */
export interface RetryPolicy {
  /** Attempts after the first (default 3). */
  retries: number;
  /** First delay in milliseconds (default 200). */
  baseMs: number;
  /** Largest delay in milliseconds, also the cap for Retry-After (default 5000). */
  maxMs: number;
}

/** The default policy: 3 retries, 200 ms doubling, at most 5 s. */
export const DEFAULT_RETRY: RetryPolicy = { retries: 3, baseMs: 200, maxMs: 5000 };

/** True for statuses worth retrying: 408, 429, 500, 502, 503, 504. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status === 500 || status === 502 ||
    status === 503 || status === 504;
}

/**
 * Milliseconds to wait before retry number `attempt` (0-based): `Retry-After` when given (capped
 * at `maxMs`), else `baseMs * 2^attempt` with ±25 % jitter, capped at `maxMs`.
 */
export function backoffDelay(
  attempt: number,
  policy: Pick<RetryPolicy, "baseMs" | "maxMs">,
  retryAfter?: string | null,
  now: number = Date.now(),
): number {
  if (retryAfter) {
    const secs = Number(retryAfter.trim());
    if (Number.isFinite(secs) && secs >= 0) return Math.min(secs * 1000, policy.maxMs);
    const when = Date.parse(retryAfter);
    if (Number.isFinite(when)) return Math.min(Math.max(0, when - now), policy.maxMs);
  }
  const base = Math.min(policy.baseMs * 2 ** attempt, policy.maxMs);
  const jitter = base * (0.75 + Math.random() * 0.5);
  return Math.min(Math.round(jitter), policy.maxMs);
}

/** Waits `ms` milliseconds, rejecting early if `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
