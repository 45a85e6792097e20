/**
 * cosign's legacy `rekorBundle` (in `--bundle` files of the old format and in the
 * `dev.sigstore.cosign/bundle` annotation): `{"SignedEntryTimestamp", "Payload": {"body",
 * "integratedTime", "logIndex", "logID"}}`, made from a Rekor v1 TransparencyLogEntry.
 *
 * @example
 * ```ts
 * const legacy = legacyRekorBundle(entry); // undefined for a Rekor v2 entry (no SET)
 * ```
 * @module
 */
import type { TlogEntry } from "../../core/plugin.ts";

/** cosign's legacy Rekor bundle. */
export interface LegacyRekorBundle {
  /** Base64 signed entry timestamp. */
  SignedEntryTimestamp: string;
  /** What the SET signs. */
  Payload: { body: string; integratedTime: number; logIndex: number; logID: string };
}

/**
 * The legacy bundle for an entry with an inclusion promise (Rekor v1); undefined for entries
 * without one (Rekor v2).
 */
export function legacyRekorBundle(entry: TlogEntry): LegacyRekorBundle | undefined {
  const e = entry as {
    inclusionPromise?: { signedEntryTimestamp?: string };
    canonicalizedBody?: string;
    integratedTime?: string;
    logIndex?: string;
    logId?: { keyId?: string };
  };
  const set = e.inclusionPromise?.signedEntryTimestamp;
  if (!set || !e.canonicalizedBody || !e.logId?.keyId) return undefined;
  const id = Uint8Array.from(atob(e.logId.keyId), (c) => c.charCodeAt(0));
  return {
    SignedEntryTimestamp: set,
    Payload: {
      body: e.canonicalizedBody,
      integratedTime: Number(e.integratedTime),
      logIndex: Number(e.logIndex),
      logID: [...id].map((b) => b.toString(16).padStart(2, "0")).join(""),
    },
  };
}
