/**
 * Keyless verification, whole process: `dist/cosign-ts verify-blob --bundle` of a real
 * public-good keyless bundle (the npm provenance of sigstore@3.1.0: Fulcio certificate chain,
 * SCT, Rekor SET and inclusion proof, identity policy) against `@sigstore/verify`
 * (sigstore-js) on Node verifying the same bundle and artifact with the same trusted root and
 * policy (tests/helpers/sigstore_js_verify.mjs), in one run. Prints the median wall times of
 * alternating runs after a warm-up and the ratio sigstore-js / cosign-ts (target: at least 3).
 *
 * Environment: `COSIGN_TS_BENCH_RUNS` (measured runs per tool, default 7),
 * `COSIGN_TS_BENCH_KEYLESS_MIN_RATIO` (target, default 3).
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import type { BenchResult } from "./run.ts";
import { PUBLIC_GOOD_TRUSTED_ROOT } from "../core/trust/public_good.ts";

/** Benchmark name. */
export const name = "keyless-verify";
/** What is compared. */
export const description =
  "cosign-ts verify-blob (keyless bundle) vs @sigstore/verify on Node, same bundle, whole process";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "dist", "cosign-ts");
const FIX = join(ROOT, "tests", "fixtures", "public_good");
const IDENTITY =
  "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main";
const ISSUER = "https://token.actions.githubusercontent.com";

function once(
  cmd: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ s: number; out: string; code: number }> {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Uint8Array) => out += new TextDecoder().decode(d));
    child.stderr.on("data", (d: Uint8Array) => out += new TextDecoder().decode(d));
    child.on("error", rej);
    child.on("close", (code) => res({ s: (performance.now() - t0) / 1000, out, code: code ?? 1 }));
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Runs the benchmark. */
export async function run(): Promise<BenchResult> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run "deno task compile" first`);
  const runs = Number(process.env.COSIGN_TS_BENCH_RUNS ?? 7);
  const target = Number(process.env.COSIGN_TS_BENCH_KEYLESS_MIN_RATIO ?? 3);
  const dir = await mkdtemp(join(tmpdir(), "cosign-ts-kbench-"));
  try {
    const rootFile = join(dir, "trusted_root.json");
    await writeFile(rootFile, PUBLIC_GOOD_TRUSTED_ROOT);
    const bundle = join(FIX, "sigstore-3.1.0.sigstore.json");
    const artifact = join(FIX, "sigstore-3.1.0.tgz");
    const env = { COSIGN_TS_CACHE: join(dir, "cache") };
    const ours = () =>
      once(BIN, [
        "verify-blob",
        "--bundle",
        bundle,
        "--trusted-root",
        rootFile,
        "--certificate-identity",
        IDENTITY,
        "--certificate-oidc-issuer",
        ISSUER,
        artifact,
      ], env);
    const peer = () =>
      once("node", [
        join(ROOT, "tests", "helpers", "sigstore_js_verify.mjs"),
        JSON.stringify({
          bundle,
          artifact,
          trustedRoot: rootFile,
          identity: IDENTITY,
          issuer: ISSUER,
        }),
      ], env);
    // warm-up, and both must accept the bundle
    const a = await ours();
    if (a.code !== 0) throw new Error(`cosign-ts failed: ${a.out}`);
    const b = await peer();
    if (!/"ok":true/.test(b.out)) throw new Error(`sigstore-js failed: ${b.out}`);
    const t1: number[] = [], t2: number[] = [];
    for (let i = 0; i < runs; i++) {
      t1.push((await ours()).s);
      t2.push((await peer()).s);
    }
    const m1 = median(t1), m2 = median(t2);
    const ratio = m2 / m1;
    return {
      metrics: [
        { label: "cosign-ts verify-blob (keyless)", value: m1 * 1000, unit: "ms" },
        { label: "@sigstore/verify on Node", value: m2 * 1000, unit: "ms" },
        { label: "ratio (sigstore-js / cosign-ts)", value: ratio, unit: "x" },
      ],
      ok: ratio >= target,
      summary: `cosign-ts is ${
        ratio.toFixed(2)
      }x faster (target >= ${target}x), median of ${runs} runs`,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
