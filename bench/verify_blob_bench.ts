/**
 * verify-blob of a large file (1 GiB by default) with `dist/cosign-ts` against
 * `openssl dgst -sha256 -verify` on the same file and the same ECDSA P-256 signature, in one run.
 * Prints both times (median of several alternating runs after a warm-up that fills the page
 * cache), their ratio (target: at most 1.2) and the peak resident memory (VmHWM, via
 * `/usr/bin/time -f %M`) of both processes.
 *
 * Environment: `COSIGN_TS_BENCH_BLOB_MB` (file size in MiB, default 1024),
 * `COSIGN_TS_BENCH_RUNS` (measured runs per tool, default 3),
 * `COSIGN_TS_BENCH_MAX_RATIO` (target, default 1.2).
 * @module
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import type { BenchResult } from "./run.ts";

/** Benchmark name. */
export const name = "verify-blob";
/** What is compared. */
export const description = "cosign-ts verify-blob vs openssl dgst -sha256 -verify (same file)";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "dist", "cosign-ts");

interface Timed {
  seconds: number;
  maxRssKiB: number;
  stderr: string;
  code: number;
}

/** Runs a command under /usr/bin/time and returns wall time and peak RSS. */
function timed(cmd: string, args: string[]): Promise<Timed> {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const child = spawn("/usr/bin/time", ["-f", "MAXRSS_KIB=%M", cmd, ...args], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (d: Uint8Array) => err += new TextDecoder().decode(d));
    child.on("error", rej);
    child.on("close", (code) => {
      const seconds = (performance.now() - t0) / 1000;
      const m = /MAXRSS_KIB=(\d+)/.exec(err);
      res({ seconds, maxRssKiB: m ? Number(m[1]) : NaN, stderr: err, code: code ?? 1 });
    });
  });
}

function run1(cmd: string, args: string[]): Promise<void> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d: Uint8Array) => err += new TextDecoder().decode(d));
    child.on("error", rej);
    child.on(
      "close",
      (code) => code === 0 ? res() : rej(new Error(`${cmd} ${args.join(" ")} failed: ${err}`)),
    );
  });
}

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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Runs the benchmark. */
export async function run(): Promise<BenchResult> {
  const env = process.env;
  const mib = Number(env.COSIGN_TS_BENCH_BLOB_MB ?? 1024);
  const runs = Math.max(1, Number(env.COSIGN_TS_BENCH_RUNS ?? 3));
  const maxRatio = Number(env.COSIGN_TS_BENCH_MAX_RATIO ?? 1.2);
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run "deno task compile" first`);
  const dir = await mkdtemp(join(tmpdir(), "cosign-ts-bench-"));
  try {
    const file = join(dir, "blob.bin");
    const ec = join(dir, "key.ec.pem");
    const key = join(dir, "key.pem");
    const pub = join(dir, "key.pub");
    const sig = join(dir, "blob.sig");
    await writeBigFile(file, mib);
    await run1("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", ec]);
    await run1("openssl", ["pkcs8", "-topk8", "-nocrypt", "-in", ec, "-out", key]);
    await run1("openssl", ["pkey", "-in", key, "-pubout", "-out", pub]);
    await run1("openssl", ["dgst", "-sha256", "-sign", key, "-out", sig, file]);

    const ours = [
      BIN,
      ["verify-blob", "--key", pub, "--signature", sig, "--insecure-ignore-tlog", file],
    ] as const;
    const theirs = ["openssl", [
      "dgst",
      "-sha256",
      "-verify",
      pub,
      "-signature",
      sig,
      file,
    ]] as const;

    // Warm-up: page cache filled, both verify.
    for (const [cmd, args] of [ours, theirs]) {
      const r = await timed(cmd, [...args]);
      if (r.code !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
    }
    const t: Timed[] = [];
    const o: Timed[] = [];
    for (let i = 0; i < runs; i++) {
      t.push(await timed(ours[0], [...ours[1]]));
      o.push(await timed(theirs[0], [...theirs[1]]));
    }
    for (const r of [...t, ...o]) if (r.code !== 0) throw new Error(`a run failed: ${r.stderr}`);
    const ourTime = median(t.map((r) => r.seconds));
    const theirTime = median(o.map((r) => r.seconds));
    const ratio = ourTime / theirTime;
    const ourRss = Math.max(...t.map((r) => r.maxRssKiB)) / 1024;
    const theirRss = Math.max(...o.map((r) => r.maxRssKiB)) / 1024;
    return {
      metrics: [
        { label: "file size", value: mib, unit: "MiB" },
        { label: "cosign-ts verify-blob (median)", value: ourTime, unit: "s" },
        { label: "openssl dgst -verify (median)", value: theirTime, unit: "s" },
        { label: "ratio cosign-ts / openssl", value: ratio, unit: "x" },
        { label: "cosign-ts peak RSS", value: Math.round(ourRss), unit: "MiB" },
        { label: "openssl peak RSS", value: Math.round(theirRss), unit: "MiB" },
        { label: "cosign-ts throughput", value: mib / ourTime, unit: "MiB/s" },
      ],
      ok: ratio <= maxRatio,
      summary: `ratio ${ratio.toFixed(3)} ${ratio <= maxRatio ? "<=" : ">"} ${maxRatio} ` +
        `(${runs} runs each, ${mib} MiB, peak RSS ${Math.round(ourRss)} MiB)`,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
