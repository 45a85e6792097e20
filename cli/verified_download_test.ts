import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createHash, randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { stageVerified } from "./verified_download.ts";
import { isCosignError } from "../core/errors.ts";
import { tempDir } from "../tests/helpers/cli.ts";

const sha = (b: Uint8Array) => "sha256:" + createHash("sha256").update(b).digest("hex");

function chunked(data: Uint8Array, n = 65536): ReadableStream<Uint8Array> {
  let o = 0;
  return new ReadableStream({
    pull(c) {
      if (o >= data.length) return c.close();
      c.enqueue(data.slice(o, o + n));
      o += n;
    },
  });
}

async function collect(staged: { writeTo(w: (c: Uint8Array) => Promise<void>): Promise<void> }) {
  const parts: Uint8Array[] = [];
  await staged.writeTo((c) => Promise.resolve(void parts.push(c)));
  return new Uint8Array(Buffer.concat(parts));
}

describe("stageVerified", () => {
  for (
    const [label, size, limit] of [["in memory", 1000, undefined], [
      "in a temporary file",
      300_000,
      1024,
    ]] as const
  ) {
    it(`releases matching content ${label}`, async () => {
      const data = new Uint8Array(randomBytes(size));
      const s = await stageVerified(chunked(data, 4096), { digest: sha(data), size }, {
        memoryLimit: limit,
      });
      try {
        assert.deepEqual(await collect(s), data);
      } finally {
        await s.discard();
      }
    });
    it(`refuses tampered content ${label}`, async () => {
      const data = new Uint8Array(randomBytes(size));
      const good = sha(data);
      data[size - 1] ^= 1;
      await assert.rejects(
        stageVerified(chunked(data), { digest: good, size }, { memoryLimit: limit }),
        (e) => isCosignError(e, "VERIFY"),
      );
      await assert.rejects(
        stageVerified(chunked(data), { digest: good, size: size - 10 }, { memoryLimit: limit }),
        (e) => isCosignError(e, "VERIFY") && /larger/.test(e.message),
      );
    });
  }

  it("commits atomically into the target directory and leaves nothing on failure", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const data = new Uint8Array(randomBytes(200_000));
      const s = await stageVerified(chunked(data), { digest: sha(data), size: data.length }, {
        dir,
      });
      await s.commitTo(join(dir, "out.bin"));
      await s.discard();
      assert.deepEqual(new Uint8Array(await readFile(join(dir, "out.bin"))), data);
      await assert.rejects(
        stageVerified(chunked(data), { digest: sha(new Uint8Array(1)), size: data.length }, {
          dir,
        }),
        (e) => isCosignError(e, "VERIFY"),
      );
      assert.deepEqual(await readdir(dir), ["out.bin"]);
    } finally {
      await cleanup();
    }
  });
});
