import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  abortPromise,
  DeadlineError,
  formatDuration,
  startDeadline,
  streamWithinDeadline,
} from "./deadline.ts";

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("deadlines", () => {
  it("formats durations as Go does for cosign's --timeout", () => {
    assert.equal(formatDuration(300), "300ms");
    assert.equal(formatDuration(1000), "1s");
    assert.equal(formatDuration(1500), "1.5s");
    assert.equal(formatDuration(90_000), "1m30s");
    assert.equal(formatDuration(180_000), "3m0s");
    assert.equal(formatDuration(5_400_000), "1h30m0s");
    assert.equal(formatDuration(3_600_000), "1h0m0s");
    // Below the millisecond, as Go's time.Duration.String() (was rounded: "2ms", "1s", "0ms").
    assert.equal(formatDuration(1.5), "1.5ms");
    assert.equal(formatDuration(1000.4), "1.0004s");
    assert.equal(formatDuration(0.0001), "100ns");
  });

  it("aborts at the deadline with a DeadlineError naming the limit and what ran", async () => {
    const d = startDeadline(50, undefined, "get manifest x");
    const t0 = Date.now();
    await assert.rejects(abortPromise(d.signal), (e: unknown) => {
      assert.ok(e instanceof DeadlineError);
      assert.equal(e.ms, 50);
      assert.equal(e.what, "get manifest x");
      assert.equal(e.message, "timed out: get manifest x did not complete within 50ms");
      return true;
    });
    assert.ok(Date.now() - t0 >= 45);
    d.dispose();
  });

  it("follows the outer signal with its reason, and stops when disposed", async () => {
    const outer = new AbortController();
    const d = startDeadline(10_000, outer.signal);
    outer.abort(new Error("cancelled"));
    assert.equal((d.signal.reason as Error).message, "cancelled");
    d.dispose();

    const quiet = startDeadline(30);
    quiet.dispose();
    await wait(60);
    assert.equal(quiet.signal.aborted, false);
    const none = startDeadline(0);
    await wait(10);
    assert.equal(none.signal.aborted, false);
    none.dispose();
  });

  it("streamWithinDeadline ends a stream that never ends, with the mapped error", async () => {
    let timer: ReturnType<typeof setInterval> | undefined;
    const endless = new ReadableStream<Uint8Array>({
      start(c) {
        timer = setInterval(() => c.enqueue(new Uint8Array([1])), 10);
      },
      cancel() {
        clearInterval(timer);
      },
    });
    const d = startDeadline(100, undefined, "the download");
    const s = streamWithinDeadline(endless, d, (e) => new Error(`mapped: ${(e as Error).message}`));
    let n = 0;
    await assert.rejects(
      (async () => {
        for await (const chunk of s) n += chunk.length;
      })(),
      /mapped: timed out: the download did not complete within 100ms/,
    );
    assert.ok(n > 0);
    clearInterval(timer);
  });

  it("streamWithinDeadline passes a finished stream through and disposes the deadline", async () => {
    const d = startDeadline(50);
    const s = streamWithinDeadline(new Blob(["abc"]).stream(), d, (e) => e);
    assert.equal(await new Response(s).text(), "abc");
    await wait(80);
    assert.equal(d.signal.aborted, false);
  });
});
