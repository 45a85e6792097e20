/**
 * Keyless verification, whole process, CPU: `dist/cosign-ts verify-blob --bundle` against
 * `@sigstore/verify` (sigstore-js) on Node (tests/helpers/sigstore_js_verify.mjs) verifying the
 * same bundle and artifact with the same trusted root and identity policy, on the three bundle
 * kinds of issue 12:
 *
 * - `loopback hashedrekord + TSA`: a v0.3 message-signature bundle made here by the test
 *   Sigstore instance (tests/fixtures/keyless/factory.ts: Fulcio chain, SCT, Rekor v1 SET and
 *   inclusion proof, RFC 3161 timestamp);
 * - `public-good hashedrekord + TSA`: tests/fixtures/public_good/new_bundle.txt.sigstore.json;
 * - `public-good DSSE`: the npm provenance of sigstore@3.1.0 (no timestamp).
 *
 * Median CPU (user + system) of interleaved runs after a warm-up; prints each ratio
 * cosign-ts / sigstore-js with its target (at most 0.20).
 *
 * Environment: `COSIGN_TS_BENCH_RUNS` (default 9, quick 5),
 * `COSIGN_TS_BENCH_KEYLESS_MAX_RATIO` (default 0.2).
 * @module
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import type { BenchMetric, BenchResult } from "./run.ts";
import { PUBLIC_GOOD_TRUSTED_ROOT } from "../core/trust/public_good.ts";
import { createKeyless, messageBundle } from "../tests/fixtures/keyless/factory.ts";
import {
  BIN,
  interleave,
  measure,
  met,
  ms,
  requireBinary,
  ROOT,
  runsFor,
  summarize,
  type Target,
  targetMetric,
} from "./measure.ts";

/** Benchmark name. */
export const name = "keyless-verify";
/** What is compared. */
export const description =
  "cosign-ts verify-blob (keyless) vs @sigstore/verify on Node: CPU of whole processes, 3 bundle kinds";

/** One bundle kind to verify. */
export interface KeylessCase {
  /** Short label. */
  label: string;
  /** Bundle file. */
  bundle: string;
  /** Artifact file. */
  artifact: string;
  /** trusted_root.json file. */
  trustedRoot: string;
  /** Certificate identity (SAN). */
  identity: string;
  /** OIDC issuer. */
  issuer: string;
}

const FIX = join(ROOT, "tests", "fixtures", "public_good");

/**
 * Writes the three bundle kinds (and their trusted roots) into `dir`: the loopback
 * hashedrekord + TSA bundle is made fresh by the test Sigstore instance.
 */
export async function keylessCases(dir: string): Promise<KeylessCase[]> {
  const pgRoot = join(dir, "public_good_root.json");
  await writeFile(pgRoot, PUBLIC_GOOD_TRUSTED_ROOT);
  const k = await createKeyless();
  const loopRoot = join(dir, "loopback_root.json");
  await writeFile(loopRoot, JSON.stringify(k.trustedRoot));
  const art = new TextEncoder().encode("artifact for the keyless benchmark\n");
  const loopArt = join(dir, "artifact.txt");
  await writeFile(loopArt, art);
  const loopBundle = join(dir, "loopback.sigstore.json");
  await writeFile(loopBundle, JSON.stringify(await messageBundle(k, art, { tsa: true })));
  return [
    {
      label: "loopback hashedrekord + TSA",
      bundle: loopBundle,
      artifact: loopArt,
      trustedRoot: loopRoot,
      identity: "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main",
      issuer: "https://token.actions.githubusercontent.com",
    },
    {
      label: "public-good hashedrekord + TSA",
      bundle: join(FIX, "new_bundle.txt.sigstore.json"),
      artifact: join(FIX, "new_bundle.txt"),
      trustedRoot: pgRoot,
      identity: "aryadeeptade@gmail.com",
      issuer: "https://github.com/login/oauth",
    },
    {
      label: "public-good DSSE",
      bundle: join(FIX, "sigstore-3.1.0.sigstore.json"),
      artifact: join(FIX, "sigstore-3.1.0.tgz"),
      trustedRoot: pgRoot,
      identity:
        "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main",
      issuer: "https://token.actions.githubusercontent.com",
    },
  ];
}

/** Runs the benchmark. */
export async function run(): Promise<BenchResult> {
  requireBinary();
  const runs = runsFor(9, 5);
  const bound = Number(process.env.COSIGN_TS_BENCH_KEYLESS_MAX_RATIO ?? 0.2);
  const dir = await mkdtemp(join(tmpdir(), "cosign-ts-kbench-"));
  try {
    const env = { COSIGN_TS_CACHE: join(dir, "cache") };
    const metrics: BenchMetric[] = [];
    const targets: Target[] = [];
    for (const c of await keylessCases(dir)) {
      const m = await interleave({
        ours: () =>
          measure(BIN, [
            "verify-blob",
            "--bundle",
            c.bundle,
            "--trusted-root",
            c.trustedRoot,
            "--certificate-identity",
            c.identity,
            "--certificate-oidc-issuer",
            c.issuer,
            c.artifact,
          ], { env }),
        peer: async () => {
          const s = await measure("node", [
            join(ROOT, "tests", "helpers", "sigstore_js_verify.mjs"),
            JSON.stringify({
              bundle: c.bundle,
              artifact: c.artifact,
              trustedRoot: c.trustedRoot,
              identity: c.identity,
              issuer: c.issuer,
            }),
          ], { env });
          if (!/"ok":true/.test(s.out)) throw new Error(`sigstore-js failed: ${s.out}`);
          return s;
        },
      }, runs);
      const t: Target = {
        label: `CPU ratio cosign-ts / sigstore-js, ${c.label}`,
        ratio: m.ours.cpu / m.peer.cpu,
        bound,
        kind: "max",
      };
      targets.push(t);
      metrics.push(
        ms(`${c.label}: cosign-ts CPU`, m.ours.cpu),
        ms(`${c.label}: sigstore-js CPU`, m.peer.cpu),
        ms(`${c.label}: cosign-ts wall`, m.ours.wall),
        ms(`${c.label}: sigstore-js wall`, m.peer.wall),
        targetMetric(t),
      );
    }
    return {
      metrics,
      ok: targets.every(met),
      summary: `${summarize(targets)} (median of ${runs} interleaved runs)`,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
