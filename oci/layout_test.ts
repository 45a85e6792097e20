import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdir, readFile, symlink, truncate, writeFile } from "node:fs/promises";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { OciLayout } from "./layout.ts";
import { isCosignError } from "../core/errors.ts";
import { tempDir } from "../tests/helpers/cli.ts";

const enc = new TextEncoder();
// Independent digest: node:crypto directly, not the module under test.
const sha = (b: Uint8Array) => "sha256:" + createHash("sha256").update(b).digest("hex");

function streamOf(...parts: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const p of parts) c.enqueue(p);
      c.close();
    },
  });
}

describe("OciLayout", () => {
  it("writes oci-layout, index.json and content-addressed blobs that read back", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const l = await OciLayout.create(join(dir, "out"));
      const body = enc.encode('{"schemaVersion":2}');
      const d = await l.writeBlob(body);
      assert.equal(d.digest, sha(body));
      assert.equal(d.size, body.length);
      await l.appendDescriptor({
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        ...d,
        annotations: { kind: "dev.cosignproject.cosign/image" },
      });
      assert.deepEqual(JSON.parse(await readFile(join(dir, "out", "oci-layout"), "utf8")), {
        imageLayoutVersion: "1.0.0",
      });
      const hex = d.digest.slice(7);
      assert.deepEqual(
        new Uint8Array(await readFile(join(dir, "out", "blobs", "sha256", hex))),
        body,
      );
      const again = await OciLayout.open(join(dir, "out"));
      const idx = await again.index();
      assert.equal(idx.manifests.length, 1);
      assert.equal(idx.manifests[0].annotations?.kind, "dev.cosignproject.cosign/image");
      assert.deepEqual(await again.readBlob(idx.manifests[0]), body);
      await again.verifyBlob(idx.manifests[0]);
    } finally {
      await cleanup();
    }
  });

  it("streams a blob in and refuses one whose content does not match, leaving nothing", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const l = await OciLayout.create(dir);
      const a = enc.encode("hello "), b = enc.encode("world");
      const whole = enc.encode("hello world");
      await l.writeBlobStream(streamOf(a, b), { digest: sha(whole), size: whole.length });
      assert.ok(await l.hasBlob(sha(whole), whole.length));
      const wrong = sha(enc.encode("other"));
      await assert.rejects(
        l.writeBlobStream(streamOf(a, b), { digest: wrong, size: whole.length }),
        (e) => isCosignError(e, "VERIFY"),
      );
      await assert.rejects(
        l.writeBlobStream(streamOf(a, b), { digest: wrong, size: 3 }),
        (e) => isCosignError(e, "VERIFY"),
      );
      const files = await readdir(join(dir, "blobs", "sha256"));
      assert.deepEqual(files, [sha(whole).slice(7)]);
    } finally {
      await cleanup();
    }
  });

  it("detects a tampered or missing blob on read", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const l = await OciLayout.create(dir);
      const d = await l.writeBlob(enc.encode("original"));
      await writeFile(l.blobPath(d.digest), "tampered");
      await assert.rejects(l.readBlob(d), (e) => isCosignError(e, "VERIFY"));
      await assert.rejects(l.verifyBlob(d), (e) => isCosignError(e, "VERIFY"));
      const missing = { digest: sha(enc.encode("nope")), size: 4 };
      await assert.rejects(l.readBlob(missing), (e) => isCosignError(e, "NOT_FOUND"));
      await assert.rejects(l.verifyBlob(missing), (e) => isCosignError(e, "NOT_FOUND"));
    } finally {
      await cleanup();
    }
  });

  it("rejects what is not an OCI layout with clear errors", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await assert.rejects(
        OciLayout.open(join(dir, "absent")),
        (e) => isCosignError(e, "NOT_FOUND"),
      );
      await writeFile(join(dir, "oci-layout"), '{"imageLayoutVersion":"9.9"}');
      await assert.rejects(OciLayout.open(dir), (e) => isCosignError(e, "INVALID_INPUT"));
      await writeFile(join(dir, "oci-layout"), "not json");
      await assert.rejects(OciLayout.open(dir), (e) => isCosignError(e, "INVALID_INPUT"));
      await writeFile(join(dir, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
      const l = await OciLayout.open(dir);
      await assert.rejects(l.index(), (e) => isCosignError(e, "NOT_FOUND"));
      await writeFile(join(dir, "index.json"), '{"schemaVersion":2,"manifests":[{"digest":"x"}]}');
      await assert.rejects(l.index(), (e) => isCosignError(e, "INVALID_INPUT"));
      await writeFile(
        join(dir, "index.json"),
        `{"schemaVersion":2,"manifests":[{"mediaType":"m","size":-1,"digest":"sha256:${
          "a".repeat(64)
        }"}]}`,
      );
      await assert.rejects(l.index(), (e) => isCosignError(e, "INVALID_INPUT"));
      assert.throws(() => l.blobPath("sha256:../../etc/passwd"), (e) => isCosignError(e));
    } finally {
      await cleanup();
    }
  });

  it("fails with an IO error when the directory cannot be created", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await writeFile(join(dir, "file"), "x");
      await assert.rejects(
        OciLayout.create(join(dir, "file", "sub")),
        (e) => isCosignError(e, "IO") && /not a directory|file/.test(e.message),
      );
    } finally {
      await cleanup();
    }
  });
});

