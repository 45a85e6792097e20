/**
 * The registry client against a real registry (Debian's docker-registry, plain HTTP), with skopeo
 * as an independent peer reading what we push and pushing what we read.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { isCosignError } from "../core/errors.ts";
import { RegistryClient } from "../oci/client.ts";
import { sha256Digest } from "../oci/digest.ts";
import { OCI_INDEX, OCI_MANIFEST } from "../oci/media_types.ts";
import { runProcess, tempDir } from "./helpers/cli.ts";
import {
  hasIpv6Loopback,
  pushTestImage,
  pushTestIndex,
  startRegistry,
  type TestRegistry,
} from "./helpers/registry.ts";

const enc = new TextEncoder();

function streamOf(data: Uint8Array, piece = 100_000): ReadableStream<Uint8Array> {
  let o = 0;
  return new ReadableStream({
    pull(c) {
      if (o >= data.length) return c.close();
      c.enqueue(data.slice(o, o + piece));
      o += piece;
    },
  });
}

async function collect(s: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(s).arrayBuffer());
}

describe("registry client on a plain-HTTP registry", () => {
  let reg: TestRegistry;
  let client: RegistryClient;
  before(async () => {
    reg = await startRegistry("plain");
    client = new RegistryClient(reg.clientOptions());
  });
  after(async () => {
    await reg?.stop();
  });

  it("pushes an image and reads back the exact manifest and blobs", async () => {
    const img = await pushTestImage(client, `${reg.host}/app/one:v1`);
    const m = await client.getManifest(`${reg.host}/app/one:v1`);
    assert.deepEqual(m.bytes, img.manifest);
    assert.equal(m.digest, sha256Digest(img.manifest));
    assert.equal(m.mediaType, OCI_MANIFEST);
    const byDigest = await client.getManifest(`${reg.host}/app/one@${img.digest}`);
    assert.deepEqual(byDigest.bytes, img.manifest);
    const head = await client.headManifest(`${reg.host}/app/one:v1`);
    assert.deepEqual(head, {
      mediaType: OCI_MANIFEST,
      digest: img.digest,
      size: img.manifest.length,
    });
    assert.equal(await client.resolveDigest(`${reg.host}/app/one:v1`), img.digest);
    const layer = await client.getBlobBytes(`${reg.host}/app/one`, img.layers[0].digest, {
      size: img.layers[0].size,
    });
    assert.deepEqual(layer, img.layerBytes[0]);
    assert.equal(await client.blobExists(`${reg.host}/app/one`, img.layers[1].digest), true);
    assert.equal(
      await client.blobExists(`${reg.host}/app/one`, sha256Digest(enc.encode("absent"))),
      false,
    );
  });

  it("skopeo (independent peer) reads our manifest byte for byte and copies our blobs", async () => {
    const img = await pushTestImage(client, `${reg.host}/peer/ours:v1`);
    const raw = await runProcess("skopeo", [
      "inspect",
      "--raw",
      "--tls-verify=false",
      `docker://${reg.host}/peer/ours:v1`,
    ]);
    assert.equal(raw.code, 0, raw.err);
    assert.deepEqual(raw.stdout, img.manifest);
    const { dir: tmp, cleanup } = await tempDir();
    const dir = join(tmp, "layout");
    try {
      // skopeo verifies every blob digest while copying.
      const cp = await runProcess("skopeo", [
        "copy",
        "--preserve-digests",
        "--src-tls-verify=false",
        `docker://${reg.host}/peer/ours:v1`,
        `oci:${dir}:x`,
      ]);
      assert.equal(cp.code, 0, cp.err);
      const layer = await readFile(join(dir, "blobs", "sha256", img.layers[1].digest.slice(7)));
      assert.deepEqual(new Uint8Array(layer), img.layerBytes[1]);
      // and the other way: skopeo pushes, we read and check digests.
      const push = await runProcess("skopeo", [
        "copy",
        "--preserve-digests",
        "--dest-tls-verify=false",
        `oci:${dir}:x`,
        `docker://${reg.host}/peer/theirs:v2`,
      ]);
      assert.equal(push.code, 0, push.err);
      const theirs = await client.getManifest(`${reg.host}/peer/theirs:v2`);
      const digest = await runProcess("skopeo", [
        "inspect",
        "--format",
        "{{.Digest}}",
        "--tls-verify=false",
        `docker://${reg.host}/peer/theirs:v2`,
      ]);
      assert.equal(theirs.digest, digest.out.trim());
      const json = JSON.parse(new TextDecoder().decode(theirs.bytes));
      for (const l of json.layers) {
        const b = await client.getBlobBytes(`${reg.host}/peer/theirs`, l.digest);
        assert.equal(sha256Digest(b), l.digest);
      }
    } finally {
      await cleanup();
    }
  });

  it("pushes an index of two images and reads it back", async () => {
    const idx = await pushTestIndex(client, `${reg.host}/app/multi:v1`);
    const m = await client.getManifest(`${reg.host}/app/multi:v1`);
    assert.equal(m.mediaType, OCI_INDEX);
    assert.equal(m.digest, idx.digest);
    const parsed = JSON.parse(new TextDecoder().decode(m.bytes));
    assert.equal(parsed.manifests.length, 2);
    for (const d of parsed.manifests) {
      const child = await client.getManifest(`${reg.host}/app/multi@${d.digest}`);
      assert.equal(child.size, d.size);
    }
  });

  it("uploads a multi-MB blob in chunks (PATCH) and a stream of unknown digest", async () => {
    const big = new Uint8Array(randomBytes(3 * 1024 * 1024 + 123));
    await reg.settle();
    const before = reg.accessLog().filter((l) => l.includes('"PATCH ')).length;
    const d = await client.putBlob(`${reg.host}/app/big`, big, { chunkSize: 1024 * 1024 });
    await reg.settle();
    const patches = reg.accessLog().filter((l) => l.includes('"PATCH ')).length - before;
    assert.equal(patches, 4);
    assert.equal(d.digest, sha256Digest(big));
    assert.equal(d.size, big.length);
    assert.deepEqual(await client.getBlobBytes(`${reg.host}/app/big`, d.digest), big);

    const streamed = new Uint8Array(randomBytes(2 * 1024 * 1024 + 7));
    const s = await client.putBlob(`${reg.host}/app/big`, streamOf(streamed), {
      chunkSize: 512 * 1024,
    });
    assert.equal(s.digest, sha256Digest(streamed));
    assert.equal(s.size, streamed.length);
    const back = await collect(await client.getBlob(`${reg.host}/app/big`, s.digest));
    assert.deepEqual(back, streamed);
  });

  it("a stream whose content does not match the given digest is rejected", async () => {
    const data = new Uint8Array(randomBytes(1000));
    await assert.rejects(
      client.putBlob(`${reg.host}/app/big`, streamOf(data), {
        digest: sha256Digest(enc.encode("something else")),
      }),
      (e: unknown) => isCosignError(e, "INVALID_INPUT") && /its digest is/.test(String(e)),
    );
  });

  it("skips blobs the registry has and mounts across repositories", async () => {
    const data = new Uint8Array(randomBytes(4096));
    await client.putBlob(`${reg.host}/src/repo`, data);
    await reg.settle();
    const n0 = reg.accessLog().length;
    await client.putBlob(`${reg.host}/src/repo`, data);
    await reg.settle();
    const again = reg.accessLog().slice(n0);
    assert.equal(again.length, 1, again.join("\n"));
    assert.match(again[0], /"HEAD \/v2\/src\/repo\/blobs\/sha256:/);

    await reg.settle();
    const n1 = reg.accessLog().length;
    await client.putBlob(`${reg.host}/dst/repo`, data, { mountFrom: `${reg.host}/src/repo` });
    await reg.settle();
    const mountLog = reg.accessLog().slice(n1);
    assert.ok(mountLog.some((l) => /POST \/v2\/dst\/repo\/blobs\/uploads\/\?mount=sha256/.test(l)));
    assert.ok(!mountLog.some((l) => /"PUT /.test(l)), "mounted, not uploaded");
    assert.equal(await client.blobExists(`${reg.host}/dst/repo`, sha256Digest(data)), true);
    assert.equal(
      await client.mountBlob(`${reg.host}/dst/repo2`, sha256Digest(data), `${reg.host}/src/repo`),
      true,
    );
  });

  it("lists tags (distribution 2.8 sends one page; paging is tested in registry_faults_test)", async () => {
    const img = await pushTestImage(client, `${reg.host}/app/tags:t00`, { layers: 1 });
    for (let i = 1; i < 7; i++) {
      await client.putManifest(`${reg.host}/app/tags:t0${i}`, img.manifest, OCI_MANIFEST);
    }
    const tags = await client.listTags(`${reg.host}/app/tags`, { pageSize: 3 });
    assert.deepEqual([...tags].sort(), ["t00", "t01", "t02", "t03", "t04", "t05", "t06"]);
    await assert.rejects(
      client.listTags(`${reg.host}/no/such-repo`),
      (e: unknown) => isCosignError(e, "NOT_FOUND"),
    );
  });

  it("referrers: tag-schema fallback index is written, read and filtered", async () => {
    const img = await pushTestImage(client, `${reg.host}/app/ref:v1`, { layers: 1 });
    assert.deepEqual(await client.referrers(`${reg.host}/app/ref`, img.digest), []);
    const empty = await client.putBlob(`${reg.host}/app/ref`, enc.encode("{}"), {
      mediaType: "application/vnd.oci.empty.v1+json",
    });
    const mk = (artifactType: string, note: string) =>
      enc.encode(JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        artifactType,
        config: { mediaType: "application/vnd.oci.empty.v1+json", digest: empty.digest, size: 2 },
        layers: [{
          mediaType: "application/vnd.oci.empty.v1+json",
          digest: empty.digest,
          size: 2,
        }],
        subject: img.descriptor,
        annotations: { note },
      }));
    const a = await client.putReferrer(
      `${reg.host}/app/ref`,
      mk("application/x.a", "1"),
      OCI_MANIFEST,
    );
    const b = await client.putReferrer(
      `${reg.host}/app/ref`,
      mk("application/x.b", "2"),
      OCI_MANIFEST,
    );
    assert.equal(a.via, "tag"); // distribution 2.8 has no referrers API
    const all = await client.referrers(`${reg.host}/app/ref`, img.digest);
    assert.deepEqual(all.map((d) => d.digest), [a.digest, b.digest]);
    assert.equal(all[0].artifactType, "application/x.a");
    assert.deepEqual(all[1].annotations, { note: "2" });
    const onlyB = await client.referrers(`${reg.host}/app/ref`, img.digest, "application/x.b");
    assert.deepEqual(onlyB.map((d) => d.digest), [b.digest]);
    // pushing the same referrer again adds no duplicate
    await client.putReferrer(`${reg.host}/app/ref`, mk("application/x.a", "1"), OCI_MANIFEST);
    assert.equal((await client.referrers(`${reg.host}/app/ref`, img.digest)).length, 2);
    // the fallback index lives at the sha256-<hex> tag
    const idx = await client.getManifest(`${reg.host}/app/ref:sha256-${img.digest.slice(7)}`);
    assert.equal(idx.mediaType, OCI_INDEX);
    // concurrent referrer pushes all end up in the index
    const many = await Promise.all(
      [0, 1, 2, 3, 4, 5].map((i) =>
        client.putReferrer(`${reg.host}/app/ref`, mk("application/x.c", `c${i}`), OCI_MANIFEST)
      ),
    );
    const after = await client.referrers(`${reg.host}/app/ref`, img.digest, "application/x.c");
    assert.deepEqual(after.map((d) => d.digest).sort(), many.map((m) => m.digest).sort());
  });

  it("deletes manifests (by tag or digest); then 404 is NOT_FOUND", async () => {
    const img = await pushTestImage(client, `${reg.host}/app/del:v1`, { layers: 1 });
    await client.deleteManifest(`${reg.host}/app/del:v1`);
    assert.equal(await client.headManifest(`${reg.host}/app/del@${img.digest}`), undefined);
    await assert.rejects(client.getManifest(`${reg.host}/app/del@${img.digest}`), (e: unknown) => {
      assert.ok(isCosignError(e, "NOT_FOUND"));
      assert.match(String((e as Error).message), /not found \(404\)/);
      return true;
    });
    await assert.rejects(
      client.deleteManifest(`${reg.host}/app/del@${img.digest}`),
      (e: unknown) => isCosignError(e, "NOT_FOUND"),
    );
  });

  it("404s: unknown repository, tag and blob are NOT_FOUND naming the reference", async () => {
    for (const ref of [`${reg.host}/nope/nope:v1`, `${reg.host}/app/one:missing`]) {
      await assert.rejects(client.getManifest(ref), (e: unknown) => {
        assert.ok(isCosignError(e, "NOT_FOUND"), String(e));
        assert.ok((e as Error).message.includes(ref.replace(/:v1$|:missing$/, "")));
        return true;
      });
    }
    await assert.rejects(
      client.getBlob(`${reg.host}/app/one`, sha256Digest(enc.encode("nope"))),
      (e: unknown) => isCosignError(e, "NOT_FOUND"),
    );
  });

  it("size caps: blobs over COSIGN_MAX_ATTACHMENT_SIZE and oversized manifests are TOO_LARGE", async () => {
    const data = new Uint8Array(randomBytes(50_000));
    const d = await client.putBlob(`${reg.host}/app/cap`, data);
    const capped = new RegistryClient(
      reg.clientOptions({ env: (n) => (n === "COSIGN_MAX_ATTACHMENT_SIZE" ? "10000" : undefined) }),
    );
    assert.equal(capped.maxBlobSize, 10_000);
    await assert.rejects(capped.getBlobBytes(`${reg.host}/app/cap`, d.digest), (e: unknown) => {
      assert.ok(isCosignError(e, "TOO_LARGE"), String(e));
      assert.match((e as Error & { hint?: string }).hint ?? "", /COSIGN_MAX_ATTACHMENT_SIZE/);
      return true;
    });
    assert.throws(
      () =>
        new RegistryClient({
          env: (n) => (n === "COSIGN_MAX_ATTACHMENT_SIZE" ? "big" : undefined),
        }),
      (e: unknown) => isCosignError(e, "INVALID_INPUT"),
    );
    const img = await pushTestImage(client, `${reg.host}/app/cap:v1`, { layers: 1 });
    const small = new RegistryClient(reg.clientOptions({ maxManifestSize: 100 }));
    await assert.rejects(
      small.getManifest(`${reg.host}/app/cap@${img.digest}`),
      (e: unknown) => isCosignError(e, "TOO_LARGE"),
    );
    await assert.rejects(
      small.putManifest(`${reg.host}/app/cap:big`, img.manifest, OCI_MANIFEST),
      (e: unknown) => isCosignError(e, "TOO_LARGE"),
    );
  });

  it("a manifest referencing a missing blob is rejected with the registry's reason", async () => {
    const bogus = enc.encode(JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: {
        mediaType: "application/vnd.oci.image.config.v1+json",
        digest: sha256Digest(enc.encode("missing")),
        size: 7,
      },
      layers: [],
    }));
    await assert.rejects(
      client.putManifest(`${reg.host}/app/bogus:v1`, bogus, OCI_MANIFEST),
      (e: unknown) => {
        assert.ok(isCosignError(e, "INVALID_INPUT"), String(e));
        assert.match((e as Error).message, /MANIFEST_BLOB_UNKNOWN|blob unknown/i);
        return true;
      },
    );
  });

  it("counts its requests (the https probe of a local registry, the ping, the GET)", async () => {
    const seen: string[] = [];
    const c = new RegistryClient(
      reg.clientOptions({
        onRequest: (r) => seen.push(`${r.method} ${r.url.split(":")[0]} ${r.status}`),
      }),
    );
    await c.getManifest(`${reg.host}/app/one:v1`);
    assert.deepEqual(seen, ["GET https 0", "GET http 200", "GET http 200"]);
    assert.equal(c.requestCount, 3);
    await c.getManifest(`${reg.host}/app/one:v1`);
    assert.equal(c.requestCount, 4); // scheme and auth are cached per client
    c.resetRequestCount();
    assert.equal(c.requestCount, 0);
  });
});

describe("registry client on the IPv6 loopback", () => {
  it("round trip with a [::1]:PORT reference (plain HTTP, as for 127.0.0.1)", async (t) => {
    if (!(await hasIpv6Loopback())) {
      t.skip("this machine has no IPv6 loopback");
      return;
    }
    const reg = await startRegistry("plain", { ipv6: true });
    try {
      assert.match(reg.host, /^\[::1\]:\d+$/);
      const client = new RegistryClient(reg.clientOptions());
      const img = await pushTestImage(client, `${reg.host}/v6/app:v1`, { layers: 1 });
      const m = await client.getManifest(`${reg.host}/v6/app:v1`);
      assert.equal(m.digest, img.digest);
      assert.deepEqual(await client.listTags(`${reg.host}/v6/app`), ["v1"]);
    } finally {
      await reg.stop();
    }
  });
});
