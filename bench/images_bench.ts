/**
 * `cosign-ts verify` of an image carrying 50 signatures against one carrying 1, in one run, on a
 * real registry (Debian's docker-registry on 127.0.0.1). Prints both CPU and wall times (medians
 * of interleaved runs of dist/cosign-ts after a warm-up), the CPU ratio (target: at most 1.5),
 * the 50-signature verify's wall time against `curl --parallel` fetching the same blobs
 * (target: at most 1.2x), a lone `sign`'s wall and CPU time, and the registry requests one
 * `sign` and each `verify` make (counted from the registry's access log), including how many
 * blob GETs the 50-signature verify made (must be 50: never the same blob twice). As a
 * reference for what the registry itself costs, `curl --parallel` (16 at a time, one process)
 * fetches the same 50 payload blobs.
 *
 * Environment: `COSIGN_TS_BENCH_SIGNATURES` (default 50), `COSIGN_TS_BENCH_RUNS` (default 9,
 * quick 5), `COSIGN_TS_BENCH_IMAGES_MAX_RATIO` (CPU, default 1.5),
 * `COSIGN_TS_BENCH_IMAGES_MAX_CURL_RATIO` (wall, default 1.2).
 * @module
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import type { BenchResult } from "./run.ts";
import { pushTestImage, startRegistry } from "../tests/helpers/registry.ts";
import { RegistryClient } from "../oci/client.ts";
import { parseReference, withDigest } from "../oci/reference.ts";
import { generateEcdsaP256 } from "../core/keys/generate.ts";
import { pemEncode } from "../core/keys/pem.ts";
import { signImageDigest } from "../plugins/artifact-oci/sign_image.ts";
import {
  BIN,
  interleave,
  measure,
  median,
  met,
  ms,
  requireBinary,
  runsFor,
  summarize,
  type Target,
  targetMetric,
} from "./measure.ts";

/** Benchmark name. */
export const name = "images";
/** What is compared with what. */
export const description =
  "cosign-ts verify: image with 50 signatures vs 1 (real registry), vs curl --parallel; lone sign";

/** Runs the benchmark. */
export async function run(): Promise<BenchResult> {
  const count = Math.max(2, Number(process.env.COSIGN_TS_BENCH_SIGNATURES ?? 50));
  const runs = runsFor(9, 5);
  const maxRatio = Number(process.env.COSIGN_TS_BENCH_IMAGES_MAX_RATIO ?? 1.5);
  const maxCurl = Number(process.env.COSIGN_TS_BENCH_IMAGES_MAX_CURL_RATIO ?? 1.2);
  requireBinary();
  const reg = await startRegistry("plain");
  const dir = await mkdtemp(join(tmpdir(), "cosign-ts-bench-images-"));
  try {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: dir,
      DOCKER_CONFIG: dir,
    };
    const opts = { env, cleanEnv: true };
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
    await measure(BIN, ["sign", "--key", keyFile, "--tlog-upload=false", oneRef], opts);
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
      measure(BIN, ["verify", "--key", pubFile, "--insecure-ignore-tlog", ref], opts);
    // Warm-up, and request counts of one verify each.
    await reg.settle();
    before = reg.accessLog().length;
    await verify(oneRef);
    await reg.settle();
    const oneLog = reg.accessLog().slice(before);
    before = reg.accessLog().length;
    await verify(manyRef);
    await reg.settle();
    const manyLog = reg.accessLog().slice(before);
    const blobGets = manyLog.filter((l) => /"GET \/v2\/[^ ]*\/blobs\//.test(l)).length;
    // The registry's own floor: the same blob GETs by curl, 16 at a time in one process.
    const sigManifest = JSON.parse(new TextDecoder().decode(
      (await client.getManifest(`${reg.host}/bench/many:sha256-${many.digest.slice(7)}.sig`)).bytes,
    ));
    const urls = (sigManifest.layers as { digest: string }[]).flatMap((l) => [
      "-o",
      "/dev/null",
      `${reg.url}/v2/bench/many/blobs/${l.digest}`,
    ]);
    // A lone signer: each run signs a fresh image (a new tag of a new image), so no run finds
    // the signatures of the previous one.
    let n = 0;
    const lone = async () => {
      const img = await pushTestImage(client, `${reg.host}/bench/lone${n++}:v1`, { layers: 1 });
      const s = await measure(BIN, [
        "sign",
        "-d",
        "--key",
        keyFile,
        "--tlog-upload=false",
        `${reg.host}/bench/lone${n - 1}@${img.digest}`,
      ], opts);
      const settled = /confirmed at .* after settling (\d+) ms/.exec(s.out);
      if (settled) settles.push(Number(settled[1]));
      return s;
    };
    const settles: number[] = [];
    const m = await interleave({
      one: () => verify(oneRef),
      many: () => verify(manyRef),
      curl: () => measure("curl", ["-sf", "--parallel", "--parallel-max", "16", ...urls], opts),
      sign: lone,
    }, runs);
    const cpu: Target = {
      label: `CPU ratio verify ${count} / 1 signatures`,
      ratio: m.many.cpu / m.one.cpu,
      bound: maxRatio,
      kind: "max",
    };
    const wall: Target = {
      label: `wall ratio verify ${count} signatures / curl --parallel of the same blobs`,
      ratio: m.many.wall / m.curl.wall,
      bound: maxCurl,
      kind: "max",
    };
    const targets = [cpu, wall];
    return {
      metrics: [
        ms("verify, 1 signature: CPU", m.one.cpu),
        ms(`verify, ${count} signatures: CPU`, m.many.cpu),
        targetMetric(cpu),
        ms("verify, 1 signature: wall", m.one.wall),
        ms(`verify, ${count} signatures: wall`, m.many.wall),
        { label: `wall ratio ${count} / 1`, value: m.many.wall / m.one.wall, unit: "x" },
        ms(`curl --parallel, the same ${count} blob GETs: wall`, m.curl.wall),
        targetMetric(wall),
        {
          label: "cosign-ts extra wall for the other signatures / curl",
          value: (m.many.wall - m.one.wall) / m.curl.wall,
          unit: "x",
        },
        ms("lone sign: wall", m.sign.wall),
        ms("lone sign: CPU", m.sign.cpu),
        {
          label: "lone sign: settling wait of the append (median, from its debug log)",
          value: settles.length ? median(settles) : NaN,
          unit: "ms",
        },
        { label: "registry requests per sign", value: signRequests, unit: "requests" },
        { label: "registry requests per verify (1 sig)", value: oneLog.length, unit: "requests" },
        {
          label: `registry requests per verify (${count} sigs)`,
          value: manyLog.length,
          unit: "requests",
        },
        { label: `blob GETs in the ${count}-signature verify`, value: blobGets, unit: "requests" },
      ],
      ok: targets.every(met) && blobGets === count,
      summary: `${summarize(targets)}; ${blobGets} blob GETs for ${count} signatures; ` +
        `lone sign ${(m.sign.wall * 1000).toFixed(0)} ms wall (median of ${runs} interleaved runs)`,
    };
  } finally {
    await reg.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
