/**
 * Test helpers for driving the compiled binary `dist/cosign-ts` (end-to-end tests) and for
 * temporary directories. Works under `deno test` and `bun test`.
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";

/** The repository root. */
export const ROOT: string = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** The compiled binary. */
export const BIN: string = join(ROOT, "dist", "cosign-ts");

/** Result of running a process. */
export interface RunResult {
  /** Exit code (signals give 128+n). */
  code: number;
  /** Raw stdout. */
  stdout: Uint8Array;
  /** stdout as UTF-8. */
  out: string;
  /** stderr as UTF-8. */
  err: string;
}

/** Options for {@link runProcess}. */
export interface RunOptions {
  /** Extra environment variables (merged over a clean copy of process.env without COSIGN_*). */
  env?: Record<string, string | undefined>;
  /** Bytes or text written to stdin (stdin is closed afterwards). */
  stdin?: Uint8Array | string;
  /** Working directory. */
  cwd?: string;
  /** Kill after this many milliseconds (default 120 s). */
  timeoutMs?: number;
}

/** The environment given to child processes: the parent's without COSIGN_* variables. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith("COSIGN_") && !k.startsWith("SIGSTORE_")) env[k] = v;
  }
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Runs a program and collects its output. Never throws for a non-zero exit. */
export function runProcess(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: cleanEnv(opts.env),
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Uint8Array[] = [];
    const err: Uint8Array[] = [];
    child.stdout.on("data", (d: Uint8Array) => out.push(d));
    child.stderr.on("data", (d: Uint8Array) => err.push(d));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 120_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const stdout = concat(out);
      resolvePromise({
        code: code ?? (signal ? 128 : 1),
        stdout,
        out: new TextDecoder().decode(stdout),
        err: new TextDecoder().decode(concat(err)),
      });
    });
    child.stdin.on("error", () => {/* the child may exit before reading stdin */});
    if (opts.stdin !== undefined) child.stdin.end(opts.stdin);
    else child.stdin.end();
  });
}

function concat(parts: Uint8Array[]): Uint8Array {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const r = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    r.set(p, o);
    o += p.length;
  }
  return r;
}

/** Runs `dist/cosign-ts` (build it first with `deno task compile`). */
export function cosign(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  if (!existsSync(BIN)) {
    throw new Error(`${BIN} is missing: run "deno task compile" before the end-to-end tests`);
  }
  return runProcess(BIN, args, opts);
}

/** Creates a temporary directory; call the returned function to remove it. */
export async function tempDir(
  prefix = "cosign-ts-test-",
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
