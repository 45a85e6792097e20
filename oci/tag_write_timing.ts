/**
 * Timing of cosign-ts's race-free read-modify-write of a tag, shared by the `.sig`/`.att` appends
 * (plugins/artifact-oci/append_signatures.ts) and the referrers fallback index
 * (oci/tags_referrers.ts updateReferrersIndex): after its check-and-PUT a writer waits a
 * jittered settling delay, then re-reads the tag to confirm its change stuck; an attempt that
 * has to be repeated first waits a jittered, growing backoff.
 *
 * @example
 * ```ts
 * for (const wait of settleWaits(overwritten, cycleMs, windowMs)) await sleep(wait);
 * await sleep(attemptBackoff(attempt));
 * ```
 * @module
 */

/**
 * Least settling delay before the confirming re-read, ms. It must outlast a concurrent writer's
 * gap between its tag check and its PUT, which on a loaded machine (8 signer processes on two
 * cores) includes being descheduled: with a 15 ms floor one full test run at load 16 lost a
 * signature; 50 ms leaves room for that and still keeps a lone writer's wait short.
 */
export const MIN_SETTLE_MS = 50;

/**
 * The jittered delays, ms, before each confirming re-read after a PUT: one of twice the
 * check-and-PUT `windowMs` (at least {@link MIN_SETTLE_MS}); once an earlier attempt was
 * `overwritten` (evident contention), two of twice the whole read-modify-write `cycleMs` (at
 * least 40). `settleMs` replaces the base delay.
 *
 * @example
 * ```ts
 * const waits = settleWaits(false, 30, 12); // one wait in [50, 100)
 * ```
 */
export function settleWaits(
  overwritten: boolean,
  cycleMs: number,
  windowMs: number,
  settleMs?: number,
): number[] {
  const settle = settleMs ??
    (overwritten ? Math.max(40, 2 * cycleMs) : Math.max(MIN_SETTLE_MS, 2 * windowMs));
  const waits = [settle + Math.random() * settle];
  if (overwritten) waits.push(settle + Math.random() * settle);
  return waits;
}

/**
 * The jittered wait, ms, after failed attempt number `attempt` (from 1) before the next: half
 * to one and a half times 25 ms doubled per attempt, at most 1 s before jitter.
 *
 * @example
 * ```ts
 * await sleep(attemptBackoff(attempt), signal);
 * ```
 */
export function attemptBackoff(attempt: number): number {
  const backoff = Math.min(1000, 25 * 2 ** Math.min(attempt, 6));
  return backoff / 2 + Math.random() * backoff;
}
