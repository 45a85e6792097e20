/**
 * In-process verification throughput of the library (run by bench/throughput_bench.ts under
 * Bun, the runtime of the shipped binary): the trusted root is parsed once, then each iteration
 * parses the bundle JSON and verifies it (`parseBundle` + `verifyBundle`) for the artifact and
 * identity policy, as many times as fit in the given seconds after a warm-up.
 *
 * Usage: bun bench/throughput_worker.ts '{"bundle":F,"artifact":F,"trustedRoot":F,
 *   "identity":S,"issuer":S,"seconds":N}'
 * Prints one JSON line: {"perCpuSecond":N,"perSecond":N,"iterations":N} (per second of the
 * process's CPU time, which other load on the machine barely moves, and of wall time).
 * @module
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { parseBundle } from "../core/bundle.ts";
import { parseTrustedRoot } from "../core/trust/trusted_root.ts";
import { verifyBundle } from "../core/verify/verify_bundle.ts";
import { witnessContext } from "../tests/helpers/witnesses.ts";

const o = JSON.parse(process.argv[2]);
const text = readFileSync(o.bundle, "utf8");
const bytes = new Uint8Array(readFileSync(o.artifact));
const trust = await parseTrustedRoot(readFileSync(o.trustedRoot, "utf8"), o.trustedRoot);
const policy = { identity: o.identity, issuer: o.issuer };
const { ctx } = witnessContext(); // the built-in log and TSA plugins
const once = async () => {
  const { bundle } = await parseBundle(text, o.bundle);
  await verifyBundle(bundle, { bytes }, policy, trust, ctx);
};
const loop = async (seconds: number) => {
  const end = performance.now() + seconds * 1000;
  let n = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  while (performance.now() < end) {
    await once();
    n++;
  }
  const c = process.cpuUsage(c0);
  return { n, s: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
};
await loop(Math.min(1, o.seconds / 2));
const r = await loop(o.seconds);
console.log(
  JSON.stringify({ perCpuSecond: r.n / r.cpu, perSecond: r.n / r.s, iterations: r.n }),
);
