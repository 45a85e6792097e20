import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isCosignError } from "../../core/errors.ts";
import type { Context } from "../../core/plugin.ts";
import { blobArtifactType, isDigestRef } from "./blob_artifact.ts";
import { openFileStream, READ_CHUNK_BYTES, readAll } from "./stream_digest.ts";

let dir: string;
const files: Record<string, string> = {};

// Only `runtime.stdin` is used by the blob plugin.
function ctxWithStdin(bytes: Uint8Array): Context {
  return {
    runtime: {
      stdin: () =>
        new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(bytes.subarray(0, 3));
            c.enqueue(bytes.subarray(3));
            c.close();
          },
        }),
    },
  } as unknown as Context;
}
const noCtx = ctxWithStdin(new Uint8Array());

/** The digest coreutils computes: an independent implementation. */
function coreutils(alg: "sha256" | "sha384" | "sha512", path: string): string {
  return execFileSync(`${alg}sum`, [path], { encoding: "utf8" }).split(" ")[0];
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), "blob-artifact-"));
  const big = new Uint8Array(READ_CHUNK_BYTES * 2 + 12345);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >>> 11)) & 0xff;
  for (
    const [name, data] of Object.entries({
      empty: new Uint8Array(),
      small: new TextEncoder().encode("hello\n"),
      big,
    })
  ) {
    files[name] = join(dir, name);
    writeFileSync(files[name], data);
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe("blob artifact", () => {
  it("digests files as sha256sum/sha384sum/sha512sum do (empty, small, across chunk boundaries)", async () => {
    for (const path of Object.values(files)) {
      const a = await blobArtifactType.resolve(path, noCtx);
      for (const alg of ["sha256", "sha384", "sha512"] as const) {
        assert.deepEqual(await a.digest(alg), { algorithm: alg, hex: coreutils(alg, path) });
      }
      assert.equal((await a.digest()).algorithm, "sha256");
    }
  });

  it("digests a FIFO (short reads) as the file written into it", async () => {
    // A pipe answers reads of at most its buffer (64 KiB), so the reads come back short.
    const medium = join(dir, "medium");
    writeFileSync(medium, readFileSync(files.big).subarray(0, 300_000));
    for (const path of [medium, files.big]) {
      const fifo = join(dir, "fifo");
      rmSync(fifo, { force: true });
      execFileSync("mkfifo", [fifo]);
      const writer = spawn("sh", ["-c", 'cat "$1" > "$2"', "sh", path, fifo]);
      const exited = new Promise((resolve) => writer.on("exit", resolve));
      const a = await blobArtifactType.resolve(fifo, noCtx);
      assert.deepEqual(await a.digest(), { algorithm: "sha256", hex: coreutils("sha256", path) });
      assert.equal(await exited, 0);
    }
  });

  it("streams a file back unchanged, and readAll enforces its limit", async () => {
    const a = await blobArtifactType.resolve(files.big, noCtx);
    const bytes = await readAll(await a.open!(), 1 << 30, "big");
    assert.equal(bytes.length, READ_CHUNK_BYTES * 2 + 12345);
    assert.equal(bytes[100000], (100000 * 7 + (100000 >>> 11)) & 0xff);
    await assert.rejects(
      readAll(await openFileStream(files.big), 1000, "big"),
      (e) => isCosignError(e, "TOO_LARGE"),
    );
  });

  it("reads standard input once", async () => {
    const data = new TextEncoder().encode("hello\n");
    const a = await blobArtifactType.resolve("-", ctxWithStdin(data));
    assert.equal((await a.digest()).hex, coreutils("sha256", files.small));
    assert.equal((await a.digest()).hex, coreutils("sha256", files.small)); // cached
    await assert.rejects(a.digest("sha512"), (e) => isCosignError(e, "UNSUPPORTED"));
    await assert.rejects(a.open!(), (e) => isCosignError(e, "UNSUPPORTED"));
    const b = await blobArtifactType.resolve("-", ctxWithStdin(data));
    assert.deepEqual(await readAll(await b.open!(), 100, "stdin"), data);
  });

  it("accepts sha256:<hex> as the digest itself", async () => {
    const hex = coreutils("sha256", files.small);
    assert.ok(isDigestRef(`sha256:${hex}`));
    assert.ok(!isDigestRef(`sha256:${hex.slice(2)}`));
    assert.ok(!isDigestRef(`md5:${hex}`));
    const a = await blobArtifactType.resolve(`sha256:${hex.toUpperCase()}`, noCtx);
    assert.deepEqual(await a.digest(), { algorithm: "sha256", hex });
    assert.equal(a.open, undefined);
    await assert.rejects(a.digest("sha384"), (e) => isCosignError(e, "UNSUPPORTED"));
  });

  it("claims -, digests, explicit paths and existing files only", () => {
    assert.ok(blobArtifactType.claims("-"));
    assert.ok(blobArtifactType.claims("./anything"));
    assert.ok(blobArtifactType.claims("/abs/path"));
    assert.ok(blobArtifactType.claims(files.small));
    assert.ok(!blobArtifactType.claims("registry.example/repo:tag"));
  });

  it("missing file → NOT_FOUND, directory → IO, empty ref → USAGE", async () => {
    const missing = await blobArtifactType.resolve(join(dir, "nope"), noCtx);
    await assert.rejects(
      missing.digest(),
      (e) => isCosignError(e, "NOT_FOUND") && /nope/.test(e.message),
    );
    const d = await blobArtifactType.resolve(dir, noCtx);
    await assert.rejects(d.digest(), (e) => isCosignError(e, "IO") && /directory/.test(e.message));
    await assert.rejects(blobArtifactType.resolve("", noCtx), (e) => isCosignError(e, "USAGE"));
  });
});

describe("the blob's signature store (bundle files beside it)", () => {
  it("attaches legacy and Sigstore bundles atomically and lists them back", async () => {
    const path = join(dir, "stored.txt");
    writeFileSync(path, "content");
    const blob = await blobArtifactType.resolve(path, noCtx);
    const none = [];
    for await (const s of blob.signatures!(noCtx)) none.push(s);
    assert.deepEqual(none, []);
    const signature = new Uint8Array([1, 2, 3]);
    const legacy = await blob.attach!(
      { kind: "signature", location: path, legacy: { signature } },
      noCtx,
    );
    assert.deepEqual(legacy, { location: `${path}.bundle`, added: true });
    assert.equal(readFileSync(`${path}.bundle`, "utf8"), '{"base64Signature":"AQID"}');
    const bundle = {
      mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
      verificationMaterial: { publicKey: { hint: "x" }, tlogEntries: [] },
      messageSignature: {
        messageDigest: { algorithm: "SHA2_256", digest: btoa("\0".repeat(32)) },
        signature: "AQID",
      },
    };
    await blob.attach!({ kind: "signature", location: path, bundle }, noCtx);
    const listed = [];
    for await (const s of blob.signatures!(noCtx)) listed.push(s);
    assert.equal(listed.length, 2);
    assert.deepEqual(listed[0].bundle, bundle);
    assert.equal(listed[0].location, `${path}.sigstore.json`);
    assert.deepEqual(listed[1].legacy?.signature, signature);
    // A damaged file is listed with its problem, not silently skipped.
    writeFileSync(`${path}.bundle`, "{");
    const damaged = [];
    for await (const s of blob.signatures!(noCtx)) damaged.push(s);
    assert.match(damaged[1].problem ?? "", /not JSON/);
    await assert.rejects(
      blob.attach!(
        { kind: "signature", location: path, legacy: { signature, payload: signature } },
        noCtx,
      ),
      (e) => isCosignError(e, "UNSUPPORTED"),
    );
  });
});
