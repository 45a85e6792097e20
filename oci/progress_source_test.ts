import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Progress } from "../core/plugin.ts";
import { progressSource } from "./progress_source.ts";
import type { ImageSource } from "./transfer.ts";

function bytesStream(n: number): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      c.enqueue(new Uint8Array(n));
      c.close();
    },
  });
}

describe("oci/progress_source", () => {
  it("counts every blob into one progress and leaves ending it to the caller", async () => {
    const seen: number[] = [];
    let ended = 0;
    const progress: Progress = { advance: (n) => seen.push(n), done: () => ended++ };
    const repository = { registry: "127.0.0.1:5000", repository: "app" };
    const source = {
      name: "test",
      repository,
      manifest: () => Promise.resolve(undefined),
      blob: (d: { size: number }) => Promise.resolve(bytesStream(d.size)),
    } as unknown as ImageSource;
    const tracked = progressSource(source, progress);
    assert.equal(tracked.repository, repository, "kept, so a sink can still mount");
    for (const size of [1000, 2500]) {
      const s = await tracked.blob({ digest: "sha256:x", size, mediaType: "" } as never);
      for await (const _ of s) { /* drain */ }
    }
    assert.deepEqual(seen, [1000, 2500]);
    assert.equal(ended, 0);
    assert.equal(progressSource(source, undefined), source);
  });
});
