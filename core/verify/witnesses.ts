/**
 * Verifying a signature's witnesses through their plugins: each transparency-log entry goes to
 * the first {@link TransparencyLog} that `recognizes()` it (third-party logs first), each signed
 * timestamp to the first {@link TimestampAuthority} that `recognizes()` it, and that plugin's
 * `verify()` decides. The core knows no log or TSA format itself.
 *
 * Callers say where the verifiers come from: a {@link Context} (its registry: the built-in
 * "rekor" and "rfc3161" plugins plus any loaded with `--plugin`), or an explicit list.
 *
 * @example
 * ```ts
 * const r = await verifyLogEntry(entryJson, expected, trustedRoot, ctx);
 * const { time } = await verifyTimestampToken(tokenDer, signature, trustedRoot, {
 *   ctx, tlogs: [rekorTransparencyLog], timestampAuthorities: [rfc3161TimestampAuthority],
 * });
 * ```
 * @module
 */
import { CosignError } from "../errors.ts";
import { tlogEntryFromRekorBundle } from "../legacy_signature.ts";
import type { Runtime } from "../runtime.ts";
import type {
  Context,
  TimestampAuthority,
  TlogEntry,
  TlogExpectation,
  TlogVerification,
  TransparencyLog,
} from "../plugin.ts";

/** An explicit set of verifiers (library callers, tests), with the context handed to them. */
export interface WitnessVerifiers {
  /** The context passed to the plugins' `verify()`. */
  ctx: Context;
  /** Logs asked in order whether they recognize an entry (default: `ctx.plugins.tlogs()`). */
  tlogs?: readonly TransparencyLog[];
  /** TSAs asked in order (default: `ctx.plugins.timestampAuthorities()`). */
  timestampAuthorities?: readonly TimestampAuthority[];
}

/** Where witness verifiers come from: a context's plugin registry, or an explicit list. */
export type WitnessSource = Context | WitnessVerifiers;

function split(w: WitnessSource): {
  ctx: Context;
  tlogs: readonly TransparencyLog[];
  tsas: readonly TimestampAuthority[];
} {
  const explicit = "ctx" in w ? w : undefined;
  const ctx = explicit ? explicit.ctx : w as Context;
  return {
    ctx,
    tlogs: explicit?.tlogs ?? ctx.plugins.tlogs(),
    tsas: explicit?.timestampAuthorities ?? ctx.plugins.timestampAuthorities(),
  };
}

/**
 * The runtime of a witness source's context, when it has one (library callers may pass a bare
 * context without a runtime). Verification uses its optional synchronous digest.
 *
 * @example
 * ```ts
 * const d = witnessRuntime(witnesses)?.digestSync;
 * ```
 */
export function witnessRuntime(w: WitnessSource): Runtime | undefined {
  const ctx = "ctx" in w ? w.ctx : w as Context;
  return ctx?.runtime;
}

/** The log that verifies `entry`: the first that has `verify()` and recognizes it. */
export function logForEntry(
  entry: TlogEntry,
  trust: unknown,
  witnesses: WitnessSource,
): TransparencyLog | undefined {
  return split(witnesses).tlogs.find((l) => l.verify && l.recognizes?.(entry, trust));
}

function describeEntry(entry: TlogEntry): string {
  const kv = entry.kindVersion as { kind?: unknown; version?: unknown } | undefined;
  const keyId = (entry.logId as { keyId?: unknown } | undefined)?.keyId;
  const log = typeof keyId === "string" ? `log ID ${keyId}` : "no log ID";
  return `${String(kv?.kind ?? "?")} ${String(kv?.version ?? "?")}, ${log}`;
}

/**
 * Verifies one log entry (Sigstore `TransparencyLogEntry` JSON) with the log plugin that
 * recognizes it. Throws CosignError("VERIFY", check "tlog-entry") when no loaded log recognizes
 * the entry, and whatever the plugin's `verify()` throws when it does not verify.
 */
export async function verifyLogEntry(
  entry: TlogEntry,
  expected: TlogExpectation,
  trust: unknown,
  witnesses: WitnessSource,
): Promise<TlogVerification> {
  const { ctx } = split(witnesses);
  const log = logForEntry(entry, trust, witnesses);
  if (!log) {
    throw new CosignError(
      "VERIFY",
      `Cannot verify tlog entry: no transparency log plugin recognizes it (${
        describeEntry(entry)
      })`,
      {
        check: "tlog-entry",
        hint: "Load the plugin of the log that holds this entry (--plugin), or verify with the " +
          "trusted root that names its log (--trusted-root).",
      },
    );
  }
  ctx.log.debug(`verifying a transparency log entry with the "${log.name}" log plugin`);
  return await log.verify!(entry, expected, trust, ctx);
}

/**
 * Verifies cosign's legacy Rekor bundle (the `dev.sigstore.cosign/bundle` annotation, a legacy
 * blob bundle's `rekorBundle`) as a log entry through the log plugin that recognizes it; returns
 * the integrated time its promise vouches for. Throws CosignError("VERIFY", check "tlog-entry")
 * when there is no bundle, ("INVALID_INPUT") when it is malformed, and what
 * {@link verifyLogEntry} throws.
 */
export async function verifyRekorBundle(
  text: string | undefined,
  expected: TlogExpectation,
  trust: unknown,
  witnesses: WitnessSource,
): Promise<Date | undefined> {
  if (!text) {
    throw new CosignError("VERIFY", "the signature has no Rekor bundle", { check: "tlog-entry" });
  }
  const r = await verifyLogEntry(tlogEntryFromRekorBundle(text), expected, trust, witnesses);
  return r.integratedTime;
}

/**
 * Verifies one signed timestamp (RFC 3161: DER TimeStampResp) over `signature` with the TSA
 * plugin that recognizes it; returns the verified time and, when the plugin names it, the
 * authority that signed (prefixed with the plugin's name, so distinct authorities of distinct
 * plugins stay distinct). Throws CosignError("VERIFY", check "timestamp") when no loaded TSA
 * recognizes the token, and whatever the plugin's `verify()` throws when it does not verify.
 */
export async function verifyTimestampToken(
  token: Uint8Array,
  signature: Uint8Array,
  trust: unknown,
  witnesses: WitnessSource,
): Promise<{ time: Date; authority?: string }> {
  const { ctx, tsas } = split(witnesses);
  const tsa = tsas.find((a) => a.recognizes?.(token, trust));
  if (!tsa) {
    throw new CosignError(
      "VERIFY",
      "Cannot verify timestamp: no timestamp authority plugin recognizes it",
      {
        check: "timestamp",
        hint: "Load the plugin of the timestamp authority that issued it (--plugin).",
      },
    );
  }
  ctx.log.debug(`verifying a signed timestamp with the "${tsa.name}" timestamp plugin`);
  const r = await tsa.verify(token, signature, trust, ctx);
  return r.authority === undefined
    ? { time: r.time }
    : { time: r.time, authority: `${tsa.name}: ${r.authority}` };
}
