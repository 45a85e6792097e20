import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { tokenCache } from "./token_cache.ts";

describe("tokenCache", () => {
  it("fetches once per key, shares the promise, and forgets a failed fetch", async () => {
    const cached = tokenCache<string>();
    let calls = 0;
    const get = (value: string) => () => {
      calls++;
      return Promise.resolve(value);
    };
    const [a, b] = await Promise.all([cached("k", get("one")), cached("k", get("two"))]);
    assert.deepEqual([a, b, calls], ["one", "one", 1]);
    assert.equal(await cached("other", get("three")), "three");
    assert.equal(calls, 2);
    await assert.rejects(cached("bad", () => Promise.reject(new Error("refused"))), /refused/);
    assert.equal(await cached("bad", get("retried")), "retried");
    assert.equal(calls, 3);
  });
});
