/**
 * Key-based signing against verifying on a small file, whole process, CPU: `dist/cosign-ts
 * sign-blob --key key.pem --tlog-upload=false` (ECDSA P-256, unencrypted PKCS#8 key from
 * openssl, so no scrypt) against `dist/cosign-ts verify-blob --key key.pub --signature …
 * --insecure-ignore-tlog` on the same 1 KiB file, interleaved, with `openssl dgst` as the
 * reference. Target: signing costs at most the CPU of verifying (no warm-up tax for the first
 * signature).
 *
 * Environment: `COSIGN_TS_BENCH_RUNS` (default 15, quick 7),
 * `COSIGN_TS_BENCH_SIGN_MAX_RATIO` (default 1).
 * @module
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import type { BenchResult } from "./run.ts";
import {
  BIN,
  interleave,
  measure,
  type MeasureOptions,
  met,
  ms,
  requireBinary,
  runsFor,
  type Sample,
  type Target,
  targetMetric,
} from "./measure.ts";

/** Benchmark name. */
export const name = "keys";
/** What is compared. */
export const description =
  "cosign-ts sign-blob --key vs verify-blob --key on 1 KiB (CPU, interleaved medians)";

/** Creates an openssl P-256 key pair in `dir`: `{ key, pub }` file paths (PKCS#8, SPKI PEM). */
export async function opensslKeyPair(dir: string): Promise<{ key: string; pub: string }> {
  const ec = join(dir, "key.ec.pem");
  const key = join(dir, "key.pem");
  const pub = join(dir, "key.pub");
  await measure("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", ec]);
  await measure("openssl", ["pkcs8", "-topk8", "-nocrypt", "-in", ec, "-out", key]);
  await measure("openssl", ["pkey", "-in", key, "-pubout", "-out", pub]);
  return { key, pub };
}

/** Files for {@link signVerifyTasks}. */
export interface SignVerifyFiles {
  /** PKCS#8 private key PEM. */
  key: string;
  /** Public key PEM. */
  pub: string;
  /** cosign-ts's signature of `file` (base64 or DER). */
  sig: string;
  /** openssl's DER signature of `file`. */
  rawSig: string;
  /** The file signed. */
  file: string;
}

/**
 * The four whole-process runs the key benchmarks compare: `sign` / `verify` (dist/cosign-ts
 * sign-blob / verify-blob --key) and `osign` / `overify` (openssl dgst -sha256 -sign / -verify).
 */
export function signVerifyTasks(
  f: SignVerifyFiles,
  o: MeasureOptions = {},
): Record<"sign" | "verify" | "osign" | "overify", () => Promise<Sample>> {
  return {
    sign: () => measure(BIN, ["sign-blob", "--key", f.key, "--tlog-upload=false", f.file], o),
    verify: () =>
      measure(BIN, [
        "verify-blob",
        "--key",
        f.pub,
        "--signature",
        f.sig,
        "--insecure-ignore-tlog",
        f.file,
      ], o),
    osign: () =>
      measure("openssl", ["dgst", "-sha256", "-sign", f.key, "-out", "/dev/null", f.file], o),
    overify: () =>
      measure("openssl", ["dgst", "-sha256", "-verify", f.pub, "-signature", f.rawSig, f.file], o),
  };
}

/** Runs the benchmark. */
export async function run(): Promise<BenchResult> {
  requireBinary();
  const runs = runsFor(15, 7);
  const bound = Number(process.env.COSIGN_TS_BENCH_SIGN_MAX_RATIO ?? 1);
  const dir = await mkdtemp(join(tmpdir(), "cosign-ts-keybench-"));
  try {
    const { key, pub } = await opensslKeyPair(dir);
    const file = join(dir, "blob.bin");
    const sig = join(dir, "blob.sig");
    const rawSig = join(dir, "blob.der");
    await writeFile(file, randomBytes(1024));
    await measure(BIN, [
      "sign-blob",
      "--key",
      key,
      "--tlog-upload=false",
      "--output-signature",
      sig,
      file,
    ]);
    await measure("openssl", ["dgst", "-sha256", "-sign", key, "-out", rawSig, file]);
    const m = await interleave(
      signVerifyTasks({ key, pub, sig, rawSig, file }, {
        env: { COSIGN_TS_CACHE: join(dir, "cache") },
      }),
      runs,
    );
    const t: Target = {
      label: "CPU ratio sign-blob / verify-blob",
      ratio: m.sign.cpu / m.verify.cpu,
      bound,
      kind: "max",
    };
    return {
      metrics: [
        ms("cosign-ts sign-blob --key CPU", m.sign.cpu),
        ms("cosign-ts verify-blob --key CPU", m.verify.cpu),
        ms("cosign-ts sign-blob --key wall", m.sign.wall),
        ms("cosign-ts verify-blob --key wall", m.verify.wall),
        ms("openssl dgst -sign CPU", m.osign.cpu),
        ms("openssl dgst -verify CPU", m.overify.cpu),
        targetMetric(t),
      ],
      ok: met(t),
      summary: `sign-blob ${(m.sign.cpu * 1000).toFixed(1)} ms CPU vs verify-blob ${
        (m.verify.cpu * 1000).toFixed(1)
      } ms: ${t.ratio.toFixed(2)} (target <= ${bound}), median of ${runs} interleaved runs`,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
