import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mapLimit } from "./map_limit.ts";

function tracked() {
  let running = 0;
  let peak = 0;
  const fn = async (x: number, i: number) => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, (7 * x) % 5));
    running--;
    return `${x}@${i}`;
  };
  return { fn, peak: () => peak };
}

describe("mapLimit", () => {
  const items = Array.from({ length: 23 }, (_, i) => i * 3);
  for (const limit of [1, 4, 100]) {
    it(`keeps order and runs at most ${limit} at once`, async () => {
      const t = tracked();
      const out = await mapLimit(items, limit, t.fn);
      assert.deepEqual(out, items.map((x, i) => `${x}@${i}`));
      assert.equal(t.peak(), Math.min(limit, items.length));
    });
  }
  it("a limit below 1, zero or a fraction still runs (one at a time, rounded down)", async () => {
    for (const [limit, peak] of [[0, 1], [-3, 1], [0.5, 1], [2.9, 2]]) {
      const t = tracked();
      await mapLimit(items, limit, t.fn);
      assert.equal(t.peak(), peak, `limit ${limit}`);
    }
    assert.deepEqual(await mapLimit([], 4, () => Promise.resolve(1)), []);
  });
  it("rejects with the first failure", async () => {
    await assert.rejects(
      mapLimit(items, 3, (x) => x === 9 ? Promise.reject(new Error("nine")) : Promise.resolve(x)),
      /nine/,
    );
  });
});
