import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { formatBytes, progressFactory } from "./progress.ts";
import { withProgress } from "../core/progress_stream.ts";

function host(isTerminal: boolean, env: Record<string, string> = {}) {
  const out: string[] = [];
  let t = 0;
  return {
    out,
    tick: (ms: number) => (t += ms),
    host: {
      isTerminal,
      env: (n: string) => env[n],
      write: (s: string) => out.push(s),
      now: () => t,
    },
  };
}

describe("cli/progress", () => {
  it("is off on a pipe and in CI", () => {
    assert.equal(progressFactory(host(false).host), undefined);
    assert.equal(progressFactory(host(true, { CI: "true" }).host), undefined);
    assert.equal(progressFactory(host(true, { CI: "1" }).host), undefined);
    assert.notEqual(progressFactory(host(true, { CI: "false" }).host), undefined);
    assert.notEqual(progressFactory(host(true).host), undefined);
  });

  it("draws one line, at most every 100 ms, and ends it", () => {
    const h = host(true);
    const p = progressFactory(h.host)!("Downloading x", 4 * 1024 * 1024);
    p.advance(1024 * 1024);
    p.advance(1024 * 1024); // within 100 ms: not drawn
    h.tick(150);
    p.advance(1024 * 1024);
    p.done();
    p.done();
    p.advance(1); // after done: nothing
    assert.deepEqual(h.out, [
      "\rDownloading x  1.0 MiB / 4.0 MiB  25%",
      "\rDownloading x  3.0 MiB / 4.0 MiB  75%",
      "\rDownloading x  3.0 MiB / 4.0 MiB  75%",
      "\n",
    ]);
  });

  it("formats sizes", () => {
    assert.equal(formatBytes(512), "512 B");
    assert.equal(formatBytes(1536), "1.5 KiB");
    assert.equal(formatBytes(5 * 1024 ** 3), "5.0 GiB");
  });

  it("withProgress counts a stream's bytes and ends with it", async () => {
    const h = host(true);
    const p = progressFactory(h.host)!("Uploading f");
    const src = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new Uint8Array(3000));
        c.enqueue(new Uint8Array(72));
        c.close();
      },
    });
    let n = 0;
    for await (const chunk of withProgress(src, p)) n += chunk.length;
    assert.equal(n, 3072);
    assert.deepEqual(h.out.slice(-2), ["\rUploading f  3.0 KiB", "\n"]);
  });
});
