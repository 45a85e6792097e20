/**
 * The benchmark runner (`deno task bench [NAME...]`): imports every `bench/*_bench.ts` module (or
 * those whose name contains one of the arguments), runs its exported {@link BenchModule.run},
 * and prints each result. `--quick` (or `COSIGN_TS_BENCH_QUICK=1`) runs every benchmark with
 * fewer runs and smaller inputs (a CI-sized run of a few minutes). Exits non-zero when a benchmark fails to run or misses its target.
 *
 * A benchmark module exports `name`, `description` and `run(): Promise<BenchResult>`.
 * Environment variables tune sizes (see each module and the README's Performance section).
 * @module
 */
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import process from "node:process";

/** One measured row: a label and a value with its unit. */
export interface BenchMetric {
  /** What was measured, e.g. "cosign-ts verify-blob". */
  label: string;
  /** The value. */
  value: number;
  /** Unit, e.g. "s", "MiB", "x". */
  unit: string;
}

/** What a benchmark returns. */
export interface BenchResult {
  /** Measurements, printed in order. */
  metrics: BenchMetric[];
  /** False when the benchmark missed its target. */
  ok: boolean;
  /** One line summarising the verdict, e.g. "ratio 1.05 <= 1.2". */
  summary: string;
}

/** The shape of a `bench/*_bench.ts` module. */
export interface BenchModule {
  /** Short name. */
  name: string;
  /** One line: what is compared with what. */
  description: string;
  /** Runs the benchmark. */
  run(): Promise<BenchResult>;
}

/** Formats a result as text lines. */
export function formatResult(mod: BenchModule, r: BenchResult): string {
  const width = Math.max(...r.metrics.map((m) => m.label.length)) + 2;
  return [
    `== ${mod.name}: ${mod.description}`,
    ...r.metrics.map((m) =>
      `  ${m.label.padEnd(width)}${
        Number.isInteger(m.value) ? m.value : m.value.toFixed(3)
      } ${m.unit}`
    ),
    `  ${r.ok ? "OK" : "MISSED"}: ${r.summary}`,
  ].join("\n");
}

async function main(filters: string[]): Promise<number> {
  const dir = dirname(fileURLToPath(import.meta.url));
  const files = readdirSync(dir).filter((f) => f.endsWith("_bench.ts")).sort()
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
  if (files.length === 0) {
    console.error(`No benchmark matches ${filters.join(", ") || "bench/*_bench.ts"}`);
    return 1;
  }
  let failed = 0;
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(dir, f)).href)) as BenchModule;
    try {
      const r = await mod.run();
      console.log(formatResult(mod, r));
      if (!r.ok) failed++;
    } catch (e) {
      failed++;
      console.log(`== ${mod.name ?? f}: FAILED TO RUN: ${(e as Error).message}`);
    }
  }
  return failed ? 1 : 0;
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  if (args.includes("--quick")) process.env.COSIGN_TS_BENCH_QUICK = "1";
  process.exit(await main(args.filter((a) => a !== "--quick")));
}
