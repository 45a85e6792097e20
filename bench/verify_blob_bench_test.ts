/**
 * Runs the verify-blob benchmark small (8 and 72 MiB) to keep it working, and checks that the
 * peak memory of cosign-ts does not grow with the file (streaming).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { run } from "./verify_blob_bench.ts";
import type { BenchResult } from "./run.ts";

async function at(mib: number): Promise<BenchResult> {
  process.env.COSIGN_TS_BENCH_BLOB_MB = String(mib);
  process.env.COSIGN_TS_BENCH_RUNS = "1";
  try {
    return await run();
  } finally {
    delete process.env.COSIGN_TS_BENCH_BLOB_MB;
    delete process.env.COSIGN_TS_BENCH_RUNS;
  }
}

function metric(r: BenchResult, label: string): number {
  const m = r.metrics.find((x) => x.label.startsWith(label));
  assert.ok(m, `metric ${label}`);
  return m.value;
}

describe("verify-blob benchmark", () => {
  it("measures both tools, and cosign-ts memory stays flat as the file grows", async () => {
    const small = await at(8);
    const large = await at(72);
    for (const r of [small, large]) {
      assert.ok(metric(r, "cosign-ts verify-blob") > 0);
      assert.ok(metric(r, "openssl dgst") > 0);
      assert.ok(Number.isFinite(metric(r, "ratio")));
    }
    const grow = metric(large, "cosign-ts peak RSS") - metric(small, "cosign-ts peak RSS");
    assert.ok(grow < 24, `peak RSS grew by ${grow} MiB for 64 MiB more input`);
  });
});
