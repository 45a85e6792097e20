/**
 * Runs a credential helper command (a kubeconfig `exec` plugin, `az account get-access-token`)
 * and returns what it printed, with its failure sorted into what a message needs: not installed,
 * cancelled by the command's `-t/--timeout`, over its own time limit, or failed with its error
 * output. The caller words each case (the helper knows nothing of the service).
 *
 * @example
 * ```ts
 * const out = await runCredentialCommand("az", ["account", "get-access-token"], {
 *   timeoutMs: 30_000, signal: ctx.signal,
 * }, (f) => new CosignError("AUTH", f.kind === "failed" ? f.output : f.kind));
 * ```
 * @module
 */
import { execFile } from "node:child_process";
import { describeError } from "../errors.ts";

/** Why a credential command gave no output. */
export type CredentialCommandFailure =
  /** The command does not exist (ENOENT). */
  | { kind: "not-found" }
  /** The caller's signal aborted it (the command's `-t/--timeout`). */
  | { kind: "cancelled" }
  /** It ran longer than `timeoutMs` and was killed. */
  | { kind: "timed-out" }
  /** It exited with an error: its standard error, or the error's description when it wrote none. */
  | { kind: "failed"; output: string };

/** How {@link runCredentialCommand} runs the command. */
export interface CredentialCommandOptions {
  /** The environment (default: this process's). */
  env?: Record<string, string>;
  /** Longest it may run, in milliseconds. */
  timeoutMs: number;
  /** Cancels it. */
  signal?: AbortSignal;
}

/**
 * Runs `file` with `args` (no shell; at most 1 MiB of output) and resolves to its standard
 * output. Rejects with what `failure` returns for the way it failed.
 */
export function runCredentialCommand(
  file: string,
  args: string[],
  options: CredentialCommandOptions,
  failure: (f: CredentialCommandFailure) => Error,
): Promise<string> {
  return new Promise<string>((done, reject) => {
    execFile(file, args, {
      ...(options.env ? { env: options.env } : {}),
      timeout: options.timeoutMs,
      maxBuffer: 1 << 20,
      signal: options.signal,
      encoding: "utf8",
    }, (err, out, errText) => {
      if (!err) return done(out);
      const e = err as { code?: unknown; killed?: boolean; name?: string };
      reject(failure(
        e.code === "ENOENT"
          ? { kind: "not-found" }
          : e.name === "AbortError"
          ? { kind: "cancelled" }
          : e.killed
          ? { kind: "timed-out" }
          : { kind: "failed", output: errText || describeError(err) },
      ));
    });
  });
}
