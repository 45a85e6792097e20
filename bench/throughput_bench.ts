/**
 * In-process verification throughput: the library (`parseBundle` + `verifyBundle`, under Bun,
 * bench/throughput_worker.ts) against `@sigstore/verify` on Node
 * (bench/throughput_sigstore_js.mjs), verifications per second (the target) and per second of
 * the process's CPU time over all its threads (less moved by other load; JSC's JIT and GC
 * threads count) of the three bundle kinds of
 * bench/keyless_bench.ts, each tool in its own process, alternating, median of the rounds.
 * Target: at least 5x sigstore-js on every kind.
 *
 * Environment: `COSIGN_TS_BENCH_RUNS` (rounds, default 3, quick 1),
 * `COSIGN_TS_BENCH_THROUGHPUT_SECONDS` (seconds per measurement, default 3, quick 1.5),
 * `COSIGN_TS_BENCH_THROUGHPUT_MIN_RATIO` (default 5).
 * @module
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import type { BenchMetric, BenchResult } from "./run.ts";
import { keylessCases } from "./keyless_bench.ts";
import {
  measure,
  median,
  met,
  quick,
  ROOT,
  runsFor,
  summarize,
  type Target,
  targetMetric,
} from "./measure.ts";

/** Benchmark name. */
export const name = "throughput";
/** What is compared. */
export const description =
  "in-process verifications/s: cosign-ts library on Bun vs @sigstore/verify on Node";

async function rate(cmd: string, args: string[]): Promise<{ wall: number; cpu: number }> {
  const s = await measure(cmd, args);
  const m = /\{"perCpuSecond":([\d.e+-]+),"perSecond":([\d.e+-]+)/.exec(s.out);
  if (!m) throw new Error(`${cmd} ${args[0]}: no rate in ${s.out.slice(0, 1000)}`);
  return { cpu: Number(m[1]), wall: Number(m[2]) };
}

/** Runs the benchmark. */
export async function run(): Promise<BenchResult> {
  const rounds = runsFor(3, 1);
  const seconds = Number(
    process.env.COSIGN_TS_BENCH_THROUGHPUT_SECONDS ?? (quick() ? 1.5 : 3),
  );
  const bound = Number(process.env.COSIGN_TS_BENCH_THROUGHPUT_MIN_RATIO ?? 5);
  const bun = join(ROOT, "node_modules", ".bin", "bun");
  const dir = await mkdtemp(join(tmpdir(), "cosign-ts-tbench-"));
  try {
    const metrics: BenchMetric[] = [];
    const targets: Target[] = [];
    for (const c of await keylessCases(dir)) {
      const arg = JSON.stringify({ ...c, seconds });
      const ours: { wall: number; cpu: number }[] = [];
      const peer: { wall: number; cpu: number }[] = [];
      for (let i = 0; i < rounds; i++) {
        ours.push(await rate(bun, [join(ROOT, "bench", "throughput_worker.ts"), arg]));
        peer.push(await rate("node", [join(ROOT, "bench", "throughput_sigstore_js.mjs"), arg]));
      }
      const wall = (xs: { wall: number }[]) => median(xs.map((x) => x.wall));
      const cpu = (xs: { cpu: number }[]) => median(xs.map((x) => x.cpu));
      const t: Target = {
        label: `throughput ratio cosign-ts / sigstore-js, ${c.label}`,
        ratio: wall(ours) / wall(peer),
        bound,
        kind: "min",
      };
      targets.push(t);
      metrics.push(
        { label: `${c.label}: cosign-ts`, value: Math.round(wall(ours)), unit: "verifications/s" },
        {
          label: `${c.label}: sigstore-js`,
          value: Math.round(wall(peer)),
          unit: "verifications/s",
        },
        targetMetric(t),
        {
          label: `${c.label}: per CPU-second (all threads), cosign-ts / sigstore-js`,
          value: cpu(ours) / cpu(peer),
          unit: "x",
        },
      );
    }
    return {
      metrics,
      ok: targets.every(met),
      summary: `${summarize(targets)} (${rounds} alternating rounds of ${seconds} s)`,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
