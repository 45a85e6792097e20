// In-process verification throughput of @sigstore/verify (sigstore-js) on Node, the peer of
// bench/throughput_worker.ts: trust material built once, then each iteration parses the bundle
// JSON and verifies it for the artifact and identity policy, after a warm-up.
// Usage: node bench/throughput_sigstore_js.mjs '{"bundle":F,"artifact":F,"trustedRoot":F,
//          "identity":S,"issuer":S,"seconds":N}'
// Prints one JSON line: {"perCpuSecond":N,"perSecond":N,"iterations":N} (per CPU second of the
// process, which other load on the machine barely moves, and per wall second).
import { readFileSync } from "node:fs";
import { bundleFromJSON } from "@sigstore/bundle";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { toSignedEntity, toTrustMaterial, Verifier } from "@sigstore/verify";

const o = JSON.parse(process.argv[2]);
const text = readFileSync(o.bundle, "utf8");
const artifact = readFileSync(o.artifact);
const root = TrustedRoot.fromJSON(JSON.parse(readFileSync(o.trustedRoot, "utf8")));
const verifier = new Verifier(toTrustMaterial(root), {
  tlogThreshold: 1,
  ctlogThreshold: 1,
  timestampThreshold: 1,
});
const policy = { subjectAlternativeName: o.identity, extensions: { issuer: o.issuer } };
const once = () => {
  const bundle = bundleFromJSON(JSON.parse(text));
  verifier.verify(toSignedEntity(bundle, artifact), policy);
};
const loop = (seconds) => {
  const end = performance.now() + seconds * 1000;
  let n = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  while (performance.now() < end) {
    once();
    n++;
  }
  const c = process.cpuUsage(c0);
  return { n, s: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
};
loop(Math.min(1, o.seconds / 2));
const r = loop(o.seconds);
console.log(
  JSON.stringify({ perCpuSecond: r.n / r.cpu, perSecond: r.n / r.s, iterations: r.n }),
);
