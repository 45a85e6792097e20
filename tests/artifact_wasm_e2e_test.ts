/**
 * End-to-end: `upload wasm` (cosign and CNCF layouts) on dist/cosign-ts against a real registry
 * (Debian docker-registry). What was pushed is read back by independent code: plain `fetch` of
 * the registry's JSON and blobs, SHA-256 from node:crypto, and the runtime's own WebAssembly
 * engine (`WebAssembly.validate`, instantiating the pulled module and calling its export). The
 * pushed artifacts sign, verify (which says what it verified), copy, save/load and sget like
 * images; bad inputs (not wasm, truncated, bad section length, huge, missing) are refused with
 * nothing pushed (the repository has no tags afterwards), and a wasm manifest whose layer is not
 * wasm fails verification.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { open, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runProcess } from "./helpers/cli.ts";
import type { TestRegistry } from "./helpers/registry.ts";
import { uploadHonoursRegistryFlags } from "./helpers/upload_registry_flags.ts";
import { attestRoundTrip } from "./helpers/attest_roundtrip.ts";
import { copyVerifies, saveLoadVerifies } from "./helpers/transfer_verify.ts";
import { type RegistryReader, sha256 } from "./helpers/registry_read.ts";
import { type SigningFixture, startSigningFixture } from "./helpers/signing_fixture.ts";
import { coreModule, sampleComponent, sampleModule, section } from "./helpers/wasm_module.ts";

/**
 * The test's own reading of a binary's top-level sections (independent of the plugin): the
 * bytes without custom sections named `name`, and those sections' data.
 */
function cutCustomSections(b: Uint8Array, name: string): { rest: Uint8Array; cut: Uint8Array[] } {
  const uleb = (at: number): [number, number] => {
    let v = 0, shift = 0, i = at;
    for (;;) {
      const x = b[i++];
      v += (x & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(x & 0x80)) return [v, i];
    }
  };
  const keep: number[] = [...b.subarray(0, 8)];
  const cut: Uint8Array[] = [];
  for (let pos = 8; pos < b.length;) {
    const [size, content] = uleb(pos + 1);
    const end = content + size;
    let isCut = false;
    if (b[pos] === 0) {
      const [len, nameStart] = uleb(content);
      if (new TextDecoder().decode(b.subarray(nameStart, nameStart + len)) === name) {
        cut.push(b.subarray(nameStart + len, end));
        isCut = true;
      }
    }
    if (!isCut) keep.push(...b.subarray(pos, end));
    pos = end;
  }
  return { rest: new Uint8Array(keep), cut };
}

