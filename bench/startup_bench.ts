/**
 * Start-up CPU of the single binary: `dist/cosign-ts version` against a Bun-compiled hello world
 * (built here with the same `bun build --compile`, so both pay the same runtime start-up), and
 * against a bare `node -e 0`, interleaved, in one run. Target: `version` at most 2x the CPU of
 * the hello world.
 *
 * Environment: `COSIGN_TS_BENCH_STARTUP_RUNS` (runs per command, default 21, quick 9),
 * `COSIGN_TS_BENCH_STARTUP_MAX_RATIO` (default 2).
 * @module
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import type { BenchResult } from "./run.ts";
import {
  BIN,
  interleave,
  measure,
  met,
  ms,
  quick,
  requireBinary,
  ROOT,
  type Target,
  targetMetric,
} from "./measure.ts";

/** Benchmark name. */
export const name = "startup";
/** What is compared. */
export const description =
  "dist/cosign-ts version vs a Bun-compiled hello world (CPU, interleaved medians)";

/** Builds a Bun-compiled hello world in `dir` and returns its path. */
export async function helloWorld(dir: string): Promise<string> {
  const src = join(dir, "hello.ts");
  const out = join(dir, "hello");
  await writeFile(src, 'console.log("hello");\n');
  const r = spawnSync(join(ROOT, "node_modules", ".bin", "bun"), [
    "build",
    "--compile",
    "--minify",
    src,
    "--outfile",
    out,
  ], { stdio: ["ignore", "ignore", "pipe"] });
  if (r.status !== 0) throw new Error(`bun build --compile failed: ${r.stderr}`);
  return out;
}

/** Runs the benchmark. */
export async function run(): Promise<BenchResult> {
  requireBinary();
  const env = process.env.COSIGN_TS_BENCH_STARTUP_RUNS;
  const runs = Math.max(1, env ? Number(env) : quick() ? 9 : 21);
  const bound = Number(process.env.COSIGN_TS_BENCH_STARTUP_MAX_RATIO ?? 2);
  const dir = await mkdtemp(join(tmpdir(), "cosign-ts-sbench-"));
  try {
    const hello = await helloWorld(dir);
    const m = await interleave({
      ours: () => measure(BIN, ["version"]),
      hello: () => measure(hello, []),
      node: () => measure("node", ["-e", "0"]),
    }, runs);
    const t: Target = {
      label: "CPU ratio version / Bun hello world",
      ratio: m.ours.cpu / m.hello.cpu,
      bound,
      kind: "max",
    };
    return {
      metrics: [
        ms("cosign-ts version CPU", m.ours.cpu),
        ms("Bun-compiled hello world CPU", m.hello.cpu),
        ms("node -e 0 CPU", m.node.cpu),
        ms("cosign-ts version wall", m.ours.wall),
        ms("Bun-compiled hello world wall", m.hello.wall),
        ms("node -e 0 wall", m.node.wall),
        targetMetric(t),
      ],
      ok: met(t),
      summary: `version CPU ${(m.ours.cpu * 1000).toFixed(1)} ms = ${t.ratio.toFixed(2)}x the ` +
        `hello world (target <= ${bound}x), median of ${runs} interleaved runs`,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
