/**
 * End-to-end: `upload ebpf` on dist/cosign-ts against a real registry (Debian docker-registry).
 * Objects come from a byte-level generator (legacy and BTF maps, both byte orders) and, when
 * installed, from LLVM's BPF backend (llc). What was pushed is read back by independent code:
 * plain `fetch` of the registry's JSON and blobs, SHA-256 from node:crypto, GNU tar unpacking the
 * layer, binutils readelf reading the unpacked objects. The image signs, verifies (listing the
 * programs and maps it checked against the labels) and copies like any image; an image built by
 * other tools (GNU tar, Docker media types, as bpfman's builds are) verifies too, and one whose
 * labels lie about its bytecode fails verification. Bad inputs (not ELF, wrong e_machine, not
 * ET_REL, huge, clashing names, mixed byte orders) are refused with nothing pushed.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, open, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runProcess } from "./helpers/cli.ts";
import type { TestRegistry } from "./helpers/registry.ts";
import { uploadHonoursRegistryFlags } from "./helpers/upload_registry_flags.ts";
import { attestRoundTrip } from "./helpers/attest_roundtrip.ts";
import { copyVerifies } from "./helpers/transfer_verify.ts";
import { type RegistryReader, sha256 } from "./helpers/registry_read.ts";
import { type SigningFixture, startSigningFixture } from "./helpers/signing_fixture.ts";
import { bpfObject, compileWithLlc } from "./helpers/bpf_object.ts";

describe("upload ebpf (e2e, real registry)", () => {
  let f: SigningFixture;
  let reg: TestRegistry, read: RegistryReader, dir: string, key: string, pub: string;
  const run = (args: string[]) => f.run(args);

  /** Unpacks a gzip tar layer with GNU tar; returns the directory. */
  async function untarLayer(gz: Uint8Array, name: string): Promise<string> {
    const out = join(dir, name);
    await mkdir(out, { recursive: true });
    await writeFile(join(out, "..", `${name}.tgz`), gz);
    const r = await runProcess("tar", ["-xzf", join(out, "..", `${name}.tgz`), "-C", out]);
    assert.equal(r.code, 0, r.err);
    return out;
  }

  before(async () => {
    f = await startSigningFixture("cosign-ts-ebpf-");
    ({ reg, read, dir, key, pub } = f);
    await writeFile(join(dir, "prog.o"), bpfObject());
    await writeFile(join(dir, "more.o"), bpfObject({ suffix: "_2", noBtfMaps: true }));
  });
  after(async () => {
    await f?.stop();
  });

  it("pushes bpfman's layout: labels from the ELF, the objects at the layer's root", async () => {
    const repo = "bpf/xdp";
    const up = await run([
      "upload",
      "ebpf",
      "-f",
      "prog.o",
      "-f",
      "more.o",
      `${reg.host}/${repo}:v1`,
    ]);
    assert.equal(up.code, 0, up.err);
    const { bytes, json } = await read.manifest(repo, "v1");
    assert.equal(up.out.trim(), `${reg.host}/${repo}@${sha256(bytes)}`);
    assert.equal(json.mediaType, "application/vnd.oci.image.manifest.v1+json");
    assert.equal(json.config.mediaType, "application/vnd.oci.image.config.v1+json");
    assert.equal(json.layers.length, 1);
    assert.equal(json.layers[0].mediaType, "application/vnd.oci.image.layer.v1.tar+gzip");
    const config = JSON.parse(new TextDecoder().decode(await read.blob(repo, json.config.digest)));
    assert.equal(config.os, "linux");
    assert.equal(config.architecture, "amd64");
    const labels = config.config.Labels;
    assert.deepEqual(JSON.parse(labels["io.ebpf.programs"]), {
      xdp_pass: "xdp",
      trace_clone: "kprobe",
      xdp_pass_2: "xdp",
      trace_clone_2: "kprobe",
    });
    assert.deepEqual(JSON.parse(labels["io.ebpf.maps"]), {
      stats_map: "per_cpu_array",
      events: "ringbuf",
      stats_map_2: "per_cpu_array",
    });
    // GNU tar unpacks the layer; the objects are byte-identical and readelf reads them.
    const out = await untarLayer(await read.blob(repo, json.layers[0].digest), "xdp-layer");
    for (const f of ["prog.o", "more.o"]) {
      assert.deepEqual(await readFile(join(out, f)), await readFile(join(dir, f)));
      const re = await runProcess("readelf", ["-h", join(out, f)]);
      if (re.code === 0) assert.match(re.out, /Machine:\s+Linux BPF/);
    }
    const tar = await runProcess("tar", ["-tzf", join(dir, "xdp-layer.tgz")]);
    assert.deepEqual(tar.out.trim().split("\n"), ["prog.o", "more.o"]);
    // The config's diff_id is the uncompressed tar's digest.
    const gunzip = await runProcess("sh", [
      "-c",
      `gzip -dc '${join(dir, "xdp-layer.tgz")}' | sha256sum`,
    ]);
    assert.deepEqual(config.rootfs.diff_ids, [`sha256:${gunzip.out.split(" ")[0]}`]);
  });

  it("labels an object compiled by llc; big-endian objects get s390x", async (t) => {
    const be = await run(["upload", "ebpf", "-f", "be.o", `${reg.host}/bpf/be:v1`]);
    assert.equal(be.code, 11, "be.o does not exist yet");
    assert.match(be.err, /Cannot read BPF object "be\.o": no such file/);
    assert.ok(await read.noTags("bpf/be"));
    await writeFile(join(dir, "be.o"), bpfObject({ bigEndian: true }));
    const b = await run(["upload", "ebpf", "-f", "be.o", `${reg.host}/bpf/be:v1`]);
    assert.equal(b.code, 0, b.err);
    const bm = await read.manifest("bpf/be", "v1");
    const bc = JSON.parse(
      new TextDecoder().decode(await read.blob("bpf/be", bm.json.config.digest)),
    );
    assert.equal(bc.architecture, "s390x");
    const llc = compileWithLlc();
    if (!llc) return t.skip("llc is not installed");
    await writeFile(join(dir, "llc.o"), llc);
    const up = await run([
      "upload",
      "ebpf",
      "--arch",
      "arm64",
      "-f",
      "llc.o",
      `${reg.host}/bpf/llc:v1`,
    ]);
    assert.equal(up.code, 0, up.err);
    const m = await read.manifest("bpf/llc", "v1");
    const c = JSON.parse(
      new TextDecoder().decode(await read.blob("bpf/llc", m.json.config.digest)),
    );
    assert.equal(c.architecture, "arm64");
    assert.deepEqual(JSON.parse(c.config.Labels["io.ebpf.programs"]), {
      xdp_pass: "xdp",
      trace_clone: "kprobe",
    });
    assert.deepEqual(JSON.parse(c.config.Labels["io.ebpf.maps"]), { stats_map: "per_cpu_array" });
  });

  it("signs, verifies (listing programs and maps), attests, copies", async () => {
    const up = await run(["upload", "ebpf", "-f", "prog.o", `${reg.host}/bpf/signed:v1`]);
    assert.equal(up.code, 0, up.err);
    const ref = up.out.trim();
    assert.equal((await run(["sign", "--key", key, "--tlog-upload=false", ref])).code, 0);
    const v = await run(["verify", "--key", pub, "--insecure-ignore-tlog", ref]);
    assert.equal(v.code, 0, v.err);
    assert.match(
      v.err,
      / {2}- eBPF bytecode image \(prog\.o\): 2 programs: xdp_pass \(xdp\), trace_clone \(kprobe\); 2 maps: stats_map \(per_cpu_array\), events \(ringbuf\); the io\.ebpf\.programs and io\.ebpf\.maps labels match the bytecode/,
    );
    // attest: an in-toto statement about the eBPF image, verified with verify-attestation.
    await attestRoundTrip(run, { key, pub, ref, dir });
    assert.match(
      await copyVerifies(run, { ref, to: `${reg.host}/bpf/copied:v1`, pub }),
      /eBPF bytecode image \(prog\.o\): 2 programs/,
    );
  });

  it("verifies an image built by other tools, and fails one whose labels lie", async () => {
    // GNU tar + gzip, Docker layer media type, labels written by hand: as bpfman's builds.
    const src = join(dir, "src");
    await mkdir(src, { recursive: true });
    await writeFile(join(src, "prog.o"), bpfObject({ noBtfMaps: true }));
    const tgz = join(dir, "hand.tgz");
    const t = await runProcess("tar", ["-C", src, "-czf", tgz, "prog.o"]);
    assert.equal(t.code, 0, t.err);
    const layer = new Uint8Array(await readFile(tgz));
    const push = async (repo: string, programs: unknown) => {
      const layerDigest = await read.pushBlob(repo, layer);
      const config = new TextEncoder().encode(JSON.stringify({
        architecture: "amd64",
        os: "linux",
        config: {
          Labels: {
            "io.ebpf.programs": JSON.stringify(programs),
            "io.ebpf.maps": JSON.stringify({ stats_map: "per_cpu_array" }),
          },
        },
        rootfs: { type: "layers", diff_ids: [] },
      }));
      const configDigest = await read.pushBlob(repo, config);
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.docker.distribution.manifest.v2+json",
        config: {
          mediaType: "application/vnd.docker.container.image.v1+json",
          size: config.length,
          digest: configDigest,
        },
        layers: [{
          mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip",
          size: layer.length,
          digest: layerDigest,
        }],
      });
      const res = await fetch(`${reg.url}/v2/${repo}/manifests/v1`, {
        method: "PUT",
        headers: { "content-type": "application/vnd.docker.distribution.manifest.v2+json" },
        body: manifest,
      });
      assert.equal(res.status, 201, await res.text());
      const ref = `${reg.host}/${repo}@${sha256(new TextEncoder().encode(manifest))}`;
      assert.equal((await run(["sign", "--key", key, "--tlog-upload=false", ref])).code, 0);
      return ref;
    };
    const honest = await push("bpf/hand", { xdp_pass: "xdp", trace_clone: "kprobe" });
    const v = await run(["verify", "--key", pub, "--insecure-ignore-tlog", honest]);
    assert.equal(v.code, 0, v.err);
    assert.match(v.err, /eBPF bytecode image \(prog\.o\): 2 programs: xdp_pass \(xdp\)/);
    const liar = await push("bpf/liar", { xdp_pass: "xdp", trace_clone: "kprobe", rootkit: "lsm" });
    const l = await run(["verify", "--key", pub, "--insecure-ignore-tlog", liar]);
    assert.equal(l.code, 12, l.err);
    assert.match(
      l.err,
      /does not hold what its labels say: "rootkit" is in the label but not in the bytecode/,
    );
    // A signature that does not verify is the answer, whatever the content (described while
    // the signatures are fetched, its verdict is only taken after they verified).
    const other = await run(["generate-key-pair", "--output-key-prefix", "other"]);
    assert.equal(other.code, 0, other.err);
    const n = await run([
      "verify",
      "--key",
      join(dir, "other.pub"),
      "--insecure-ignore-tlog",
      liar,
    ]);
    assert.equal(n.code, 12, n.err);
    assert.match(n.err, /no matching signatures/);
    assert.doesNotMatch(n.err, /labels say/);
    const wrongType = await push("bpf/wrongtype", { xdp_pass: "tc", trace_clone: "kprobe" });
    const w = await run(["verify", "--key", pub, "--insecure-ignore-tlog", wrongType]);
    assert.equal(w.code, 12, w.err);
    assert.match(w.err, /"xdp_pass" is "tc" in the label but xdp in the bytecode/);
  });

  it("refuses what is not a BPF relocatable object, and pushes nothing", async () => {
    await writeFile(join(dir, "text.o"), "int main() { return 0; }\n".repeat(4));
    await writeFile(join(dir, "x86.o"), bpfObject({ machine: 62 }));
    await writeFile(join(dir, "exec.o"), bpfObject({ type: 2 }));
    await writeFile(join(dir, "same.o"), bpfObject());
    await writeFile(join(dir, "big.o"), bpfObject({ bigEndian: true, suffix: "_be" }));
    const fh = await open(join(dir, "huge.o"), "w");
    await fh.truncate(70 * 1024 * 1024);
    await fh.close();
    const cases: [string[], RegExp, number][] = [
      [["text.o"], /"text\.o" as a BPF object: it is not an ELF file/, 1],
      [["x86.o"], /"x86\.o" as a BPF object: its e_machine is 62, not 247/, 1],
      [["exec.o"], /"exec\.o" as a BPF object: its e_type is 2, not 1 \(ET_REL\)/, 1],
      [["huge.o"], /"huge\.o": it has 73400320 bytes, more than the 67108864 allowed/, 1],
      [["prog.o", "same.o"], /program "xdp_pass" is in both "prog\.o" and "same\.o"/, 1],
      [["prog.o", "big.o"], /little- and big-endian objects/, 2],
      [["prog.o", "x86.o"], /"x86\.o" as a BPF object/, 1],
      [[], /needs an object file/, 2],
    ];
    let i = 0;
    for (const [files, pattern, code] of cases) {
      const repo = `bpf/bad${++i}`;
      const r = await run([
        "upload",
        "ebpf",
        ...files.flatMap((f) => ["-f", f]),
        `${reg.host}/${repo}:v1`,
      ]);
      assert.equal(r.code, code, `${files}: ${r.err}`);
      assert.match(r.err, pattern);
      assert.equal(r.out, "");
      assert.ok(await read.noTags(repo), `${files}: something was pushed`);
    }
  });

  it("honours the registry flags: a TLS + basic-auth registry with --registry-cacert and credentials", async () => {
    await uploadHonoursRegistryFlags(run, {
      upload: ["upload", "ebpf", "-f", "prog.o"],
      repo: "secure/bpf",
      key,
    });
  });
});
