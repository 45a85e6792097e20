import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { Buffer } from "node:buffer";
import { buildTree, leafHash, rootFromInclusionProof } from "./merkle.ts";

const b64 = (s: string) => new Uint8Array(Buffer.from(s, "base64"));
const h = (...parts: Uint8Array[]) => {
  const x = createHash("sha256");
  for (const p of parts) x.update(p);
  return new Uint8Array(x.digest());
};
// RFC 6962 MTH written independently (recursive definition of section 2.1).
function mth(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return h();
  if (leaves.length === 1) return h(new Uint8Array([0]), leaves[0]);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return h(new Uint8Array([1]), mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

describe("merkle inclusion proofs", () => {
  it("verifies the real public-good Rekor proof of the sigstore@3.1.0 provenance", async () => {
    const bundle = JSON.parse(
      readFileSync(
        new URL("../../tests/fixtures/public_good/sigstore-3.1.0.sigstore.json", import.meta.url),
        "utf8",
      ),
    );
    const e = bundle.verificationMaterial.tlogEntries[0];
    const p = e.inclusionProof;
    const root = await rootFromInclusionProof(
      BigInt(p.logIndex),
      BigInt(p.treeSize),
      await leafHash(b64(e.canonicalizedBody)),
      p.hashes.map(b64),
    );
    assert.deepEqual(root, b64(p.rootHash));
    const bad = await rootFromInclusionProof(
      BigInt(p.logIndex) + 1n,
      BigInt(p.treeSize),
      await leafHash(b64(e.canonicalizedBody)),
      p.hashes.map(b64),
    );
    assert.notDeepEqual(bad, b64(p.rootHash));
  });
  it("every leaf of trees of size 1..17 proves against the independently computed root", async () => {
    for (let n = 1; n <= 17; n++) {
      const leaves = Array.from({ length: n }, (_, i) => new TextEncoder().encode(`leaf ${i}`));
      const want = mth(leaves);
      for (let i = 0; i < n; i++) {
        const { root, proof } = await buildTree(leaves, i);
        assert.deepEqual(root, want);
        assert.deepEqual(
          await rootFromInclusionProof(BigInt(i), BigInt(n), await leafHash(leaves[i]), proof),
          want,
        );
      }
    }
  });
  it("hashes with a given synchronous SHA-256 (the runtime's digestSync) to the same roots", async () => {
    let calls = 0;
    const sync = (b: Uint8Array) => {
      calls++;
      return h(b);
    };
    for (let n = 1; n <= 9; n++) {
      const leaves = Array.from({ length: n }, (_, i) => new TextEncoder().encode(`sync ${i}`));
      const want = mth(leaves);
      for (let i = 0; i < n; i++) {
        const { proof } = await buildTree(leaves, i);
        const before = calls;
        const root = await rootFromInclusionProof(
          BigInt(i),
          BigInt(n),
          await leafHash(leaves[i], sync),
          proof,
          sync,
        );
        assert.deepEqual(root, want);
        assert.equal(calls - before, proof.length + 1); // the leaf and every node, all through it
      }
    }
  });
  it("rejects indexes outside the tree and proofs of the wrong length", async () => {
    const leaves = [1, 2, 3, 4, 5].map((i) => new Uint8Array([i]));
    const { proof } = await buildTree(leaves, 2);
    const lh = await leafHash(leaves[2]);
    assert.equal(await rootFromInclusionProof(5n, 5n, lh, proof), null);
    assert.equal(await rootFromInclusionProof(-1n, 5n, lh, proof), null);
    assert.equal(await rootFromInclusionProof(2n, 5n, lh, [...proof, proof[0]]), null);
    assert.equal(await rootFromInclusionProof(2n, 5n, lh, proof.slice(1)), null);
    assert.equal(
      await rootFromInclusionProof(2n, 5n, lh, [new Uint8Array(31), ...proof.slice(1)]),
      null,
    );
  });
});
