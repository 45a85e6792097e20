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
import { parseReference, type Reference, withDigest } from "../oci/reference.ts";
import { generateEcdsaP256 } from "../core/keys/generate.ts";
import { pemEncode } from "../core/keys/pem.ts";
import { signImageDigest } from "../plugins/artifact-oci/sign_image.ts";
import {
  buildSignatureImage,
  layerDescriptor,
  newSignatureLayer,
  type SignatureLayer,
} from "../plugins/artifact-oci/layout.ts";
import { appendSignatures } from "../plugins/artifact-oci/append_signatures.ts";
import { readSignatureImage } from "../plugins/artifact-oci/read_signatures.ts";
import {
  BIN,
  interleave,
  measure,
  median,
  met,
  ms,
  quick,
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
    const blobPaths = manyLog.flatMap((l) => /"GET (\/v2\/[^ ]*\/blobs\/[^ ]*)/.exec(l)?.[1] ?? []);
    const blobGets = blobPaths.length;
    const repeatedGets = blobGets - new Set(blobPaths).size;
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
    // What the lone signer's settling wait buys: 8 writers appending to one signature image at
    // once, in rounds on fresh images, as cosign does (read, append, write) and as cosign-ts does
    // (checked, confirmed append); the signatures left in the image are counted.
    const race = await raceRounds(reg.clientOptions(), reg.host, quick() ? 2 : 4);
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
        {
          label: `8 racing signers, cosign's read-append-write: signatures kept of ${race.total}`,
          value: race.naive,
          unit: "",
        },
        {
          label: `8 racing signers, cosign-ts's confirmed append: signatures kept of ${race.total}`,
          value: race.confirmed,
          unit: "",
        },
        { label: "registry requests per sign", value: signRequests, unit: "requests" },
        { label: "registry requests per verify (1 sig)", value: oneLog.length, unit: "requests" },
        {
          label: `registry requests per verify (${count} sigs)`,
          value: manyLog.length,
          unit: "requests",
        },
        { label: `blob GETs in the ${count}-signature verify`, value: blobGets, unit: "requests" },
        { label: "of them for a blob fetched before", value: repeatedGets, unit: "requests" },
      ],
      // Every signature layer once, never a blob twice (the one other blob GET is the image's
      // config, which the eBPF type reads to tell a bpfman image: docs/performance.md).
      ok: targets.every(met) && repeatedGets === 0 && blobGets <= count + 1 &&
        race.confirmed === race.total,
      summary: `${summarize(targets)}; ${blobGets} blob GETs for ${count} signatures` +
        ` (${repeatedGets} repeated); racing signers kept ${race.confirmed}/${race.total}` +
        ` (cosign's way: ${race.naive}); ` +
        `lone sign ${(m.sign.wall * 1000).toFixed(0)} ms wall (median of ${runs} interleaved runs)`,
    };
  } finally {
    await reg.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Rounds of 8 concurrent appends to the signature image of a fresh image (separate clients), each
 * way: cosign's read-append-write and cosign-ts's appendSignatures. Returns the layers found
 * afterwards, summed over the rounds.
 */
async function raceRounds(
  options: ConstructorParameters<typeof RegistryClient>[0],
  host: string,
  rounds: number,
): Promise<{ naive: number; confirmed: number; total: number }> {
  const writers = 8;
  let naive = 0;
  let confirmed = 0;
  for (let round = 0; round < rounds; round++) {
    for (const way of ["naive", "confirmed"] as const) {
      const setup = new RegistryClient(options);
      const repo = `${host}/bench/race-${way}-${round}`;
      const img = await pushTestImage(setup, `${repo}:v1`, { layers: 1 });
      const sigRef = parseReference(`${repo}:sha256-${img.digest.slice(7)}.sig`);
      await Promise.all(Array.from({ length: writers }, (_, i) => {
        const client = new RegistryClient(options);
        const layer = newSignatureLayer(
          new TextEncoder().encode(`{"round":${round},"writer":${i}}`),
          new Uint8Array([round, i]),
        );
        return way === "naive"
          ? readAppendWrite(client, sigRef, layer)
          : appendSignatures(client, sigRef, [layer]);
      }));
      const kept = (await readSignatureImage(setup, sigRef))?.manifest.layers.length ?? 0;
      if (way === "naive") naive += kept;
      else confirmed += kept;
    }
  }
  return { naive, confirmed, total: rounds * writers };
}

/** cosign's append (mutate.AppendLayers + remote.Write): read the manifest, add, write back. */
async function readAppendWrite(
  client: RegistryClient,
  sigRef: Reference,
  layer: SignatureLayer,
): Promise<void> {
  const repo = { registry: sigRef.registry, repository: sigRef.repository };
  const desc = layerDescriptor(layer);
  await client.putBlob(repo, layer.payload, { digest: desc.digest, mediaType: desc.mediaType });
  const current = await readSignatureImage(client, sigRef);
  const img = buildSignatureImage([...(current?.manifest.layers ?? []), desc], {
    base: current?.manifest,
  });
  await client.putBlob(repo, img.config, {
    digest: img.configDigest,
    mediaType: img.configMediaType,
  });
  await client.putManifest(sigRef, img.manifest, img.mediaType);
}
