/**
 * Start-up time of the single binary: `dist/cosign-ts version` against a bare `node -e 0`,
 * alternating, in one run. Target: the binary starts faster (ratio below 1).
 *
 * Environment: `COSIGN_TS_BENCH_STARTUP_RUNS` (runs per command, default 20).
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import type { BenchResult } from "./run.ts";

/** Benchmark name. */
export const name = "startup";
/** What is compared. */
export const description = "dist/cosign-ts version vs node -e 0 (wall time, median)";

const BIN = join(resolve(dirname(fileURLToPath(import.meta.url)), ".."), "dist", "cosign-ts");

function once(cmd: string, args: string[]): Promise<number> {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: "ignore" });
    child.on("error", rej);
    child.on("close", (code) => {
      if (code !== 0) rej(new Error(`${cmd} ${args.join(" ")} exited ${code}`));
      else res((performance.now() - t0) / 1000);
    });
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Runs the benchmark. */
export async function run(): Promise<BenchResult> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run "deno task compile" first`);
  const runs = Number(process.env.COSIGN_TS_BENCH_STARTUP_RUNS ?? 20);
  const ours: number[] = [];
  const node: number[] = [];
  await once(BIN, ["version"]);
  await once("node", ["-e", "0"]);
  for (let i = 0; i < runs; i++) {
    ours.push(await once(BIN, ["version"]));
    node.push(await once("node", ["-e", "0"]));
  }
  const a = median(ours);
  const b = median(node);
  const ratio = a / b;
  return {
    metrics: [
      { label: "cosign-ts version", value: a * 1000, unit: "ms" },
      { label: "node -e 0", value: b * 1000, unit: "ms" },
      { label: "ratio", value: ratio, unit: "x" },
    ],
    ok: ratio < 1,
    summary: `ratio ${ratio.toFixed(2)} ${
      ratio < 1 ? "<" : ">="
    } 1 (binary must start faster than node)`,
  };
}
