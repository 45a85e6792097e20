/**
 * Measurement helpers shared by the benchmarks: whole-process wall and CPU time (user + system,
 * millisecond resolution, from bash's `time` keyword, i.e. getrusage of the child), optional
 * peak RSS (`/usr/bin/time -f %M`), medians of interleaved runs, and the quick mode
 * (`deno task bench --quick` or `COSIGN_TS_BENCH_QUICK=1`: fewer runs, smaller inputs).
 *
 * @example
 * ```ts
 * const m = await interleave({ ours: () => measure(BIN, ["version"]) }, 9);
 * console.log(m.ours.cpu); // median CPU seconds
 * ```
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import type { BenchMetric } from "./run.ts";

/** The repository root. */
export const ROOT: string = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** The compiled binary. */
export const BIN: string = join(ROOT, "dist", "cosign-ts");

/** True in quick mode (`--quick` on the runner, or `COSIGN_TS_BENCH_QUICK=1`). */
export function quick(): boolean {
  return process.env.COSIGN_TS_BENCH_QUICK === "1";
}

/** Number of measured runs: `COSIGN_TS_BENCH_RUNS`, else `full` (or `fast` in quick mode). */
export function runsFor(full: number, fast: number): number {
  const env = process.env.COSIGN_TS_BENCH_RUNS;
  return Math.max(1, env ? Number(env) : quick() ? fast : full);
}

/** Throws when the compiled binary is missing. */
export function requireBinary(): void {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run "deno task compile" first`);
}

/** One whole-process run. */
export interface Sample {
  /** Wall time, seconds. */
  wall: number;
  /** CPU time (user + system of the process and its children), seconds. */
  cpu: number;
  /** Peak resident set, KiB (only with `rss: true`). */
  rssKiB?: number;
  /** Exit code. */
  code: number;
  /** stdout + stderr of the command (without the timing lines). */
  out: string;
}

/** Options of {@link measure}. */
export interface MeasureOptions {
  /** Environment additions. */
  env?: Record<string, string>;
  /** Replace the environment instead of extending it. */
  cleanEnv?: boolean;
  /** Working directory. */
  cwd?: string;
  /** Also measure the peak RSS through /usr/bin/time. */
  rss?: boolean;
  /** Fail (reject) on a non-zero exit. Default true. */
  check?: boolean;
}

const MARK = "@@BENCH@@";

/**
 * Runs `cmd args` once under bash's `time` and returns wall, CPU and (optionally) peak RSS.
 * Rejects when it exits non-zero (unless `check: false`).
 */
export function measure(cmd: string, args: string[], o: MeasureOptions = {}): Promise<Sample> {
  const inner = o.rss ? ["/usr/bin/time", "-f", `${MARK}RSS %M`, cmd, ...args] : [cmd, ...args];
  const script = `TIMEFORMAT='${MARK}%3R %3U %3S'; time "$@" 2>&1; rc=$?; exit $rc`;
  return new Promise((res, rej) => {
    const child = spawn("bash", ["-c", `{ ${script}; } 2>&1`, "bench", ...inner], {
      cwd: o.cwd ?? ROOT,
      env: o.cleanEnv ? { ...o.env } : { ...process.env, ...o.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const chunks: Uint8Array[] = [];
    child.stdout.on("data", (d: Uint8Array) => chunks.push(d));
    child.stderr.on("data", (d: Uint8Array) => chunks.push(d));
    child.on("error", rej);
    child.on("close", (code) => {
      const text = new TextDecoder().decode(
        chunks.length ? new Uint8Array(chunks.flatMap((c) => [...c])) : new Uint8Array(),
      );
      const t = new RegExp(`${MARK}([\\d.]+) ([\\d.]+) ([\\d.]+)`).exec(text);
      const r = new RegExp(`${MARK}RSS (\\d+)`).exec(text);
      const out = text.split("\n").filter((l) => !l.includes(MARK)).join("\n");
      if (!t) return rej(new Error(`no timing from ${cmd}: ${out}`));
      const s: Sample = {
        wall: Number(t[1]),
        cpu: Number(t[2]) + Number(t[3]),
        rssKiB: r ? Number(r[1]) : undefined,
        code: code ?? 1,
        out,
      };
      if (s.code !== 0 && o.check !== false) {
        return rej(new Error(`${cmd} ${args.join(" ")} exited ${s.code}: ${out.slice(0, 2000)}`));
      }
      res(s);
    });
  });
}

/** Median of numbers (mean of the middle two for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/** Medians of interleaved runs. */
export interface Medians {
  /** Median wall time, seconds. */
  wall: number;
  /** Median CPU time, seconds. */
  cpu: number;
  /** Largest peak RSS seen, KiB (when measured). */
  rssKiB?: number;
}

/**
 * Runs each task once as a warm-up, then `runs` rounds of all tasks in turn (interleaved, so
 * load changes hit every task alike), and returns each task's medians.
 */
export async function interleave<K extends string>(
  tasks: Record<K, () => Promise<Sample>>,
  runs: number,
): Promise<Record<K, Medians>> {
  const keys = Object.keys(tasks) as K[];
  const samples = {} as Record<K, Sample[]>;
  for (const k of keys) {
    await tasks[k]();
    samples[k] = [];
  }
  for (let i = 0; i < runs; i++) {
    for (const k of keys) samples[k].push(await tasks[k]());
  }
  const out = {} as Record<K, Medians>;
  for (const k of keys) {
    const rss = samples[k].map((s) => s.rssKiB).filter((x): x is number => x !== undefined);
    out[k] = {
      wall: median(samples[k].map((s) => s.wall)),
      cpu: median(samples[k].map((s) => s.cpu)),
      rssKiB: rss.length ? Math.max(...rss) : undefined,
    };
  }
  return out;
}

/** A target check: a ratio, its bound, and whether it is met. */
export interface Target {
  /** What the ratio compares, e.g. "keyless verify-blob CPU, DSSE: cosign-ts / sigstore-js". */
  label: string;
  /** The measured ratio. */
  ratio: number;
  /** The bound. */
  bound: number;
  /** "max": ratio must be at most bound; "min": at least. */
  kind: "max" | "min";
}

/** True when the target is met. */
export function met(t: Target): boolean {
  return t.kind === "max" ? t.ratio <= t.bound : t.ratio >= t.bound;
}

/** A metric row for a target: the ratio, with the target beside it. */
export function targetMetric(t: Target): BenchMetric {
  return {
    label: `${t.label} (target ${t.kind === "max" ? "<=" : ">="} ${t.bound}) ${
      met(t) ? "met" : "MISSED"
    }`,
    value: t.ratio,
    unit: "x",
  };
}

/** One summary line for several targets. */
export function summarize(targets: Target[]): string {
  return targets.map((t) =>
    `${t.ratio.toFixed(2)} ${t.kind === "max" ? "<=" : ">="} ${t.bound} ${met(t) ? "ok" : "MISSED"}`
  ).join("; ");
}

/** Milliseconds metric. */
export function ms(label: string, seconds: number): BenchMetric {
  return { label, value: Math.round(seconds * 10000) / 10, unit: "ms" };
}
