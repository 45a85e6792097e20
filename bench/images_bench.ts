/**
 * `cosign-ts verify` of an image carrying 50 signatures against one carrying 1, in one run, on a
 * real registry (Debian's docker-registry on 127.0.0.1). Prints both times (median of several
 * alternating runs of dist/cosign-ts after a warm-up), their ratio (target: at most 2, since
 * the payloads are fetched in parallel and each blob once), and the registry requests one
 * `sign` and each `verify` make (counted from the registry's access log), including how many
 * blob GETs the 50-signature verify made (must be 50: never the same blob twice). As a
 * reference for what the registry itself costs, `curl --parallel` (16 at a time, one process)
 * fetches the same 50 payload blobs.
 *
 * Environment: `COSIGN_TS_BENCH_SIGNATURES` (default 50), `COSIGN_TS_BENCH_RUNS` (default 5),
 * `COSIGN_TS_BENCH_IMAGES_MAX_RATIO` (default 2).
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import type { BenchResult } from "./run.ts";
import { pushTestImage, startRegistry } from "../tests/helpers/registry.ts";
import { RegistryClient } from "../oci/client.ts";
import { parseReference, withDigest } from "../oci/reference.ts";
import { generateEcdsaP256 } from "../core/keys/generate.ts";
import { pemEncode } from "../core/keys/pem.ts";
import { signImageDigest } from "../plugins/artifact-oci/sign_image.ts";

/** Benchmark name. */
export const name = "images";
/** What is compared with what. */
export const description =
  "cosign-ts verify: image with 50 signatures vs image with 1 (real registry), request counts";

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), "..", "dist", "cosign-ts");

interface Timed {
  code: number;
  seconds: number;
  stderr: string;
}

function timed(cmd: string, args: string[], env: Record<string, string>): Promise<Timed> {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"], env });
    let stderr = "";
    child.stderr.on("data", (d: Uint8Array) => stderr += new TextDecoder().decode(d));
    child.on("error", rej);
    child.on(
      "close",
      (code) => res({ code: code ?? 1, seconds: (performance.now() - t0) / 1000, stderr }),
    );
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Runs the benchmark. */
export async function run(): Promise<BenchResult> {
  const count = Math.max(2, Number(process.env.COSIGN_TS_BENCH_SIGNATURES ?? 50));
  const runs = Math.max(1, Number(process.env.COSIGN_TS_BENCH_RUNS ?? 5));
  const maxRatio = Number(process.env.COSIGN_TS_BENCH_IMAGES_MAX_RATIO ?? 2);
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run "deno task compile" first`);
  const reg = await startRegistry("plain");
  const dir = await mkdtemp(join(tmpdir(), "cosign-ts-bench-images-"));
  try {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: dir,
      DOCKER_CONFIG: dir,
    };
    const client = new RegistryClient(reg.clientOptions());
    const { signer, pkcs8 } = generateEcdsaP256();
    const keyFile = join(dir, "key.pem");
    const pubFile = join(dir, "key.pub");
    const { writeFile } = await import("node:fs/promises");
    await writeFile(keyFile, pemEncode("PRIVATE KEY", pkcs8));
    await writeFile(pubFile, (await signer.publicKey()).pem);

    const one = await pushTestImage(client, `${reg.host}/bench/one:v1`, { layers: 1 });
    const many = await pushTestImage(client, `${reg.host}/bench/many:v1`, { layers: 1 });
    const oneRef = `${reg.host}/bench/one@${one.digest}`;
    const manyRef = `${reg.host}/bench/many@${many.digest}`;
    // One signature by the binary, counting its requests.
    await reg.settle();
    let before = reg.accessLog().length;
    const s = await timed(BIN, ["sign", "--key", keyFile, "--tlog-upload=false", oneRef], env);
    if (s.code !== 0) throw new Error(`sign failed: ${s.stderr}`);
    await reg.settle();
    const signRequests = reg.accessLog().length - before;
    // 50 signatures (distinct annotations) through the library, quickly.
    const image = withDigest(parseReference(`${reg.host}/bench/many`), many.digest);
    for (let i = 0; i < count; i++) {
      await signImageDigest({
        client,
        signer,
        image,
        annotations: { n: String(i) },
        env: () => undefined,
      });
    }
    const verify = (ref: string) =>
      timed(BIN, ["verify", "--key", pubFile, "--insecure-ignore-tlog", ref], env);
    // Warm-up, and request counts of one verify each.
    await reg.settle();
    before = reg.accessLog().length;
    const w1 = await verify(oneRef);
    await reg.settle();
    const oneLog = reg.accessLog().slice(before);
    before = reg.accessLog().length;
    const w2 = await verify(manyRef);
    await reg.settle();
    const manyLog = reg.accessLog().slice(before);
    if (w1.code !== 0 || w2.code !== 0) throw new Error(`verify failed: ${w1.stderr}${w2.stderr}`);
    const blobGets = manyLog.filter((l) => /"GET \/v2\/[^ ]*\/blobs\//.test(l)).length;
    const t1: number[] = [];
    const tn: number[] = [];
    for (let i = 0; i < runs; i++) {
      const a = await verify(oneRef);
      const b = await verify(manyRef);
      if (a.code !== 0 || b.code !== 0) throw new Error(`verify failed: ${a.stderr}${b.stderr}`);
      t1.push(a.seconds);
      tn.push(b.seconds);
    }
    const m1 = median(t1);
    const mn = median(tn);
    const ratio = mn / m1;
    // The registry's own floor: the same blob GETs by curl, 16 at a time in one process.
    const sigManifest = JSON.parse(new TextDecoder().decode(
      (await client.getManifest(`${reg.host}/bench/many:sha256-${many.digest.slice(7)}.sig`)).bytes,
    ));
    const urls = (sigManifest.layers as { digest: string }[]).flatMap((l) => [
      "-o",
      "/dev/null",
      `${reg.url}/v2/bench/many/blobs/${l.digest}`,
    ]);
    const tc: number[] = [];
    for (let i = 0; i < runs; i++) {
      const c = await timed("curl", ["-sf", "--parallel", "--parallel-max", "16", ...urls], env);
      if (c.code !== 0) throw new Error(`curl failed: ${c.stderr}`);
      tc.push(c.seconds);
    }
    const floor = median(tc);
    const ok = ratio <= maxRatio && blobGets === count;
    return {
      metrics: [
        { label: "verify, 1 signature (median)", value: m1, unit: "s" },
        { label: `verify, ${count} signatures (median)`, value: mn, unit: "s" },
        { label: `ratio ${count} / 1`, value: ratio, unit: "x" },
        { label: `curl --parallel: the same ${count} blob GETs`, value: floor, unit: "s" },
        { label: "cosign-ts extra time / curl time", value: (mn - m1) / floor, unit: "x" },
        { label: "registry requests per sign", value: signRequests, unit: "requests" },
        { label: "registry requests per verify (1 sig)", value: oneLog.length, unit: "requests" },
        {
          label: `registry requests per verify (${count} sigs)`,
          value: manyLog.length,
          unit: "requests",
        },
        { label: `blob GETs in the ${count}-signature verify`, value: blobGets, unit: "requests" },
      ],
      ok,
      summary: `ratio ${ratio.toFixed(3)} ${ratio <= maxRatio ? "<=" : ">"} ${maxRatio}; ` +
        `${blobGets} blob GETs for ${count} signatures (${runs} runs each)`,
    };
  } finally {
    await reg.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