describe("OciLayout: hostile files (load must not hang)", () => {
  const bounded = (p: Promise<unknown>): Promise<unknown> =>
    Promise.race([
      p,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error("still reading after 5 s")), 5000)
      ),
    ]);
  const body = enc.encode('{"schemaVersion":2,"layers":[]}');
  const digest = sha(body);

  async function layoutWith(
    make: (path: string) => Promise<void>,
  ): Promise<{ l: OciLayout; cleanup: () => Promise<void> }> {
    const { dir, cleanup } = await tempDir();
    const l = await OciLayout.create(join(dir, "out"));
    await make(join(dir, "out", "blobs", "sha256", digest.slice(7)));
    return { l, cleanup };
  }

  it("a FIFO in place of a blob is refused, not opened", async () => {
    const { l, cleanup } = await layoutWith((p) => {
      const r = spawnSync("mkfifo", [p]);
      assert.equal(r.status, 0, "mkfifo");
      return Promise.resolve();
    });
    try {
      for (const read of [() => l.readBlob({ digest }), () => l.verifyBlob({ digest, size: 10 })]) {
        await assert.rejects(bounded(read()), (e: unknown) => {
          assert.ok(isCosignError(e, "INVALID_INPUT"), String(e));
          assert.match((e as Error).message, /a FIFO, not a regular file/);
          return true;
        });
      }
    } finally {
      await cleanup();
    }
  });

  it("a link to /dev/zero is refused (links are not followed)", async () => {
    const { l, cleanup } = await layoutWith((p) => symlink("/dev/zero", p));
    try {
      await assert.rejects(
        bounded(l.verifyBlob({ digest, size: body.length })),
        (e: unknown) => {
          assert.ok(isCosignError(e, "INVALID_INPUT"), String(e));
          assert.match((e as Error).message, /symbolic link, not a regular file/);
          return true;
        },
      );
    } finally {
      await cleanup();
    }
  });

  it("a sparse file larger than its descriptor is refused before reading", async () => {
    const { l, cleanup } = await layoutWith(async (p) => {
      await writeFile(p, body);
      await truncate(p, 64 * 1024 * 1024 * 1024); // 64 GiB, sparse
    });
    try {
      const t0 = Date.now();
      await assert.rejects(
        bounded(l.verifyBlob({ digest, size: body.length })),
        (e: unknown) => {
          assert.ok(isCosignError(e, "VERIFY"), String(e));
          assert.match((e as Error).message, /has 68719476736 bytes, its descriptor says 31/);
          return true;
        },
      );
      assert.ok(Date.now() - t0 < 1000);
    } finally {
      await cleanup();
    }
  });

  it("an existing blob of the right size but the wrong content is rewritten, not kept", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const l = await OciLayout.create(join(dir, "out"));
      const path = join(dir, "out", "blobs", "sha256", digest.slice(7));
      const forged = new Uint8Array(body);
      forged[5] ^= 1;
      await writeFile(path, forged); // same size, wrong digest
      assert.equal(await l.hasBlob(digest, body.length), false);
      await l.writeBlobStream(streamOf(body), { digest, size: body.length });
      assert.deepEqual(new Uint8Array(await readFile(path)), body);
      await writeFile(path, forged);
      await l.writeBlob(body);
      assert.deepEqual(new Uint8Array(await readFile(path)), body);
    } finally {
      await cleanup();
    }
  });
});
