import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  attemptBackoff,
  confirmTagWrite,
  MAX_CONFIRMS,
  MIN_SETTLE_MS,
  settleWaits,
  type TagState,
} from "./tag_write_timing.ts";

/** A read that answers the given states in turn (the last one repeated). */
function reads(states: TagState[]): { read: () => Promise<TagState>; count: () => number } {
  let n = 0;
  return {
    read: () => Promise.resolve(states[Math.min(n++, states.length - 1)]),
    count: () => n,
  };
}

const base = { cycleMs: 1, windowMs: 1, settleMs: 1 };

describe("tag write timing", () => {
  it("a lone writer waits at least MIN_SETTLE_MS once, jittered below twice that", () => {
    for (let i = 0; i < 50; i++) {
      const w = settleWaits(false, 5, 2);
      assert.equal(w.length, 1);
      assert.ok(w[0] >= MIN_SETTLE_MS && w[0] < 2 * MIN_SETTLE_MS, String(w[0]));
    }
    assert.ok(settleWaits(false, 5, 80)[0] >= 160, "twice a long check-and-PUT");
    assert.equal(settleWaits(true, 100, 2).length, 2);
    assert.ok(attemptBackoff(1) > 0 && attemptBackoff(30) <= 1500);
  });

  it("a lone writer confirms with one read when the tag still holds its write", async () => {
    const r = reads([{ digest: "sha256:a", held: true }]);
    const c = await confirmTagWrite({ ...base, contended: false, written: "sha256:a", ...r });
    assert.deepEqual({ held: c.held, contended: c.contended, digest: c.digest }, {
      held: true,
      contended: false,
      digest: "sha256:a",
    });
    assert.equal(r.count(), 1);
  });

  it("a tag rewritten on top of ours makes contention evident: confirm again, later", async () => {
    const r = reads([
      { digest: "sha256:b", held: true }, // someone merged on top of our write
      { digest: "sha256:b", held: true },
    ]);
    const c = await confirmTagWrite({ ...base, contended: false, written: "sha256:a", ...r });
    assert.equal(c.held, true);
    assert.equal(c.contended, true);
    assert.equal(r.count(), 2);
  });

  it("a late overwrite after a rewrite is caught by the extra read", async () => {
    const r = reads([{ digest: "sha256:b", held: true }, { digest: "sha256:c", held: false }]);
    const c = await confirmTagWrite({ ...base, contended: false, written: "sha256:a", ...r });
    assert.equal(c.held, false);
    assert.equal(c.contended, true);
  });

  it("writers that keep rewriting the tag get at most MAX_CONFIRMS reads", async () => {
    let n = 0;
    const c = await confirmTagWrite({
      ...base,
      contended: false,
      written: "sha256:0",
      read: () => Promise.resolve({ digest: `sha256:${++n}`, held: true }),
    });
    assert.equal(c.held, true);
    assert.equal(n, MAX_CONFIRMS);
  });

  it("evident contention from the start confirms twice", async () => {
    const r = reads([{ digest: "sha256:a", held: true }]);
    const c = await confirmTagWrite({ ...base, contended: true, written: "sha256:a", ...r });
    assert.equal(c.held, true);
    assert.equal(r.count(), 2);
  });
});
