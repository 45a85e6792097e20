/**
 * The witnesses of a signature: signed timestamps over the signature bytes and transparency log
 * entries, collected as a signing config or the flags ask. Which plugin serves a URL is the
 * registry's choice (`ctx.plugins.tlogFor(url, name)`, `timestampAuthorityFor(url, name)`):
 * the log or TSA named with `--tlog NAME` / `--tsa NAME` when given, else the first that
 * `handles()` the URL, third-party plugins first (built-in: "rekor" and "rfc3161" for
 * `http(s)://`). Timestamps come first, so a failure there leaves nothing in a public log.
 *
 * @example
 * ```ts
 * const w = await collectWitnesses(ctx, submission, signature, {
 *   rekor: [{ url: "https://rekor.sigstore.dev", majorApiVersion: 1 }],
 *   tsaUrls: [],
 * });
 * // w.tlogEntries → bundle.verificationMaterial.tlogEntries; w.timestamps → rfc3161Timestamps
 * ```
 * @module
 */
import type { Context, TlogEntry, TlogSubmission } from "./plugin.ts";

/** Where to get witnesses. */
export interface WitnessPlan {
  /**
   * Transparency logs to upload to (empty: none), by URL and API version (the field keeps its
   * historical name: any log plugin serves these). `url` is absent when `--tlog NAME` chose a
   * log and no URL was given: the log's own default applies.
   */
  rekor: { url?: string; majorApiVersion: number }[];
  /** Timestamp authority URLs to ask (empty: none). */
  tsaUrls: string[];
  /** `--tlog NAME`: the log plugin to use for every log URL (default: chosen by URL). */
  tlogName?: string;
  /** `--tsa NAME`: the timestamp authority plugin for every TSA URL (default: by URL). */
  tsaName?: string;
}

/** What was collected. */
export interface Witnesses {
  /** Transparency log entries (TransparencyLogEntry JSON), one per log. */
  tlogEntries: TlogEntry[];
  /** Signed timestamps (RFC 3161: DER TimeStampResp), one per TSA. */
  timestamps: Uint8Array[];
}

/**
 * Collects timestamps, then log entries, through the plugins the registry picks. Errors: the
 * registry's CosignError("UNSUPPORTED") when no plugin serves a URL or name, and those of the
 * plugins (CosignError "NETWORK"/"AUTH"/"UNSUPPORTED").
 */
export async function collectWitnesses(
  ctx: Context,
  submission: TlogSubmission,
  signature: Uint8Array,
  plan: WitnessPlan,
): Promise<Witnesses> {
  // Pick every plugin first, so an unknown name or URL fails before anything is sent.
  const tsas = plan.tsaUrls.map((url) => ({
    url,
    tsa: ctx.plugins.timestampAuthorityFor(url, plan.tsaName),
  }));
  const logs = plan.rekor.map((r) => ({
    ...r,
    log: ctx.plugins.tlogFor(r.url ?? "", plan.tlogName),
  }));
  const timestamps: Uint8Array[] = [];
  for (const { url, tsa } of tsas) {
    ctx.log.debug(`requesting a signed timestamp from ${url} ("${tsa.name}" plugin)`);
    timestamps.push(await tsa.timestamp(signature, ctx, { url }));
  }
  const tlogEntries: TlogEntry[] = [];
  for (const { log, url, majorApiVersion } of logs) {
    const entry = await log.submit(submission, ctx, { url, majorApiVersion });
    tlogEntries.push(entry);
    ctx.log.info(`tlog entry created with index: ${entry.logIndex}`);
  }
  return { tlogEntries, timestamps };
}
