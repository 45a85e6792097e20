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
import { createHash } from "node:crypto";
import { open, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { cosign, tempDir } from "./helpers/cli.ts";
import { startRegistry, type TestRegistry } from "./helpers/registry.ts";
import { coreModule, sampleComponent, sampleModule, section } from "./helpers/wasm_module.ts";

const sha256 = (b: Uint8Array) => "sha256:" + createHash("sha256").update(b).digest("hex");

describe("upload wasm (e2e, real registry)", () => {
  let reg: TestRegistry;
  let dir: string;
  let cleanup: () => Promise<void>;
  let env: Record<string, string>;
  let key: string, pub: string;
  const run = (args: string[]) => cosign(args, { env, cwd: dir });

  /** GET a manifest or blob straight from the registry (independent of our client). */
  async function get(path: string, accept?: string): Promise<Response> {
    return await fetch(`${reg.url}/v2/${path}`, {
      headers: accept ? { accept } : {},
    });
  }
  async function manifestOf(repo: string, tagOrDigest: string) {
    const res = await get(
      `${repo}/manifests/${tagOrDigest}`,
      "application/vnd.oci.image.manifest.v1+json",
    );
    assert.equal(res.status, 200);
    const bytes = new Uint8Array(await res.arrayBuffer());
    return { bytes, json: JSON.parse(new TextDecoder().decode(bytes)) };
  }
  async function blob(repo: string, digest: string): Promise<Uint8Array<ArrayBuffer>> {
    const res = await get(`${repo}/blobs/${digest}`);
    assert.equal(res.status, 200);
    const b = new Uint8Array(await res.arrayBuffer());
    assert.equal(sha256(b), digest);
    return b;
  }
  /** True when the repository has no tags at all (nothing was pushed to it). */
  async function noTags(repo: string): Promise<boolean> {
    const res = await get(`${repo}/tags/list`);
    if (res.status === 404) return true;
    const j = await res.json();
    return !j.tags || j.tags.length === 0;
  }

  before(async () => {
    reg = await startRegistry("plain");
    ({ dir, cleanup } = await tempDir("cosign-ts-wasm-"));
    env = { COSIGN_PASSWORD: "", DOCKER_CONFIG: dir, HOME: dir };
    const g = await run(["generate-key-pair", "--output-key-prefix", "signer"]);
    assert.equal(g.code, 0, g.err);
    key = join(dir, "signer.key");
    pub = join(dir, "signer.pub");
    await writeFile(join(dir, "module.wasm"), sampleModule());
    await writeFile(join(dir, "component.wasm"), sampleComponent());
  });
  after(async () => {
    await reg?.stop();
    await cleanup?.();
  });

  it("cosign layout: manifest, config and layer as cosign writes them; the module runs", async () => {
    const repo = "wasm/cosign-module";
    const up = await run(["upload", "wasm", "-f", "module.wasm", `${reg.host}/${repo}:v1`]);
    assert.equal(up.code, 0, up.err);
    assert.match(up.err, /Uploading wasm file from \[module\.wasm\]/);
    const { bytes, json } = await manifestOf(repo, "v1");
    assert.equal(up.out.trim(), `${reg.host}/${repo}@${sha256(bytes)}`);
    assert.equal(json.schemaVersion, 2);
    assert.equal(json.mediaType, "application/vnd.oci.image.manifest.v1+json");
    assert.equal(json.config.mediaType, "application/vnd.wasm.config.v1+json");
    assert.equal(json.layers.length, 1);
    assert.equal(json.layers[0].mediaType, "application/vnd.wasm.content.layer.v1+wasm");
    const module = await readFile(join(dir, "module.wasm"));
    const layer = await blob(repo, json.layers[0].digest);
    assert.deepEqual(layer, new Uint8Array(module));
    assert.equal(json.layers[0].size, module.length);
    const config = JSON.parse(new TextDecoder().decode(await blob(repo, json.config.digest)));
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
    const comp = await manifestOf(repo, "component");
    assert.equal(comp.json.config.mediaType, "application/vnd.wasm.config.v0+json");
    assert.equal(comp.json.layers[0].mediaType, "application/wasm");
    const layer = await blob(repo, comp.json.layers[0].digest);
    assert.deepEqual(layer, sampleComponent());
    const cfg = JSON.parse(new TextDecoder().decode(await blob(repo, comp.json.config.digest)));
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
    const mod = await manifestOf(repo, "module");
    const mcfg = JSON.parse(new TextDecoder().decode(await blob(repo, mod.json.config.digest)));
    assert.equal(mcfg.os, "wasip1");
    assert.equal(mcfg.author, null);
    assert.equal(mcfg.component, null);
    assert.deepEqual(mcfg.layerDigests, [mod.json.layers[0].digest]);
  });

  it("signs, verifies (saying module or component and size), trees, copies, saves/loads, sgets", async () => {
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
    const cp = await run(["copy", ref, `${reg.host}/wasm/copied:v1`]);
    assert.equal(cp.code, 0, cp.err);
    const vc = await run([
      "verify",
      "--key",
      pub,
      "--insecure-ignore-tlog",
      `${reg.host}/wasm/copied:v1`,
    ]);
    assert.equal(vc.code, 0, vc.err);
    assert.match(vc.err, /wasm module \(cosign layout\)/);

    // save/load through an OCI layout.
    const layout = join(dir, "saved");
    const sv = await run(["save", "--dir", layout, ref]);
    assert.equal(sv.code, 0, sv.err);
    const ld = await run(["load", "--dir", layout, `${reg.host}/wasm/loaded:v1`]);
    assert.equal(ld.code, 0, ld.err);
    const vl = await run([
      "verify",
      "--key",
      pub,
      "--insecure-ignore-tlog",
      `${reg.host}/wasm/loaded:v1`,
    ]);
    assert.equal(vl.code, 0, vl.err);

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
      assert.ok(await noTags(repo), `${file}: something was pushed`);
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
    assert.ok(await noTags("wasm/bad9"));
    const noFile = await run(["upload", "wasm", `${reg.host}/wasm/bad10:v1`]);
    assert.equal(noFile.code, 2, noFile.err);
    assert.ok(await noTags("wasm/bad10"));
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
});
