/**
 * End-to-end: `copy`, `save` and `load` on dist/cosign-ts against real registries (Debian
 * docker-registry), with signatures made and checked by openssl, the saved OCI layout checked
 * by an independent Python reader, and the registry's access log showing mounts and skipped
 * uploads. Bad input: overwriting without -f, a missing source, an unwritable --dir, a corrupt
 * layout (nothing pushed).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cp, readFile, rm, symlink, truncate, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { join } from "node:path";
import { cosign, runProcess, tempDir } from "./helpers/cli.ts";
import {
  pushTestImage,
  pushTestIndex,
  startRegistry,
  type TestImage,
  type TestRegistry,
} from "./helpers/registry.ts";
import { genKey } from "./helpers/openssl.ts";
import { opensslVerifyStored, signImageWithOpenssl } from "./helpers/sign_image.ts";
import { RegistryClient } from "../oci/client.ts";

const PYTHON = "/usr/bin/python3";
const tagOf = (digest: string, suffix: string) => `${digest.replace(":", "-")}.${suffix}`;

/** Independent OCI-layout reader: checks every blob's sha256 and lists index.json entries. */
const LAYOUT_CHECK = `
import hashlib, json, os, sys
d = sys.argv[1]
assert json.load(open(os.path.join(d, "oci-layout")))["imageLayoutVersion"] == "1.0.0"
blobs = os.path.join(d, "blobs", "sha256")
for name in os.listdir(blobs):
    h = hashlib.sha256(open(os.path.join(blobs, name), "rb").read()).hexdigest()
    assert h == name, "blob %s has sha256 %s" % (name, h)
idx = json.load(open(os.path.join(d, "index.json")))
out = []
def walk(desc):
    p = os.path.join(blobs, desc["digest"].split(":")[1])
    assert os.path.getsize(p) == desc["size"], desc
    m = json.load(open(p))
    for c in m.get("manifests", []): walk(c)
    for b in ([m["config"]] if "config" in m else []) + m.get("layers", []):
        assert os.path.getsize(os.path.join(blobs, b["digest"].split(":")[1])) == b["size"], b
for e in idx["manifests"]:
    walk(e)
    out.append({"kind": e.get("annotations", {}).get("kind"), "digest": e["digest"], "mediaType": e["mediaType"]})
print(json.dumps(out))
`;
import { closeServer } from "./helpers/bounded.ts";

