import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isCosignError } from "./errors.ts";
import { readAll, readUpTo } from "./read_all.ts";

function chunks(...parts: number[]): ReadableStream<Uint8Array> {
  let cancelled = false;
  const s = new ReadableStream<Uint8Array>({
    pull(c) {
      const n = parts.shift();
      if (n === undefined) c.close();
      else c.enqueue(new Uint8Array(n).fill(n));
    },
    cancel() {
      cancelled = true;
    },
  });
  Object.defineProperty(s, "cancelled", { get: () => cancelled });
  return s;
}

describe("readAll / readUpTo", () => {
  it("joins the chunks of a stream within the limit", async () => {
    assert.deepEqual(await readAll(chunks(1, 2), 3, "x"), new Uint8Array([1, 2, 2]));
    assert.deepEqual(await readUpTo(chunks(1, 2), 3), new Uint8Array([1, 2, 2]));
  });
  it("over the limit: readAll is TOO_LARGE naming the input, readUpTo undefined; both cancel", async () => {
    const a = chunks(2, 2);
    await assert.rejects(
      readAll(a, 3, '"big.bin"'),
      (e) => isCosignError(e, "TOO_LARGE") && /"big.bin".*3 bytes/.test(e.message),
    );
    assert.equal((a as unknown as { cancelled: boolean }).cancelled, true);
    const b = chunks(2, 2);
    assert.equal(await readUpTo(b, 3), undefined);
    assert.equal((b as unknown as { cancelled: boolean }).cancelled, true);
  });
  it("over the limit with an error maker: its error, and the stream is cancelled", async () => {
    const a = chunks(2, 2);
    const mine = new Error("mine");
    await assert.rejects(readAll(a, 3, () => mine), (e) => e === mine);
    assert.equal((a as unknown as { cancelled: boolean }).cancelled, true);
    assert.deepEqual(await readAll(chunks(1, 2), 3, () => mine), new Uint8Array([1, 2, 2]));
  });
  it("passes stream errors through", async () => {
    const bad = new ReadableStream<Uint8Array>({
      pull(c) {
        c.error(new Error("disk gone"));
      },
    });
    await assert.rejects(readUpTo(bad, 10), /disk gone/);
  });
});
