/**
 * verifyArtifact honours `maxWorkers` (cosign `--max-workers`, default 10): at most that many
 * signatures are being verified at once, the results keep the store's order, and the store is
 * asked to fetch with that concurrency.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Artifact, Context, StoredSignature, Verifier } from "./plugin.ts";
import { DEFAULT_MAX_WORKERS, verifyArtifact } from "./verify_artifact.ts";

const enc = new TextEncoder();

/** A verifier that accepts everything and records how many calls run together. */
function countingVerifier(): { verifier: Verifier; peak: () => number } {
  let running = 0;
  let peak = 0;
  const verifier: Verifier = {
    algorithm: "ecdsa-p256-sha256",
    publicKey: () => Promise.reject(new Error("no native key")),
    async verify() {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return true;
    },
  };
  return { verifier, peak: () => peak };
}

const artifact: Artifact = {
  kind: "mem",
  ref: "mem://x",
  digest: () => Promise.resolve({ algorithm: "sha256", hex: "00".repeat(32) }),
} as unknown as Artifact;

const sigs: StoredSignature[] = Array.from({ length: 25 }, (_, i) => ({
  kind: "signature",
  location: `sig-${i}`,
  legacy: { signature: new Uint8Array([i]), payload: enc.encode(`{"n":${i}}`) },
}));

const ctx = { log: { debug() {}, info() {}, warn() {} } } as unknown as Context;

describe("verifyArtifact maxWorkers", () => {
  for (const n of [1, 3]) {
    it(`verifies at most ${n} signature(s) at once, in store order`, async () => {
      const { verifier, peak } = countingVerifier();
      const v = await verifyArtifact(artifact, {
        ctx,
        verifier,
        ignoreTlog: true,
        checkClaims: false,
        signatures: sigs,
        maxWorkers: n,
      });
      assert.equal(v.length, sigs.length);
      assert.deepEqual(v.map((s) => s.stored.location), sigs.map((s) => s.location));
      assert.equal(peak(), n);
    });
  }
  it("passes maxWorkers to the store as its fetch concurrency", async () => {
    const { verifier } = countingVerifier();
    const queries: unknown[] = [];
    const store = {
      ...artifact,
      async *signatures(_c: Context, query?: unknown) {
        queries.push(query);
        yield* sigs.slice(0, 2);
      },
    } as Artifact;
    const o = { ctx, verifier, ignoreTlog: true, checkClaims: false };
    await verifyArtifact(store, { ...o, maxWorkers: 3 });
    await verifyArtifact(store, o);
    assert.deepEqual(queries, [{ kind: "signature", concurrency: 3 }, { kind: "signature" }]);
  });
  it(`defaults to cosign's ${DEFAULT_MAX_WORKERS}`, async () => {
    const { verifier, peak } = countingVerifier();
    await verifyArtifact(artifact, {
      ctx,
      verifier,
      ignoreTlog: true,
      checkClaims: false,
      signatures: sigs,
    });
    assert.equal(DEFAULT_MAX_WORKERS, 10);
    assert.equal(peak(), 10);
  });
});
