/**
 * The verify half of the "rekor" transparency log: which entries it takes (`recognizes`) and
 * their verification against the Rekor logs of a trusted root (`verify`, through
 * {@link verifyTlogEntry}: entry body, SET, inclusion proof against a signed checkpoint).
 *
 * Rekor takes every entry whose log ID is a log of the trusted root, and every entry of a Rekor
 * kind (hashedrekord, dsse, intoto, rekord) even from an unknown log, so that such an entry gets
 * Rekor's own answer ("log … is not a transparency log of the trusted root"). Third-party logs
 * are asked first, so a log plugin that recognizes its own entries keeps them.
 *
 * @example
 * ```ts
 * if (recognizesRekorEntry(entryJson, trustedRoot)) {
 *   const r = await verifyRekorEntry(entryJson, expected, trustedRoot);
 * }
 * ```
 * @module
 */
import { base64 } from "@scure/base";
import { CosignError } from "../../core/errors.ts";
import type { TlogEntry, TlogExpectation, TlogVerification } from "../../core/plugin.ts";
import type { LogAuthority } from "../../core/trust/trusted_root.ts";

const REKOR_KINDS = new Set(["hashedrekord", "dsse", "intoto", "rekord"]);

function trustedLogs(trust: unknown): LogAuthority[] | undefined {
  const tlogs = (trust as { tlogs?: unknown } | null | undefined)?.tlogs;
  return Array.isArray(tlogs) ? tlogs as LogAuthority[] : undefined;
}

function logIdBytes(entry: TlogEntry): Uint8Array | undefined {
  const keyId = (entry.logId as { keyId?: unknown } | undefined)?.keyId;
  if (typeof keyId !== "string") return undefined;
  try {
    return base64.decode(keyId);
  } catch {
    return undefined;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * True when Rekor verifies the entry: its log ID is a log of `trust` (a core/trust
 * `TrustedRoot`), or its kind is one Rekor records. Never throws.
 */
export function recognizesRekorEntry(entry: TlogEntry, trust: unknown): boolean {
  const kind = (entry?.kindVersion as { kind?: unknown } | undefined)?.kind;
  if (typeof kind === "string" && REKOR_KINDS.has(kind)) return true;
  const id = logIdBytes(entry ?? {});
  return !!id && !!trustedLogs(trust)?.some((l) => sameBytes(l.logId, id));
}

/**
 * Verifies a Rekor v1/v2 entry (Sigstore `TransparencyLogEntry` JSON) against `expected` and
 * the Rekor logs of `trust` (a core/trust `TrustedRoot`). Returns the verified integrated time
 * (when the SET verified), the log's base URL, and, for entries without an integrated time
 * (Rekor v2), the log key's validity window. Throws CosignError("VERIFY", check "tlog-entry").
 */
export async function verifyRekorEntry(
  entry: TlogEntry,
  expected: TlogExpectation,
  trust: unknown,
): Promise<TlogVerification> {
  const tlogs = trustedLogs(trust);
  if (!tlogs) {
    throw new CosignError("VERIFY", "Cannot verify tlog entry: no trusted root was given", {
      check: "tlog-entry",
      hint: "Verify with a trusted root (--trusted-root, or the public-good root).",
    });
  }
  const [{ TransparencyLogEntry }, { verifyTlogEntry }] = await Promise.all([
    import("@sigstore/protobuf-specs"),
    import("./verify_entry.ts"),
  ]);
  let parsed: ReturnType<typeof TransparencyLogEntry.fromJSON>;
  try {
    parsed = TransparencyLogEntry.fromJSON(entry);
  } catch (e) {
    throw new CosignError(
      "VERIFY",
      `Cannot verify tlog entry: it is not a TransparencyLogEntry (${(e as Error).message})`,
      { check: "tlog-entry" },
    );
  }
  const r = await verifyTlogEntry(
    parsed as Parameters<typeof verifyTlogEntry>[0],
    expected,
    tlogs,
  );
  const untimed = !r.integratedTime && BigInt(parsed.integratedTime || "0") === 0n;
  return {
    log: r.log.baseUrl,
    ...(r.integratedTime ? { integratedTime: r.integratedTime } : {}),
    ...(untimed ? { keyValidFor: r.log.validFor } : {}),
  };
}