describe("copy, save and load (e2e, real registries)", () => {
  let reg: TestRegistry;
  let reg2: TestRegistry;
  let dir: string;
  let cleanup: () => Promise<void>;
  let client: RegistryClient;
  let client2: RegistryClient;
  let key: { key: string; pub: string };
  let img: TestImage;
  let src: string;

  before(async () => {
    ({ dir, cleanup } = await tempDir());
    [reg, reg2] = await Promise.all([startRegistry("plain"), startRegistry("plain")]);
    client = new RegistryClient(reg.clientOptions());
    client2 = new RegistryClient(reg2.clientOptions());
    key = await genKey(dir, "signer", "p256");
    src = `${reg.host}/src/app`;
    img = await pushTestImage(client, `${src}:v1`, { layers: 2, layerSize: 4096 });
    await signImageWithOpenssl(client, src, img.digest, key.key, dir);
    // An attestation image at the .att tag (copied like any attachment).
    const sig = await client.getManifest(`${src}:${tagOf(img.digest, "sig")}`);
    await client.putManifest(`${src}:${tagOf(img.digest, "att")}`, sig.bytes, sig.mediaType);
  });
  after(async () => {
    await Promise.all([reg?.stop(), reg2?.stop()]);
    await cleanup?.();
  });

  const puts = async (r: TestRegistry) => {
    await r.settle();
    return r.accessLog().filter((l) => /"PUT /.test(l)).length;
  };

  it("copies an image with its signature and attestation within a registry, mounting blobs", async () => {
    const dst = `${reg.host}/dst/app`;
    const r = await cosign(["copy", `${src}:v1`, `${dst}:v1`]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /Copying /);
    assert.equal(await client.resolveDigest(`${dst}:v1`), img.digest);
    // cosign also tags each copied manifest sha256-<hex>.
    assert.equal(await client.resolveDigest(`${dst}:${img.digest.replace(":", "-")}`), img.digest);
    for (const s of ["sig", "att"]) {
      assert.equal(
        await client.resolveDigest(`${dst}:${tagOf(img.digest, s)}`),
        await client.resolveDigest(`${src}:${tagOf(img.digest, s)}`),
      );
    }
    assert.ok(await opensslVerifyStored(client, dst, img.digest, key.pub, dir));
    // Blobs were mounted from the source repository, not uploaded again.
    await reg.settle();
    assert.ok(
      reg.accessLog().some((l) => l.includes("/v2/dst/app/blobs/uploads/") && l.includes("mount=")),
    );
    // A second copy finds everything in place and uploads nothing.
    const before = await puts(reg);
    const again = await cosign(["copy", `${src}:v1`, `${dst}:v1`]);
    assert.equal(again.code, 0, again.err);
    assert.equal(await puts(reg), before);
  });

  it("refuses to overwrite a different destination without -f", async () => {
    const other = await pushTestImage(client, `${reg.host}/taken/app:v1`, { layers: 1 });
    const r = await cosign(["copy", `${src}:v1`, `${reg.host}/taken/app:v1`]);
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /already exists\. Use `-f` to overwrite/);
    assert.equal(await client.resolveDigest(`${reg.host}/taken/app:v1`), other.digest);
    const f = await cosign(["copy", "-f", `${src}:v1`, `${reg.host}/taken/app:v1`]);
    assert.equal(f.code, 0, f.err);
    assert.equal(await client.resolveDigest(`${reg.host}/taken/app:v1`), img.digest);

    // The sha256-<hex> anchor tag is never clobbered, even with -f (on registries without the
    // referrers API it holds the referrers index).
    const anchored = `${reg.host}/anchored/app`;
    const anchorTag = img.digest.replace(":", "-");
    const placeholder = await pushTestImage(client, `${anchored}:${anchorTag}`, { layers: 1 });
    const a = await cosign(["copy", "-f", `${src}:v1`, `${anchored}:v1`]);
    assert.equal(a.code, 0, a.err);
    assert.equal(await client.resolveDigest(`${anchored}:v1`), img.digest);
    assert.equal(await client.resolveDigest(`${anchored}:${anchorTag}`), placeholder.digest);
  });

  it("copies only the signatures with --only=sig (and --sig-only)", async () => {
    for (const [flag, repo] of [["--only=sig", "onlysig"], ["--sig-only", "sigonly"]]) {
      const dst = `${reg.host}/${repo}/app`;
      const r = await cosign(["copy", flag, `${src}:v1`, `${dst}:v1`]);
      assert.equal(r.code, 0, r.err);
      assert.equal(await client.headManifest(`${dst}:v1`), undefined);
      assert.ok(await client.headManifest(`${dst}:${tagOf(img.digest, "sig")}`));
      assert.equal(await client.headManifest(`${dst}:${tagOf(img.digest, "att")}`), undefined);
      assert.ok(await opensslVerifyStored(client, dst, img.digest, key.pub, dir));
    }
    const bad = await cosign(["copy", "--only=sig,bogus", `${src}:v1`, `${reg.host}/x/y:v1`]);
    assert.equal(bad.code, 2, bad.err);
    assert.match(bad.err, /invalid value for --only: bogus/);
  });

  it("copies OCI 1.1 referrers (cosign v3 bundles, SBOMs), filtered by --only", async () => {
    const repo = `${reg.host}/src/withrefs`;
    const image = await pushTestImage(client, `${repo}:v1`, { layers: 1 });
    const enc = new TextEncoder();
    const empty = await client.putBlob(repo, enc.encode("{}"), {
      mediaType: "application/vnd.oci.empty.v1+json",
    });
    const referrer = async (artifactType: string, body: string, ann: Record<string, string>) => {
      const layer = await client.putBlob(repo, enc.encode(body), { mediaType: artifactType });
      const m = enc.encode(JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        artifactType,
        config: empty,
        layers: [layer],
        subject: image.descriptor,
        annotations: ann,
      }));
      return (await client.putReferrer(repo, m, "application/vnd.oci.image.manifest.v1+json"))
        .digest;
    };
    const bundle = await referrer("application/vnd.dev.sigstore.bundle.v0.3+json", '{"b":1}', {
      "dev.sigstore.bundle.predicateType": "https://sigstore.dev/cosign/sign/v1",
    });
    const sbom = await referrer("application/spdx+json", '{"spdxVersion":"SPDX-2.3"}', {});

    const dst = `${reg2.host}/refs/app`;
    const r = await cosign(["copy", `${repo}:v1`, `${dst}:v1`]);
    assert.equal(r.code, 0, r.err);
    const got = (await client2.referrers(dst, image.digest)).map((d) => d.digest).sort();
    assert.deepEqual(got, [bundle, sbom].sort());
    for (const d of [bundle, sbom]) {
      assert.deepEqual(
        (await client2.getManifest(`${dst}@${d}`)).bytes,
        (await client.getManifest(`${repo}@${d}`)).bytes,
      );
    }
    const before = await puts(reg2);
    assert.equal((await cosign(["copy", `${repo}:v1`, `${dst}:v1`])).code, 0);
    assert.equal(await puts(reg2), before);

    const onlySbom = `${reg2.host}/refs/sbomonly`;
    const o = await cosign(["copy", "--only=sbom", `${repo}:v1`, `${onlySbom}:v1`]);
    assert.equal(o.code, 0, o.err);
    assert.deepEqual((await client2.referrers(onlySbom, image.digest)).map((d) => d.digest), [
      sbom,
    ]);

    // save keeps the referrers (kind dev.cosignproject.cosign/referrers/<hex>), load restores them.
    const saved = join(dir, "saved-refs");
    const sv = await cosign(["save", "--dir", saved, `${repo}:v1`]);
    assert.equal(sv.code, 0, sv.err);
    const check = await runProcess(PYTHON, ["-c", LAYOUT_CHECK, saved]);
    assert.equal(check.code, 0, check.err);
    const kinds = JSON.parse(check.out) as { kind: string; digest: string }[];
    assert.deepEqual(
      kinds.filter((e) => e.kind === `dev.cosignproject.cosign/referrers/${image.digest.slice(7)}`)
        .map((e) => e.digest).sort(),
      [bundle, sbom].sort(),
    );
    const ld = await cosign(["load", "--dir", saved, `${reg2.host}/refs/loaded:v1`]);
    assert.equal(ld.code, 0, ld.err);
    assert.deepEqual(
      (await client2.referrers(`${reg2.host}/refs/loaded`, image.digest)).map((d) => d.digest)
        .sort(),
      [bundle, sbom].sort(),
    );

    // A source whose sha256-<hex> tag is cosign's copy anchor (an image, not an index) copies.
    const again = await cosign(["copy", `${reg.host}/dst/app:v1`, `${reg.host}/again/app:v1`]);
    assert.equal(again.code, 0, again.err);
    assert.equal(await client.resolveDigest(`${reg.host}/again/app:v1`), img.digest);
  });

  it("copies an index across registries with every manifest and their signatures", async () => {
    const idx = await pushTestIndex(client, `${reg.host}/src/multi:v1`);
    await signImageWithOpenssl(client, `${reg.host}/src/multi`, idx.digest, key.key, dir);
    const child = idx.images[0];
    await signImageWithOpenssl(client, `${reg.host}/src/multi`, child.digest, key.key, dir);
    const dst = `${reg2.host}/mirror/multi`;
    const r = await cosign(["copy", `${reg.host}/src/multi:v1`, `${dst}:v2`]);
    assert.equal(r.code, 0, r.err);
    assert.equal(await client2.resolveDigest(`${dst}:v2`), idx.digest);
    const got = await client2.getManifest(`${dst}@${idx.digest}`);
    assert.deepEqual(got.bytes, idx.index);
    for (const im of idx.images) {
      const m = await client2.getManifest(`${dst}@${im.digest}`);
      assert.deepEqual(m.bytes, im.manifest);
      for (const l of [im.config, ...im.layers]) assert.ok(await client2.blobExists(dst, l.digest));
    }
    assert.ok(await opensslVerifyStored(client2, dst, idx.digest, key.pub, dir));
    assert.ok(await opensslVerifyStored(client2, dst, child.digest, key.pub, dir));
    // --platform picks one image of the index.
    const p = await cosign([
      "copy",
      "--platform",
      "linux/arm64",
      `${reg.host}/src/multi:v1`,
      `${reg2.host}/arm/only:v1`,
    ]);
    assert.equal(p.code, 0, p.err);
    const copied = await client2.getManifest(`${reg2.host}/arm/only:v1`);
    const cfg = JSON.parse(new TextDecoder().decode(copied.bytes)).config.digest as string;
    const config = JSON.parse(
      new TextDecoder().decode(await client2.getBlobBytes(`${reg2.host}/arm/only`, cfg)),
    );
    assert.equal(config.architecture, "arm64");
    assert.ok(idx.images.some((i) => i.digest === copied.digest));
  });

  it("saves an image with its signatures as an OCI layout and loads it into another registry", async () => {
    const out = join(dir, "saved");
    const s = await cosign(["save", "--dir", out, `${src}:v1`]);
    assert.equal(s.code, 0, s.err);
    const check = await runProcess(PYTHON, ["-c", LAYOUT_CHECK, out]);
    assert.equal(check.code, 0, check.err);
    const entries = JSON.parse(check.out) as { kind: string; digest: string }[];
    assert.deepEqual(entries.map((e) => e.kind), [
      "dev.cosignproject.cosign/image",
      "dev.cosignproject.cosign/sigs",
      "dev.cosignproject.cosign/atts",
    ]);
    assert.equal(entries[0].digest, img.digest);

    const dst = `${reg2.host}/loaded/app`;
    const l = await cosign(["load", "--dir", out, `${dst}:v9`]);
    assert.equal(l.code, 0, l.err);
    assert.equal(await client2.resolveDigest(`${dst}:v9`), img.digest);
    assert.deepEqual((await client2.getManifest(`${dst}:v9`)).bytes, img.manifest);
    // The signature still verifies (openssl) against the loaded image's digest.
    assert.ok(await opensslVerifyStored(client2, dst, img.digest, key.pub, dir));
    assert.ok(await client2.headManifest(`${dst}:${tagOf(img.digest, "att")}`));

    // An index saves and loads too.
    const idxOut = join(dir, "saved-index");
    const idx = await pushTestIndex(client, `${reg.host}/src/idx:v1`);
    const si = await cosign(["save", "--dir", idxOut, `${reg.host}/src/idx:v1`]);
    assert.equal(si.code, 0, si.err);
    const ci = await runProcess(PYTHON, ["-c", LAYOUT_CHECK, idxOut]);
    assert.equal(ci.code, 0, ci.err);
    assert.equal(JSON.parse(ci.out)[0].kind, "dev.cosignproject.cosign/imageIndex");
    const li = await cosign(["load", "--dir", idxOut, `${reg2.host}/loaded/idx:v1`]);
    assert.equal(li.code, 0, li.err);
    assert.equal(await client2.resolveDigest(`${reg2.host}/loaded/idx:v1`), idx.digest);
  });

  it("keeps `cosign-ts sign --recursive` signatures verifiable through copy and save/load", async () => {
    const env = { COSIGN_PASSWORD: "pw" };
    const g = await cosign(["generate-key-pair", "--output-key-prefix", join(dir, "ck")], {
      env,
    });
    assert.equal(g.code, 0, g.err);
    const idx = await pushTestIndex(client, `${reg.host}/signed/multi:v1`);
    const s = await cosign([
      "sign",
      "--key",
      join(dir, "ck.key"),
      "--recursive",
      "--tlog-upload=false",
      `${reg.host}/signed/multi:v1`,
    ], { env });
    assert.equal(s.code, 0, s.err);
    const verify = (ref: string) =>
      cosign(["verify", "--key", join(dir, "ck.pub"), "--insecure-ignore-tlog", ref]);

    const dst = `${reg2.host}/copied/multi`;
    const c = await cosign(["copy", `${reg.host}/signed/multi:v1`, `${dst}:v1`]);
    assert.equal(c.code, 0, c.err);
    for (const ref of [`${dst}:v1`, `${dst}@${idx.images[1].digest}`]) {
      const v = await verify(ref);
      assert.equal(v.code, 0, `${ref}: ${v.err}`);
      assert.ok(JSON.parse(v.out).length >= 1);
    }

    const out = join(dir, "saved-signed");
    assert.equal((await cosign(["save", "--dir", out, `${reg.host}/signed/multi:v1`])).code, 0);
    const l = await cosign(["load", "--dir", out, `${reg2.host}/reloaded/multi:v3`]);
    assert.equal(l.code, 0, l.err);
    const v = await verify(`${reg2.host}/reloaded/multi:v3`);
    assert.equal(v.code, 0, v.err);
    // A different key (the openssl one) does not verify the loaded copy.
    const wrong = await cosign([
      "verify",
      "--key",
      key.pub,
      "--insecure-ignore-tlog",
      `${reg2.host}/reloaded/multi:v3`,
    ]);
    assert.equal(wrong.code, 12, wrong.err);
  });

  it("fails cleanly: missing source, unwritable --dir, corrupt layout (nothing pushed)", async () => {
    const missing = await cosign(["copy", `${reg.host}/nope/app:v1`, `${reg.host}/x/app:v1`]);
    assert.equal(missing.code, 11, missing.err);
    const missingSave = await cosign(["save", "--dir", join(dir, "m"), `${reg.host}/nope/app:v1`]);
    assert.equal(missingSave.code, 11, missingSave.err);

    await writeFile(join(dir, "plainfile"), "x");
    const unwritable = await cosign(["save", "--dir", join(dir, "plainfile", "sub"), `${src}:v1`]);
    assert.equal(unwritable.code, 1, unwritable.err);
    assert.match(unwritable.err, /Cannot write OCI layout/);
    assert.doesNotMatch(unwritable.err, /\n\s+at /);

    const good = join(dir, "saved-for-corruption");
    assert.equal((await cosign(["save", "--dir", good, `${src}:v1`])).code, 0);
    // Flip one byte of a layer blob.
    const bad = join(dir, "corrupt");
    await cp(good, bad, { recursive: true });
    const layerFile = join(bad, "blobs", "sha256", img.layers[1].digest.slice(7));
    const bytes = new Uint8Array(await readFile(layerFile));
    bytes[10] ^= 0xff;
    await writeFile(layerFile, bytes);
    const r = await cosign(["load", "--dir", bad, `${reg2.host}/corrupt/app:v1`]);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /does not match its digest/);
    assert.equal(await client2.headManifest(`${reg2.host}/corrupt/app:v1`), undefined);
    assert.equal(await client2.blobExists(`${reg2.host}/corrupt/app`, img.layers[0].digest), false);

    // A manifest whose bytes do not match index.json's digest.
    const bad2 = join(dir, "corrupt2");
    await cp(good, bad2, { recursive: true });
    const manifestFile = join(bad2, "blobs", "sha256", img.digest.slice(7));
    await writeFile(manifestFile, (await readFile(manifestFile, "utf8")).replace("2", "3"));
    const r2 = await cosign(["load", "--dir", bad2, `${reg2.host}/corrupt/app:v1`]);
    assert.notEqual(r2.code, 0);
    assert.match(r2.err, /does not match its digest/);
    assert.equal(await client2.headManifest(`${reg2.host}/corrupt/app:v1`), undefined);

    const notLayout = await cosign(["load", "--dir", join(dir, "nothing"), `${reg2.host}/a/b:c`]);
    assert.equal(notLayout.code, 11, notLayout.err);
    assert.match(notLayout.err, /no oci-layout file/);
  });

  it("load refuses a hostile layout (FIFO, link to /dev/zero, oversized sparse blob) without hanging", async () => {
    const good = join(dir, "saved-for-hostile");
    assert.equal((await cosign(["save", "--dir", good, `${src}:v1`])).code, 0);
    const layer = img.layers[1].digest.slice(7);
    const cases: [string, (p: string) => Promise<void>, RegExp][] = [
      ["fifo", async (p) => {
        await rm(p);
        assert.equal(spawnSync("mkfifo", [p]).status, 0);
      }, /is a FIFO, not a regular file/],
      ["devzero", async (p) => {
        await rm(p);
        await symlink("/dev/zero", p);
      }, /is a symbolic link, not a regular file/],
      ["sparse", (p) => truncate(p, 64 * 1024 * 1024 * 1024), /its descriptor says 4096/],
    ];
    for (const [name, make, message] of cases) {
      const bad = join(dir, `hostile-${name}`);
      await cp(good, bad, { recursive: true });
      await make(join(bad, "blobs", "sha256", layer));
      const t0 = Date.now();
      const r = await cosign(["load", "--dir", bad, `${reg2.host}/hostile/${name}:v1`], {
        timeoutMs: 20_000,
      });
      assert.notEqual(r.code, 0, `${name}: ${r.err}`);
      assert.match(r.err, message, name);
      assert.ok(Date.now() - t0 < 10_000, `${name} took ${Date.now() - t0} ms`);
      assert.equal(await client2.headManifest(`${reg2.host}/hostile/${name}:v1`), undefined);
    }
  });

  it("save rewrites an existing blob of the right size whose digest does not match", async () => {
    const out = join(dir, "saved-over-forged");
    assert.equal((await cosign(["save", "--dir", out, `${src}:v1`])).code, 0);
    const layerFile = join(out, "blobs", "sha256", img.layers[0].digest.slice(7));
    const forged = new Uint8Array(await readFile(layerFile));
    forged[0] ^= 0xff; // same size, wrong content
    await writeFile(layerFile, forged);
    const again = await cosign(["save", "--dir", out, `${src}:v1`]);
    assert.equal(again.code, 0, again.err);
    const check = await runProcess(PYTHON, ["-c", LAYOUT_CHECK, out]);
    assert.equal(check.code, 0, check.err); // every blob matches its sha256 again
  });

  it("a registry that accepts and never answers: the command stops at -t, naming it", async () => {
    const server = createServer(() => {/* never answers */});
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    try {
      const t0 = Date.now();
      const r = await cosign(["triangulate", "-t", "2s", `127.0.0.1:${port}/silent/app:v1`], {
        timeoutMs: 30_000,
      });
      assert.equal(r.code, 1, r.err);
      assert.match(r.err, /within (the )?2s/);
      assert.match(r.err, /--timeout/);
      assert.ok(Date.now() - t0 < 8000, `took ${Date.now() - t0} ms`);
    } finally {
      server.closeAllConnections?.();
      await closeServer(server);
    }
  });
});
