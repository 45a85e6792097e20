import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { OciLayout } from "./layout.ts";
import { layoutSink, layoutSource } from "./layout_endpoint.ts";
import { manifestChildren, transferImage } from "./transfer.ts";
import { isCosignError } from "../core/errors.ts";
import { tempDir } from "../tests/helpers/cli.ts";

const enc = new TextEncoder();
const sha = (b: Uint8Array) => "sha256:" + createHash("sha256").update(b).digest("hex");
const desc = (mediaType: string, b: Uint8Array) => ({ mediaType, digest: sha(b), size: b.length });

/** An index of two images sharing one layer, written into a layout. */
async function fixture(l: OciLayout) {
  const layer = enc.encode("shared layer");
  const cfgA = enc.encode('{"os":"linux","architecture":"amd64"}');
  const cfgB = enc.encode('{"os":"linux","architecture":"arm64"}');
  const img = (cfg: Uint8Array) =>
    enc.encode(JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: desc("application/vnd.oci.image.config.v1+json", cfg),
      layers: [desc("application/vnd.oci.image.layer.v1.tar", layer)],
    }));
  const a = img(cfgA), b = img(cfgB);
  const index = enc.encode(JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [
      desc("application/vnd.oci.image.manifest.v1+json", a),
      desc("application/vnd.oci.image.manifest.v1+json", b),
    ],
  }));
  for (const x of [layer, cfgA, cfgB, a, b, index]) await l.writeBlob(x);
  return { layer, index, a, b };
}

describe("transferImage", () => {
  it("copies an index with its manifests and shared blobs once, root last", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const src = await OciLayout.create(join(dir, "a"));
      const dst = await OciLayout.create(join(dir, "b"));
      const f = await fixture(src);
      const source = layoutSource(src);
      const root = await source.manifest(sha(f.index));
      assert.ok(root);
      assert.equal(root.mediaType, "application/vnd.oci.image.index.v1+json");
      assert.equal(manifestChildren(root).manifests.length, 2);
      const r = await transferImage(source, layoutSink(dst), root);
      assert.equal(r.blobsCopied, 3);
      assert.deepEqual(r.manifests.at(-1), sha(f.index));
      const files = (await readdir(join(dir, "b", "blobs", "sha256"))).sort();
      const expected = (await readdir(join(dir, "a", "blobs", "sha256"))).sort();
      assert.deepEqual(files, expected);
      const again = await transferImage(source, layoutSink(dst), root);
      assert.equal(again.blobsCopied, 0);
      assert.equal(again.blobsSkipped, 3);
    } finally {
      await cleanup();
    }
  });

  it("stops at a tampered blob without writing the manifests that need it", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const src = await OciLayout.create(join(dir, "a"));
      const dst = await OciLayout.create(join(dir, "b"));
      const f = await fixture(src);
      await writeFile(src.blobPath(sha(f.layer)), "evil layer!!");
      const source = layoutSource(src);
      const root = await source.manifest(sha(f.index));
      assert.ok(root);
      await assert.rejects(
        transferImage(source, layoutSink(dst), root),
        (e) => isCosignError(e, "VERIFY"),
      );
      assert.equal(await dst.hasBlob(sha(f.index)), false);
      assert.equal(await dst.hasBlob(sha(f.layer)), false);
      // A tampered manifest is refused when read.
      await writeFile(src.blobPath(sha(f.a)), "{}");
      await assert.rejects(source.manifest(sha(f.a)), (e) => isCosignError(e, "VERIFY"));
    } finally {
      await cleanup();
    }
  });

  it("rejects malformed manifests", () => {
    const bad = (s: string) => ({
      bytes: enc.encode(s),
      digest: sha(enc.encode(s)),
      mediaType: "",
    });
    assert.throws(() => manifestChildren(bad("nope")), (e) => isCosignError(e, "INVALID_INPUT"));
    assert.throws(
      () => manifestChildren(bad('{"layers":[{"digest":"sha256:1"}]}')),
      (e) => isCosignError(e, "INVALID_INPUT"),
    );
  });
});
