/**
 * Timing of cosign-ts's race-free read-modify-write of a tag, shared by the `.sig`/`.att` appends
 * (plugins/artifact-oci/append_signatures.ts) and the referrers fallback index
 * (oci/tags_referrers.ts updateReferrersIndex): after its check-and-PUT a writer waits a
 * jittered settling delay, then re-reads the tag to confirm its change stuck; an attempt that
 * has to be repeated first waits a jittered, growing backoff.
 *
 * @example
 * ```ts
 * const c = await confirmTagWrite({ contended, cycleMs, windowMs, written: digest, read });
 * if (!c.held) await sleep(attemptBackoff(attempt));
 * ```
 * @module
 */
import { sleep } from "./retry.ts";

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

/** Most confirming reads of one write (the settling waits grow under evident contention). */
export const MAX_CONFIRMS = 4;

/** What a confirming read of the tag found. */
export interface TagState {
  /** The tag's digest now ("" when it does not exist). */
  digest: string;
  /** True when our change is still there. */
  held: boolean;
}

/** Options of {@link confirmTagWrite}. */
export interface ConfirmOptions {
  /** Contention already evident (an earlier attempt overwritten, the tag moved while merging). */
  contended: boolean;
  /** Our whole read-modify-write, ms. */
  cycleMs: number;
  /** Our check-and-PUT, ms. */
  windowMs: number;
  /** Replaces the base settling delay (tests). */
  settleMs?: number;
  /** The digest the tag held after our write (what we PUT, or found). */
  written: string;
  /** Reads the tag. */
  read(): Promise<TagState>;
  /** Stops the waits. */
  signal?: AbortSignal;
}

/** What {@link confirmTagWrite} concluded. */
export interface Confirmation {
  /** Our change held through every confirming read. */
  held: boolean;
  /** The tag's digest at the last read. */
  digest: string;
  /** Contention became evident (pass it to the next attempt). */
  contended: boolean;
  /** Time spent waiting, ms. */
  settledMs: number;
}

/**
 * Confirms a race-free tag write: re-reads the tag after the settling waits of
 * {@link settleWaits}; our change must hold at each read. A concurrent writer can only undo it
 * when its check came before our PUT and its PUT after, so the first wait outlasts one
 * check-and-PUT. When a read finds the tag rewritten by someone else since we last saw it
 * (another writer merged on top of ours), writers are active and one that read before our PUT
 * may still be on its way: contention is then evident and we confirm again, later (at most
 * {@link MAX_CONFIRMS} reads). A lone writer reads once.
 *
 * @example
 * ```ts
 * const c = await confirmTagWrite({ contended: false, cycleMs: 30, windowMs: 12,
 *   written: putDigest, read: async () => ({ digest: d, held: true }) });
 * ```
 */
export async function confirmTagWrite(o: ConfirmOptions): Promise<Confirmation> {
  let contended = o.contended;
  const waits = settleWaits(contended, o.cycleMs, o.windowMs, o.settleMs);
  let digest = o.written;
  let settledMs = 0;
  for (let k = 0; k < waits.length; k++) {
    await sleep(waits[k], o.signal);
    settledMs += waits[k];
    const now = await o.read();
    if (!now.held) return { held: false, digest: now.digest, contended: true, settledMs };
    if (now.digest !== digest) {
      contended = true;
      if (k === waits.length - 1 && waits.length < MAX_CONFIRMS) {
        waits.push(settleWaits(true, o.cycleMs, o.windowMs, o.settleMs)[0]);
      }
    }
    digest = now.digest;
  }
  return { held: true, digest, contended, settledMs };
}
