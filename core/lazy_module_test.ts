import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { lazyModule } from "./lazy_module.ts";

describe("lazyModule", () => {
  it("loads once and hands every caller the same module", async () => {
    let loads = 0;
    const lib = lazyModule(() => {
      loads++;
      return import("./encoding.ts");
    });
    const [a, b] = await Promise.all([lib(), lib()]);
    const c = await lib();
    assert.equal(loads, 1);
    assert.equal(a, b);
    assert.equal(a, c);
    assert.equal(a.toHex(new Uint8Array([1, 255])), "01ff");
  });
  it("does not remember a failed load", async () => {
    let loads = 0;
    const lib = lazyModule(() => {
      loads++;
      return loads === 1 ? Promise.reject(new Error("offline")) : import("./encoding.ts");
    });
    await assert.rejects(lib(), /offline/);
    assert.equal(typeof (await lib()).toHex, "function");
    assert.equal(loads, 2);
  });
});
