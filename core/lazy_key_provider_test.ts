import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { lazyKeyProvider } from "./lazy_key_provider.ts";
import type { Context, KeyProvider, Signer } from "./plugin.ts";

describe("lazyKeyProvider", () => {
  it("loads the implementation once, on first use, and delegates with the arguments", async () => {
    let loads = 0;
    const calls: unknown[][] = [];
    const impl: KeyProvider = {
      scheme: "x",
      description: "impl",
      signer: (
        ...a
      ) => (calls.push(["signer", ...a]), Promise.resolve({ algorithm: "s" } as Signer)),
      verifier: (
        ...a
      ) => (calls.push(["verifier", ...a]), Promise.resolve({ algorithm: "v" } as never)),
      generate: (...a) => (calls.push(["generate", ...a]), Promise.resolve({ pem: "p" } as never)),
    };
    const p = lazyKeyProvider({ scheme: "x", description: "light", urlSchemes: ["env"] }, () => {
      loads++;
      return Promise.resolve(impl);
    });
    assert.equal(loads, 0);
    assert.deepEqual([p.scheme, p.description, p.urlSchemes], ["x", "light", ["env"]]);
    const ctx = {} as Context;
    assert.equal((await p.signer("x://a", ctx, { rsaPss: true })).algorithm, "s");
    assert.equal((await p.verifier!("x://b", ctx)).algorithm, "v");
    assert.equal((await p.generate!("x://c", ctx, { force: true })).pem, "p");
    assert.equal(loads, 1);
    assert.deepEqual(calls.map((c) => [c[0], c[1], c[3]]), [
      ["signer", "x://a", { rsaPss: true }],
      ["verifier", "x://b", undefined],
      ["generate", "x://c", { force: true }],
    ]);
  });

  it("offers verifier and generate only when the entry says the implementation has them", () => {
    const p = lazyKeyProvider(
      { scheme: "y", description: "d", verifier: false, generate: false },
      () => Promise.reject(new Error("not loaded")),
    );
    assert.equal(p.verifier, undefined);
    assert.equal(p.generate, undefined);
    assert.equal("urlSchemes" in p, false);
  });
});