describe("upload wasm (e2e, real registry)", () => {
  let f: SigningFixture;
  let reg: TestRegistry, read: RegistryReader, dir: string, key: string, pub: string;
  const run = (args: string[]) => f.run(args);

  before(async () => {
    f = await startSigningFixture("cosign-ts-wasm-");
    ({ reg, read, dir, key, pub } = f);
    await writeFile(join(dir, "module.wasm"), sampleModule());
    await writeFile(join(dir, "component.wasm"), sampleComponent());
  });
  after(async () => {
    await f?.stop();
  });

  it("cosign layout: manifest, config and layer as cosign writes them; the module runs", async () => {
    const repo = "wasm/cosign-module";
    const up = await run(["upload", "wasm", "-f", "module.wasm", `${reg.host}/${repo}:v1`]);
    assert.equal(up.code, 0, up.err);
    assert.ok(
      up.err.includes(`Uploading wasm file from [module.wasm] to [${reg.host}/${repo}:v1].`),
      up.err,
    );
    const { bytes, json } = await read.manifest(repo, "v1");
    assert.equal(up.out.trim(), `${reg.host}/${repo}@${sha256(bytes)}`);
    assert.equal(json.schemaVersion, 2);
    assert.equal(json.mediaType, "application/vnd.oci.image.manifest.v1+json");
    assert.equal(json.config.mediaType, "application/vnd.wasm.config.v1+json");
    assert.equal(json.layers.length, 1);
    assert.equal(json.layers[0].mediaType, "application/vnd.wasm.content.layer.v1+wasm");
    const module = await readFile(join(dir, "module.wasm"));
    const layer = await read.blob(repo, json.layers[0].digest);
    assert.deepEqual(layer, new Uint8Array(module));
    assert.equal(json.layers[0].size, module.length);
    const config = JSON.parse(new TextDecoder().decode(await read.blob(repo, json.config.digest)));
    assert.deepEqual(config.rootfs, { type: "layers", diff_ids: [json.layers[0].digest] });
    assert.equal(config.architecture, "");
    assert.equal(config.os, "");
    // The runtime's WebAssembly engine runs what came back from the registry.
    const { instance } = await WebAssembly.instantiate(layer);
    assert.equal((instance.exports.run as () => number)(), 42);
  });

  it("cncf layout: config v0 with architecture, os, layerDigests, component; layer application/wasm", async () => {
    const repo = "wasm/cncf";
    const c = await run([
      "upload",
      "wasm",
      "--format",
      "cncf",
      "--author",
      "Test Author",
      "-f",
      "component.wasm",
      `${reg.host}/${repo}:component`,
    ]);
    assert.equal(c.code, 0, c.err);
    const comp = await read.manifest(repo, "component");
    assert.equal(comp.json.config.mediaType, "application/vnd.wasm.config.v0+json");
    assert.equal(comp.json.layers[0].mediaType, "application/wasm");
    const layer = await read.blob(repo, comp.json.layers[0].digest);
    assert.deepEqual(layer, sampleComponent());
    const cfg = JSON.parse(
      new TextDecoder().decode(await read.blob(repo, comp.json.config.digest)),
    );
    assert.deepEqual(Object.keys(cfg), [
      "created",
      "author",
      "architecture",
      "os",
      "layerDigests",
      "component",
    ]);
    assert.ok(!Number.isNaN(Date.parse(cfg.created)));
    assert.equal(cfg.author, "Test Author");
    assert.equal(cfg.architecture, "wasm");
    assert.equal(cfg.os, "wasip2");
    assert.deepEqual(cfg.layerDigests, [comp.json.layers[0].digest]);
    assert.deepEqual(cfg.component, {
      exports: ["run"],
      imports: ["wasi:cli/environment@0.2.0"],
      target: null,
    });

    const m = await run([
      "upload",
      "wasm",
      "--format=cncf",
      "-f",
      "module.wasm",
      `${reg.host}/${repo}:module`,
    ]);
    assert.equal(m.code, 0, m.err);
    const mod = await read.manifest(repo, "module");
    const mcfg = JSON.parse(
      new TextDecoder().decode(await read.blob(repo, mod.json.config.digest)),
    );
    assert.equal(mcfg.os, "wasip1");
    assert.equal(mcfg.author, null);
    assert.equal(mcfg.component, null);
    assert.deepEqual(mcfg.layerDigests, [mod.json.layers[0].digest]);
  });

  it("signs, verifies (saying module or component and size), attests, trees, copies, saves/loads, sgets", async () => {
    const up = await run(["upload", "wasm", "-f", "module.wasm", `${reg.host}/wasm/signed:v1`]);
    assert.equal(up.code, 0, up.err);
    const ref = up.out.trim();
    const s = await run(["sign", "--key", key, "--tlog-upload=false", ref]);
    assert.equal(s.code, 0, s.err);
    const v = await run(["verify", "--key", pub, "--insecure-ignore-tlog", ref]);
    assert.equal(v.code, 0, v.err);
    const size = sampleModule().length;
    const layerDigest = sha256(sampleModule());
    assert.match(
      v.err,
      new RegExp(`  - wasm module \\(cosign layout\\): ${size} bytes, ${layerDigest}, well-formed`),
    );
    // attest: an in-toto statement about the wasm artifact, verified with verify-attestation.
    await attestRoundTrip(run, { key, pub, ref, dir });
    const tree = await run(["tree", ref]);
    assert.equal(tree.code, 0, tree.err);
    // cosign's tree names the signature tag of the artifact's digest.
    assert.ok(tree.out.includes(`sha256-${ref.split("@sha256:")[1]}.sig`), tree.out);

    const c = await run([
      "upload",
      "wasm",
      "--format",
      "cncf",
      "-f",
      "component.wasm",
      `${reg.host}/wasm/signed:c`,
    ]);
    assert.equal(c.code, 0, c.err);
    const cref = c.out.trim();
    assert.equal((await run(["sign", "--key", key, "--tlog-upload=false", cref])).code, 0);
    const cv = await run(["verify", "--key", pub, "--insecure-ignore-tlog", cref]);
    assert.equal(cv.code, 0, cv.err);
    assert.match(
      cv.err,
      new RegExp(
        `wasm component \\(cncf layout\\): ${sampleComponent().length} bytes, .*well-formed; ` +
          "1 import, 1 export",
      ),
    );

    // copy: the copy verifies and still describes itself.
    assert.match(
      await copyVerifies(run, { ref, to: `${reg.host}/wasm/copied:v1`, pub }),
      /wasm module \(cosign layout\)/,
    );

    // save/load through an OCI layout.
    const layout = join(dir, "saved");
    await saveLoadVerifies(run, { ref, layout, to: `${reg.host}/wasm/loaded:v1`, pub });

    // sget: the module, verified by the signature.
    const g = await run(["sget", "--key", pub, "--insecure-ignore-tlog", ref]);
    assert.equal(g.code, 0, g.err);
    assert.deepEqual(g.stdout, sampleModule());
  });

  it("refuses bad input with a clear error and pushes nothing", async () => {
    const text = join(dir, "script.wasm");
    await writeFile(text, "#!/bin/sh\necho not wasm\n");
    const good = sampleModule();
    await writeFile(join(dir, "truncated.wasm"), good.subarray(0, good.length - 4));
    const badLen = coreModule(section(1, [0x01, 0x60, 0x00, 0x01, 0x7f]));
    badLen[9] = 0x40;
    await writeFile(join(dir, "badlen.wasm"), badLen);
    // A sparse 300 MiB file: refused by its size before it is read.
    const fh = await open(join(dir, "huge.wasm"), "w");
    await fh.truncate(300 * 1024 * 1024);
    await fh.close();
    const cases: [string, RegExp, number][] = [
      ["script.wasm", /does not start with the WebAssembly magic/, 1],
      ["truncated.wasm", /section 10 at byte \d+ declares 6 bytes but only 2 remain/, 1],
      ["badlen.wasm", /section 1 at byte 8 declares 64 bytes but only 5 remain/, 1],
      ["huge.wasm", /has 314572800 bytes, more than the 268435456 allowed/, 1],
      ["missing.wasm", /no such file/, 11],
    ];
    let i = 0;
    for (const [file, pattern, code] of cases) {
      const repo = `wasm/bad${++i}`;
      const r = await run(["upload", "wasm", "-f", file, `${reg.host}/${repo}:v1`]);
      assert.equal(r.code, code, `${file}: ${r.err}`);
      assert.match(r.err, new RegExp(`"${file.replace(".", "\\.")}"`));
      assert.match(r.err, pattern);
      assert.equal(r.out, "");
      assert.ok(await read.noTags(repo), `${file}: something was pushed`);
    }
    const fmt = await run([
      "upload",
      "wasm",
      "--format",
      "wapm",
      "-f",
      "module.wasm",
      `${reg.host}/wasm/bad9:v1`,
    ]);
    assert.equal(fmt.code, 2, fmt.err);
    assert.match(fmt.err, /Unknown --format "wapm"/);
    assert.ok(await read.noTags("wasm/bad9"));
    const noFile = await run(["upload", "wasm", `${reg.host}/wasm/bad10:v1`]);
    assert.equal(noFile.code, 2, noFile.err);
    assert.ok(await read.noTags("wasm/bad10"));
  });

  it("fails verification when a wasm manifest's layer is not WebAssembly", async () => {
    await writeFile(join(dir, "fake.bin"), "not a module at all");
    const up = await run([
      "upload",
      "blob",
      "--ct",
      "application/vnd.wasm.content.layer.v1+wasm",
      "-f",
      "fake.bin",
      `${reg.host}/wasm/fake:v1`,
    ]);
    assert.equal(up.code, 0, up.err);
    const ref = up.out.trim();
    assert.equal((await run(["sign", "--key", key, "--tlog-upload=false", ref])).code, 0);
    const v = await run(["verify", "--key", pub, "--insecure-ignore-tlog", ref]);
    assert.equal(v.code, 12, v.err);
    assert.match(v.err, /does not hold what its manifest says: .*magic/);
  });

  it("fails verification when a CNCF config disagrees with its layer (os, layerDigests)", async () => {
    const layer = sampleComponent();
    const push = async (repo: string, config: Record<string, unknown>) => {
      const layerDigest = await read.pushBlob(repo, layer);
      const cfg = new TextEncoder().encode(JSON.stringify({ ...config }));
      const cfgDigest = await read.pushBlob(repo, cfg);
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: {
          mediaType: "application/vnd.wasm.config.v0+json",
          size: cfg.length,
          digest: cfgDigest,
        },
        layers: [{ mediaType: "application/wasm", size: layer.length, digest: layerDigest }],
      });
      const res = await fetch(`${reg.url}/v2/${repo}/manifests/v1`, {
        method: "PUT",
        headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" },
        body: manifest,
      });
      assert.equal(res.status, 201, await res.text());
      const ref = `${reg.host}/${repo}@${sha256(new TextEncoder().encode(manifest))}`;
      assert.equal((await run(["sign", "--key", key, "--tlog-upload=false", ref])).code, 0);
      return await run(["verify", "--key", pub, "--insecure-ignore-tlog", ref]);
    };
    const base = {
      created: new Date().toISOString(),
      author: null,
      architecture: "wasm",
      os: "wasip2",
      layerDigests: [sha256(layer)],
      component: { exports: ["run"], imports: [], target: null },
    };
    const ok = await push("wasm/cncf-ok", base);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.err, /wasm component \(cncf layout\)/);
    const os = await push("wasm/cncf-os", { ...base, os: "wasip1" });
    assert.equal(os.code, 12, os.err);
    assert.match(os.err, /config os "wasip1" but the layer is a component \(wasip2\)/);
    const digests = await push("wasm/cncf-digests", {
      ...base,
      layerDigests: [sha256(sampleModule())],
    });
    assert.equal(digests.code, 12, digests.err);
    assert.match(digests.err, /config layerDigests does not name the layer/);
  });

  it("sign-wasm embeds a signature that verify-blob checks offline; openssl agrees", async () => {
    const app = join(dir, "app.wasm");
    await writeFile(app, sampleModule());
    const s = await run(["sign-wasm", "--key", key, "app.wasm"]);
    assert.equal(s.code, 0, s.err);
    assert.match(s.err, /Wrote signed wasm file app\.wasm/);
    const signed = new Uint8Array(await readFile(app));
    // Engines ignore the custom section: the signed module still runs.
    const { instance } = await WebAssembly.instantiate(signed);
    assert.equal((instance.exports.run as () => number)(), 42);
    const v = await run(["verify-blob", "--key", pub, "--insecure-ignore-tlog", "wasm://app.wasm"]);
    assert.equal(v.code, 0, v.err);
    assert.match(v.err, /Verified OK/);

    // Independently: what is signed is the module without the section, byte for byte; the
    // section holds a Sigstore bundle whose signature openssl verifies over those bytes.
    const { rest, cut } = cutCustomSections(signed, "cosign-ts.sigstore-bundle");
    assert.equal(cut.length, 1);
    assert.deepEqual(rest, sampleModule());
    const bundle = JSON.parse(new TextDecoder().decode(cut[0]));
    assert.equal(bundle.mediaType, "application/vnd.dev.sigstore.bundle.v0.3+json");
    const ms = bundle.messageSignature;
    assert.equal(
      Buffer.from(ms.messageDigest.digest, "base64").toString("hex"),
      sha256(rest).slice(7),
    );
    await writeFile(join(dir, "app.unsigned.wasm"), rest);
    await writeFile(join(dir, "app.sig.der"), Buffer.from(ms.signature, "base64"));
    const o = await runProcess("openssl", [
      "dgst",
      "-sha256",
      "-verify",
      pub,
      "-signature",
      join(dir, "app.sig.der"),
      join(dir, "app.unsigned.wasm"),
    ]);
    assert.equal(o.code, 0, o.err);
    assert.match(o.out, /Verified OK/);
    // The cut-out bundle also verifies the stripped file on the ordinary --bundle path.
    await writeFile(join(dir, "app.bundle.json"), cut[0]);
    const vb = await run([
      "verify-blob",
      "--key",
      pub,
      "--insecure-ignore-tlog",
      "--bundle",
      "app.bundle.json",
      "app.unsigned.wasm",
    ]);
    assert.equal(vb.code, 0, vb.err);

    // Signing again replaces the section (still exactly one); --output-wasm leaves the input.
    assert.equal((await run(["sign-wasm", "--key", key, "app.wasm"])).code, 0);
    assert.equal(cutCustomSections(await readFile(app), "cosign-ts.sigstore-bundle").cut.length, 1);
    await writeFile(join(dir, "c.wasm"), sampleComponent());
    const oc = await run(["sign-wasm", "--key", key, "--output-wasm", "c.signed.wasm", "c.wasm"]);
    assert.equal(oc.code, 0, oc.err);
    assert.deepEqual(new Uint8Array(await readFile(join(dir, "c.wasm"))), sampleComponent());
    const vc = await run([
      "verify-blob",
      "--key",
      pub,
      "--insecure-ignore-tlog",
      "wasm://c.signed.wasm",
    ]);
    assert.equal(vc.code, 0, vc.err);
  });

  it("embedded signatures: tampering, a second section, another key, unsigned and bad input fail", async () => {
    await writeFile(join(dir, "t.wasm"), sampleModule());
    assert.equal((await run(["sign-wasm", "--key", key, "t.wasm"])).code, 0);
    const signed = new Uint8Array(await readFile(join(dir, "t.wasm")));
    const verify = (file: string, k = pub) =>
      run(["verify-blob", "--key", k, "--insecure-ignore-tlog", `wasm://${file}`]);

    // One changed instruction (i32.const 42 -> 43) breaks the signature.
    const tampered = signed.slice();
    const at = tampered.findIndex((x, i) => x === 0x41 && tampered[i + 1] === 0x2a);
    tampered[at + 1] = 0x2b;
    await writeFile(join(dir, "tampered.wasm"), tampered);
    const t = await verify("tampered.wasm");
    assert.equal(t.code, 12, t.err);

    // Two signature sections: refused as ambiguous.
    const { cut } = cutCustomSections(signed, "cosign-ts.sigstore-bundle");
    const sectionStart = signed.length - cut[0].length - 1 - "cosign-ts.sigstore-bundle".length;
    let headerStart = sectionStart - 1;
    while (signed[headerStart] !== 0x00) headerStart--;
    await writeFile(
      join(dir, "twice.wasm"),
      new Uint8Array([...signed, ...signed.subarray(headerStart)]),
    );
    const tw = await verify("twice.wasm");
    assert.equal(tw.code, 1, tw.err);
    assert.match(tw.err, /it has 2 cosign-ts\.sigstore-bundle sections/);

    // Another key.
    const g = await run(["generate-key-pair", "--output-key-prefix", "other"]);
    assert.equal(g.code, 0, g.err);
    const other = await verify("t.wasm", join(dir, "other.pub"));
    assert.equal(other.code, 12, other.err);

    // An unsigned module: nothing to verify, the usual usage error.
    await writeFile(join(dir, "plain.wasm"), sampleModule());
    const u = await verify("plain.wasm");
    assert.equal(u.code, 2, u.err);
    assert.match(u.err, /verify-blob needs --signature or --bundle/);

    // Not wasm: sign-wasm refuses and leaves the file as it was.
    await writeFile(join(dir, "notwasm.wasm"), "plain text");
    const n = await run(["sign-wasm", "--key", key, "notwasm.wasm"]);
    assert.equal(n.code, 1, n.err);
    assert.match(n.err, /Cannot use "notwasm\.wasm" as a WebAssembly module/);
    assert.equal(await readFile(join(dir, "notwasm.wasm"), "utf8"), "plain text");
    const nk = await run(["sign-wasm", "plain.wasm"]);
    assert.equal(nk.code, 2, nk.err);
  });

  it("honours the registry flags: a TLS + basic-auth registry with --registry-cacert and credentials", async () => {
    await uploadHonoursRegistryFlags(run, {
      upload: ["upload", "wasm", "-f", "module.wasm"],
      repo: "secure/wasm",
      key,
    });
  });
});
