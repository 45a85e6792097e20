/**
 * `sign-blob` and `verify-blob` of a large file (1 GiB by default; 256 MiB in quick mode) with
 * `dist/cosign-ts` against `openssl dgst -sha256 -sign` / `-verify` on the same file and the same
 * ECDSA P-256 key, interleaved, in one run. Prints the median wall and CPU times, the ratios
 * (target: at most 1.15 of openssl's wall time, for signing and for verifying) and the peak
 * resident memory (`/usr/bin/time -f %M`) of every process (memory must stay flat: the content
 * is streamed).
 *
 * Environment: `COSIGN_TS_BENCH_BLOB_MB` (file size in MiB, default 1024, quick 256),
 * `COSIGN_TS_BENCH_RUNS` (measured runs per tool, default 3),
 * `COSIGN_TS_BENCH_MAX_RATIO` (target, default 1.15).
 * @module
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import type { BenchResult } from "./run.ts";
import {
  interleave,
  measure,
  met,
  quick,
  requireBinary,
  runsFor,
  type Target,
  targetMetric,
} from "./measure.ts";
import { opensslKeyPair, signVerifyTasks } from "./keys_bench.ts";

/** Benchmark name. */
export const name = "verify-blob";
/** What is compared. */
export const description =
  "cosign-ts sign-blob / verify-blob vs openssl dgst -sha256 -sign / -verify (same file)";

async function writeBigFile(path: string, mib: number): Promise<void> {
  const chunk = new Uint8Array(randomBytes(1024 * 1024));
  const fh = await open(path, "w");
  try {
    for (let i = 0; i < mib; i++) {
      chunk[0] = i & 0xff; // no two MiB alike
      await fh.write(chunk);
    }
  } finally {
    await fh.close();
  }
}

/** Runs the benchmark. */
export async function run(): Promise<BenchResult> {
  const env = process.env;
  const mib = Number(env.COSIGN_TS_BENCH_BLOB_MB ?? (quick() ? 256 : 1024));
  const runs = runsFor(3, 3);
  const maxRatio = Number(env.COSIGN_TS_BENCH_MAX_RATIO ?? 1.15);
  requireBinary();
  const dir = await mkdtemp(join(tmpdir(), "cosign-ts-bench-"));
  try {
    const file = join(dir, "blob.bin");
    const sig = join(dir, "blob.sig");
    const { key, pub } = await opensslKeyPair(dir);
    await writeBigFile(file, mib);
    await measure("openssl", ["dgst", "-sha256", "-sign", key, "-out", sig, file]);
    const m = await interleave(
      signVerifyTasks({ key, pub, sig, rawSig: sig, file }, { rss: true }),
      runs,
    );
    const tv: Target = {
      label: "ratio verify-blob / openssl (wall)",
      ratio: m.verify.wall / m.overify.wall,
      bound: maxRatio,
      kind: "max",
    };
    const ts: Target = {
      label: "ratio sign-blob / openssl (wall)",
      ratio: m.sign.wall / m.osign.wall,
      bound: maxRatio,
      kind: "max",
    };
    const mibOf = (k: number | undefined) => Math.round((k ?? NaN) / 1024);
    return {
      metrics: [
        { label: "file size", value: mib, unit: "MiB" },
        { label: "cosign-ts verify-blob (median wall)", value: m.verify.wall, unit: "s" },
        { label: "openssl dgst -verify (median wall)", value: m.overify.wall, unit: "s" },
        targetMetric(tv),
        { label: "cosign-ts sign-blob (median wall)", value: m.sign.wall, unit: "s" },
        { label: "openssl dgst -sign (median wall)", value: m.osign.wall, unit: "s" },
        targetMetric(ts),
        { label: "CPU: verify-blob / openssl", value: m.verify.cpu / m.overify.cpu, unit: "x" },
        { label: "CPU: sign-blob / openssl", value: m.sign.cpu / m.osign.cpu, unit: "x" },
        { label: "cosign-ts peak RSS", value: mibOf(m.verify.rssKiB), unit: "MiB" },
        { label: "cosign-ts sign-blob peak RSS", value: mibOf(m.sign.rssKiB), unit: "MiB" },
        { label: "openssl peak RSS", value: mibOf(m.overify.rssKiB), unit: "MiB" },
        { label: "cosign-ts verify throughput", value: mib / m.verify.wall, unit: "MiB/s" },
      ],
      ok: met(tv) && met(ts),
      summary:
        `verify ${tv.ratio.toFixed(3)}, sign ${ts.ratio.toFixed(3)} (target <= ${maxRatio}; ` +
        `${runs} interleaved runs, ${mib} MiB, peak RSS ${mibOf(m.verify.rssKiB)}/${
          mibOf(m.sign.rssKiB)
        } MiB)`,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
