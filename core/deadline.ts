/**
 * Total deadlines for network operations: one timer for the whole operation (every attempt,
 * retry, redirect and the body), not an idle timer that each byte resets, combined with the
 * caller's cancel signal (the global `-t/--timeout`). The abort reason is a {@link DeadlineError}
 * that names the real limit, so errors can say "within 3m0s" instead of a per-attempt figure.
 *
 * @example
 * ```ts
 * const d = startDeadline(60_000, ctx.signal, "Rekor request");
 * try {
 *   const res = await fetch(url, { signal: d.signal });
 *   return await res.json();
 * } finally {
 *   d.dispose();
 * }
 * ```
 * @module
 */
import { formatGoDuration } from "./go_duration.ts";

/** The abort reason of an expired {@link Deadline}: `timed out: no complete answer within 3m0s`. */
export class DeadlineError extends Error {
  /** The limit that expired, in milliseconds. */
  readonly ms: number;
  /** What ran out of time ("the command", "get manifest localhost:5000/app:v1"). */
  readonly what: string;
  /** Creates the error for a limit of `ms` milliseconds. */
  constructor(ms: number, what = "the operation") {
    super(`timed out: ${what} did not complete within ${formatDuration(ms)}`);
    this.name = "DeadlineError";
    this.ms = ms;
    this.what = what;
  }
}

/** A running deadline: its signal aborts when the time is up or when the outer signal aborts. */
export interface Deadline {
  /** Aborts with a {@link DeadlineError} at the deadline, or with the outer signal's reason. */
  readonly signal: AbortSignal;
  /** The limit in milliseconds. */
  readonly ms: number;
  /** Stops the timer and detaches from the outer signal (call when the operation is over). */
  dispose(): void;
}

/**
 * Starts a deadline of `ms` milliseconds (no timer when `ms` is not a positive finite number),
 * chained to `outer`. `what` names the operation in the abort reason.
 *
 * @example
 * ```ts
 * const d = startDeadline(1000, undefined, "the download");
 * d.signal.addEventListener("abort", () => console.log(d.signal.reason.message));
 * ```
 */
export function startDeadline(ms: number, outer?: AbortSignal, what?: string): Deadline {
  const ctrl = new AbortController();
  const onAbort = () => ctrl.abort(outer?.reason);
  if (outer?.aborted) ctrl.abort(outer.reason);
  else outer?.addEventListener("abort", onAbort, { once: true });
  const timed = Number.isFinite(ms) && ms > 0;
  const timer = timed ? setTimeout(() => ctrl.abort(new DeadlineError(ms, what)), ms) : undefined;
  return {
    signal: ctrl.signal,
    ms,
    dispose() {
      if (timer !== undefined) clearTimeout(timer);
      outer?.removeEventListener("abort", onAbort);
    },
  };
}

/**
 * Rejects with the signal's reason when it aborts (for racing an operation that ignores
 * signals). The promise never resolves; its rejection is handled when nobody awaits it. Race it
 * once per operation, not once per chunk of a stream: every race leaves a reaction on it that
 * keeps the race's result alive while the signal has not aborted.
 */
export function abortPromise(signal: AbortSignal): Promise<never> {
  const p = new Promise<never>((_, reject) => {
    if (signal.aborted) return reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
  p.catch(() => {});
  return p;
}

/**
 * A limit in milliseconds as cosign prints its timeouts, Go's `time.Duration.String()`
 * (core/go_duration.ts): `300ms`, `1s`, `1m30s`, `3m0s`, `1.5ms` (to the nanosecond).
 */
export function formatDuration(ms: number): string {
  return formatGoDuration(BigInt(Math.round(ms * 1e6)));
}

/**
 * A stream bounded by a deadline: reads stop when its signal aborts (however slowly bytes come
 * in), and the deadline is disposed when the stream ends, fails or is cancelled. A failed read
 * becomes `mapError(e)` (e.g. a CosignError naming the limit).
 *
 * @example
 * ```ts
 * const d = startDeadline(60_000, signal, "the download");
 * const body = streamWithinDeadline(res.body!, d, (e) => e);
 * ```
 */
export function streamWithinDeadline(
  stream: ReadableStream<Uint8Array>,
  d: Deadline,
  mapError: (e: unknown) => unknown,
): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  // Cancel the source on abort (a pending read then ends): no Promise.race against a promise
  // that stays pending, which would keep every chunk read alive until the deadline.
  const onAbort = () => void reader.cancel(d.signal.reason).catch(() => {});
  if (d.signal.aborted) onAbort();
  else d.signal.addEventListener("abort", onAbort, { once: true });
  const finish = () => {
    d.signal.removeEventListener("abort", onAbort);
    d.dispose();
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (d.signal.aborted) throw d.signal.reason;
        if (done) {
          finish();
          controller.close();
        } else controller.enqueue(value);
      } catch (e) {
        reader.cancel().catch(() => {});
        controller.error(mapError(d.signal.aborted ? d.signal.reason ?? e : e));
        finish();
      }
    },
    cancel(reason) {
      finish();
      return reader.cancel(reason);
    },
  });
}
