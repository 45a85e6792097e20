/**
 * The witnesses of a signature: RFC 3161 timestamps over the signature bytes and transparency
 * log entries (Rekor v1/v2 through the "rekor" tlog plugin), collected as a signing config or
 * the flags ask. Timestamps come first, so a failure there leaves nothing in a public log.
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
import { requestTimestamp } from "../plugins/tsa-rfc3161/tsa_client.ts";

/** Where to get witnesses. */
export interface WitnessPlan {
  /** Rekor logs to upload to (empty: none). */
  rekor: { url: string; majorApiVersion: number }[];
  /** TSA endpoints to ask (empty: none). */
  tsaUrls: string[];
}

/** What was collected. */
export interface Witnesses {
  /** Transparency log entries (TransparencyLogEntry JSON), one per log. */
  tlogEntries: TlogEntry[];
  /** DER TimeStampResp, one per TSA. */
  timestamps: Uint8Array[];
}

/**
 * Collects timestamps, then log entries. Errors are those of the TSA client and the tlog plugin
 * (CosignError "NETWORK"/"AUTH"/"UNSUPPORTED").
 */
export async function collectWitnesses(
  ctx: Context,
  submission: TlogSubmission,
  signature: Uint8Array,
  plan: WitnessPlan,
): Promise<Witnesses> {
  const timestamps: Uint8Array[] = [];
  for (const url of plan.tsaUrls) {
    ctx.log.debug(`requesting an RFC 3161 timestamp from ${url}`);
    timestamps.push((await requestTimestamp(url, signature, { signal: ctx.signal })).response);
  }
  const tlogEntries: TlogEntry[] = [];
  if (plan.rekor.length) {
    const tlog = ctx.plugins.tlog("rekor");
    for (const r of plan.rekor) {
      const entry = await tlog.submit(submission, ctx, r);
      tlogEntries.push(entry);
      ctx.log.info(`tlog entry created with index: ${entry.logIndex}`);
    }
  }
  return { tlogEntries, timestamps };
}
