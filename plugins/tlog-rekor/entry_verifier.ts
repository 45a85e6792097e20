/**
 * The verify half of the "rekor" transparency log: the verification of the entries it takes
 * (`recognizes`, recognize_entry.ts) against the Rekor logs of a trusted root (`verify`, through
 * {@link verifyTlogEntry}: entry body, SET, inclusion proof against a signed checkpoint).
 *
 * @example
 * ```ts
 * if (recognizesRekorEntry(entryJson, trustedRoot)) {
 *   const r = await verifyRekorEntry(entryJson, expected, trustedRoot);
 * }
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { TlogEntry, TlogExpectation, TlogVerification } from "../../core/plugin.ts";
import type { LogAuthority } from "../../core/trust/trusted_root.ts";
import { withFastUint8ArrayCopies } from "../../core/fast_copy.ts";
import { lazyModule } from "../../core/lazy_module.ts";
import type { SyncSha256 } from "../../core/verify/merkle.ts";

// The heavy parts, loaded on first use and then reused (core/lazy_module.ts).
const modules = lazyModule(() =>
  Promise.all([import("@sigstore/protobuf-specs"), import("./verify_entry.ts")])
);

function trustedLogs(trust: unknown): LogAuthority[] | undefined {
  const tlogs = (trust as { tlogs?: unknown } | null | undefined)?.tlogs;
  return Array.isArray(tlogs) ? tlogs as LogAuthority[] : undefined;
}

/**
 * Verifies a Rekor v1/v2 entry (Sigstore `TransparencyLogEntry` JSON) against `expected` and
 * the Rekor logs of `trust` (a core/trust `TrustedRoot`). Returns the verified integrated time
 * (when the SET verified), the log's base URL, and, for entries without an integrated time
 * (Rekor v2), the log key's validity window. `options.sha256` (a synchronous SHA-256) hashes the
 * audit path; else WebCrypto. Throws CosignError("VERIFY", check "tlog-entry").
 */
export async function verifyRekorEntry(
  entry: TlogEntry,
  expected: TlogExpectation,
  trust: unknown,
  options: { sha256?: SyncSha256 } = {},
): Promise<TlogVerification> {
  const tlogs = trustedLogs(trust);
  if (!tlogs) {
    throw new CosignError("VERIFY", "Cannot verify tlog entry: no trusted root was given", {
      check: "tlog-entry",
      hint: "Verify with a trusted root (--trusted-root, or the public-good root).",
    });
  }
  const [{ TransparencyLogEntry }, { verifyTlogEntry }] = await modules();
  let parsed: ReturnType<typeof TransparencyLogEntry.fromJSON>;
  try {
    parsed = withFastUint8ArrayCopies(() => TransparencyLogEntry.fromJSON(entry));
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
    options,
  );
  const untimed = !r.integratedTime && BigInt(parsed.integratedTime || "0") === 0n;
  return {
    log: r.log.baseUrl,
    ...(r.integratedTime ? { integratedTime: r.integratedTime } : {}),
    ...(untimed ? { keyValidFor: r.log.validFor } : {}),
  };
}
