import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createHasher, hashHex, installNativeHasher } from "./native_hash.ts";
import { bunHasher } from "../runtime/bun.ts";

const ALGS = ["sha256", "sha384", "sha512"] as const;
// FIPS 180-2 "abc" vectors (independent of any implementation here).
const ABC: Record<(typeof ALGS)[number], string> = {
  sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  sha384:
    "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
  sha512:
    "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
};
const enc = new TextEncoder();

function check(label: string): void {
  for (const alg of ALGS) {
    assert.equal(hashHex(alg, enc.encode("abc")), ABC[alg], `${label} one-shot ${alg}`);
    const h = createHasher(alg);
    h.update(enc.encode("a"));
    h.update(enc.encode("bc"));
    assert.equal(h.digestHex(), ABC[alg], `${label} incremental ${alg}`);
    const g = createHasher(alg);
    g.update(enc.encode("abc"));
    const d = g.digest();
    assert.equal(Object.getPrototypeOf(d), Uint8Array.prototype, `${label}: a plain Uint8Array`);
    assert.equal(Buffer.from(d).toString("hex"), ABC[alg]);
  }
  // Across sizes and split points, equal to node:crypto's answer.
  const data = new Uint8Array(300_001).map((_, i) => (i * 31 + 7) & 0xff);
  for (const alg of ALGS) {
    const want = createHash(alg).update(data).digest("hex");
    assert.equal(hashHex(alg, data), want);
    const h = createHasher(alg);
    h.update(data.subarray(0, 65_537));
    h.update(data.subarray(65_537));
    assert.equal(h.digestHex(), want);
  }
}

describe("native_hash", () => {
  it("node:crypto fallback gives the FIPS 180-2 vectors, one-shot and incremental", () => {
    installNativeHasher(undefined);
    check("node:crypto");
  });

  it("Bun's hasher (installed by the CLI) gives the same digests", { skip: !bunHasher }, () => {
    installNativeHasher(bunHasher);
    try {
      check("Bun.CryptoHasher");
    } finally {
      installNativeHasher(undefined);
    }
  });

  it("an installed hasher is the one used", () => {
    const calls: string[] = [];
    installNativeHasher({
      create: (alg) => {
        calls.push(`create ${alg}`);
        return { update() {}, digest: () => new Uint8Array(1), digestHex: () => "ff" };
      },
      hex: (alg) => {
        calls.push(`hex ${alg}`);
        return "ee";
      },
    });
    try {
      assert.equal(hashHex("sha384", new Uint8Array()), "ee");
      assert.equal(createHasher("sha512").digestHex(), "ff");
      assert.deepEqual(calls, ["hex sha384", "create sha512"]);
    } finally {
      installNativeHasher(undefined);
    }
  });
});
