/**
 * The signer a signing command uses, with everything cosign does around it: resolve the
 * Sigstore flags into a plan ({@link signingPlan}), ask for confirmation before an identity or a
 * signature goes to public logs (unless `--yes`), load the `--key` signer, or make an ephemeral
 * key certified by Fulcio (keyless), or certify the key (`--issue-certificate`). Shared by
 * sign-blob and, later, sign/attest.
 *
 * @example
 * ```ts
 * const { signer, plan, keyless } = await openSigstoreSigner({ flags, ctx, io, what: ref });
 * try { ... sign ...; await collectWitnesses(ctx, submission, signature, plan.witnesses); }
 * finally { await signer.close?.(); }
 * ```
 * @module
 */
import { CosignError } from "../core/errors.ts";
import type { Context, Signer } from "../core/plugin.ts";
import { bool } from "./args.ts";
import { keyReference } from "./security_key.ts";
import type { FlagValues } from "./args.ts";
import type { IO } from "./command.ts";
import {
  identityTokenFromFlags,
  PUBLIC_LOG_NOTICE,
  type SigningPlan,
  signingPlan,
} from "./sigstore_options.ts";

/** What {@link openSigstoreSigner} needs. */
export interface SigstoreSignerOptions {
  /** Parsed flags: `key`, `yes`, `tlog-upload`, `issue-certificate`, `rsa-pss` and the Sigstore flags. */
  flags: FlagValues;
  /** Plugin context. */
  ctx: Context;
  /** For cosign's progress lines on stderr. */
  io: IO;
  /** What is being signed, for messages (a file name, an image reference). */
  what: string;
}

/** An opened signer. Close it (`signer.close?.()`) when done. */
export interface SigstoreSigner {
  /** The signer; for keyless and `--issue-certificate` its `certificateChain()` is Fulcio's. */
  signer: Signer;
  /** Services to use for timestamps and log entries. */
  plan: SigningPlan;
  /** True when signing without a key (ephemeral key + Fulcio certificate). */
  keyless: boolean;
}

/**
 * Opens the signer. Throws CosignError("ABORTED") when publishing is not confirmed (no `--yes`
 * and no terminal, or "n"), and the errors of {@link signingPlan}, the key provider, the token
 * sources and the keyless signer.
 */
export async function openSigstoreSigner(opts: SigstoreSignerOptions): Promise<SigstoreSigner> {
  const { flags, ctx, io } = opts;
  const key = keyReference(flags);
  const keyless = !key;
  const certify = keyless || bool(flags, "issue-certificate");
  const plan = await signingPlan(flags, {
    keyless: certify,
    tlogUpload: flags["tlog-upload"] !== false,
  });
  // The key (and its password prompt) first, then the log confirmation: a user typing the
  // password must never be answering the [y/N] question instead (issue 13 item 8).
  const keySigner = key
    ? await ctx.plugins.signer(key, ctx, { rsaPss: bool(flags, "rsa-pss") })
    : undefined;
  try {
    if ((certify || plan.witnesses.rekor.length > 0) && !bool(flags, "yes")) {
      io.err(PUBLIC_LOG_NOTICE + "\n");
      let yes = false;
      try {
        yes = await ctx.confirm("Are you sure you would like to continue?");
      } catch (e) {
        if (!(e instanceof CosignError && e.code === "ABORTED")) throw e;
      }
      if (!yes) {
        throw new CosignError(
          "ABORTED",
          `Signing "${opts.what}" was cancelled: publishing to the transparency log was not confirmed`,
          {
            hint: "Pass --yes (-y) to confirm, or --tlog-upload=false to sign with a key " +
              "without a log entry.",
          },
        );
      }
    }
  } catch (e) {
    await keySigner?.close?.();
    throw e;
  }
  if (!certify) return { signer: keySigner!, plan, keyless };
  try {
    const token = await identityTokenFromFlags(flags, ctx);
    const { keylessSigner } = await import("../core/keyless_signer.ts");
    io.err("Retrieving signed certificate...\n");
    const signer = await keylessSigner({
      fulcioUrl: plan.fulcioUrl,
      token,
      ctlogs: plan.ctlogs,
      signal: ctx.signal,
      signer: keySigner,
    });
    if (plan.ctlogs) io.err("Successfully verified SCT...\n");
    return { signer, plan, keyless };
  } catch (e) {
    await keySigner?.close?.();
    throw e;
  }
}
