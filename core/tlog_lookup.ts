/**
 * The online log lookup cosign does when a signature comes without its log entry (no bundle, no
 * `dev.sigstore.cosign/bundle` annotation): the transparency log that serves the URL (chosen
 * through the plugin registry, `ctx.plugins.tlogFor`, so a third-party log that can search takes
 * part too) is asked for entries by the signed content's SHA-256; the entries it returns are
 * unverified and go to the log's `verify()` through core `verifyArtifact` (`lookupTlog`).
 *
 * @example
 * ```ts
 * await verifyArtifact(blob, { ctx, verifier, lookupTlog: tlogLookup(ctx, rekorUrl) });
 * ```
 * @module
 */
import { CosignError } from "./errors.ts";
import type { Context, TlogEntry } from "./plugin.ts";

/** Options for {@link tlogLookup}. */
export interface TlogLookupOptions {
  /** Use the log plugin with this name (`--tlog NAME`) instead of the one that handles the URL. */
  name?: string;
  /**
   * When the log cannot be asked: a VERIFY rejection of the signature (check "tlog-entry"), for
   * commands that judge each signature on its own (image verify); default: the log's error.
   */
  unreachableIsRejection?: boolean;
}

/**
 * A lookup for core `verifyArtifact`: the entries of the log at `url` that hold the signature.
 * Throws CosignError("VERIFY", check "tlog-entry") when the log has none; when the log cannot be
 * asked, its error (NETWORK, …) saying the lookup failed, or with `unreachableIsRejection` a
 * VERIFY rejection. CosignError("UNSUPPORTED") (at once) when no log serves the URL or the log
 * cannot search. Messages and hints name `--insecure-ignore-tlog`, `--rekor-url` and `--bundle`.
 */
export function tlogLookup(
  ctx: Context,
  url: string,
  options: TlogLookupOptions = {},
): (sha256: Uint8Array, signature: Uint8Array) => Promise<TlogEntry[]> {
  const log = ctx.plugins.tlogFor(url, options.name);
  const find = log.find?.bind(log);
  const logName = log.name === "rekor" ? "Rekor" : `the "${log.name}" log`;
  const advice = "pass --insecure-ignore-tlog=true for signatures made with --tlog-upload=false";
  const hint = "Check --rekor-url and the network; or pass the bundle with the log entry " +
    "(--bundle), or --insecure-ignore-tlog for a signature that was not uploaded.";
  return async (sha256, signature) => {
    if (!find) {
      throw new CosignError(
        "UNSUPPORTED",
        `Cannot look the signature up in ${logName}: the log cannot search its entries`,
        { hint: "Pass the bundle with the log entry (--bundle)." },
      );
    }
    let found: TlogEntry[];
    try {
      found = await find({ sha256, signature }, ctx, { url });
    } catch (e) {
      if (!(e instanceof CosignError)) throw e;
      // The log could not be asked: an error of the lookup (exit 1), or, where each signature is
      // judged on its own (image verify), a rejection of this signature (exit 12).
      throw options.unreachableIsRejection
        ? new CosignError(
          "VERIFY",
          `Cannot verify tlog entry: the signature carries no ${
            log.name === "rekor" ? "Rekor bundle" : "log entry"
          } (${advice}) and looking it up failed: ${e.message}`,
          { check: "tlog-entry", hint },
        )
        : new CosignError(e.code, `Cannot look the signature up in ${logName}: ${e.message}`, {
          hint,
        });
    }
    if (!found.length) {
      throw new CosignError(
        "VERIFY",
        `Cannot verify tlog entry: ${logName} at ${url} has no entry for this signature (${advice})`,
        { check: "tlog-entry", hint },
      );
    }
    return found;
  };
}
