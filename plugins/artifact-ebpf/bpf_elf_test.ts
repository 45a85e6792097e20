import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseBpfObject } from "./bpf_elf.ts";
import { gunzip, gzip, tarFiles, untar } from "../../oci/tar_layer.ts";
import { bpfObject, compileWithLlc } from "../../tests/helpers/bpf_object.ts";

/** Binutils readelf's view of an object: machine, type, global FUNC/OBJECT symbols. */
function readelf(
  bytes: Uint8Array,
): { machine: string; type: string; symbols: string[] } | undefined {
  const dir = mkdtempSync(join(tmpdir(), "bpf-readelf-"));
  try {
    writeFileSync(join(dir, "p.o"), bytes);
    const r = spawnSync("readelf", ["-hs", "-W", join(dir, "p.o")], { encoding: "utf8" });
    if (r.error || r.status !== 0) return undefined;
    const machine = /Machine:\s+(.*)/.exec(r.stdout)![1].trim();
    const type = /Type:\s+(\S+)/.exec(r.stdout)![1];
    const symbols = r.stdout.split("\n").map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length >= 8 && f[4] === "GLOBAL" && ["FUNC", "OBJECT"].includes(f[3]))
      .map((f) => `${f[3]} ${f[7]}`);
    return { machine, type, symbols };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("parseBpfObject", () => {
  it("reads programs and maps (legacy and BTF) of both byte orders; readelf agrees", (t) => {
    for (const bigEndian of [false, true]) {
      const bytes = bpfObject({ bigEndian });
      const o = parseBpfObject(bytes, "p.o");
      assert.equal(o.endian, bigEndian ? "big" : "little");
      assert.deepEqual(o.programs, { xdp_pass: "xdp", trace_clone: "kprobe" });
      assert.deepEqual(o.maps, { stats_map: "per_cpu_array", events: "ringbuf" });
      const re = readelf(bytes);
      if (!re) {
        t.diagnostic("readelf not installed: no independent reading");
        continue;
      }
      assert.equal(re.machine, "Linux BPF");
      assert.equal(re.type, "REL");
      assert.deepEqual(re.symbols.sort(), [
        "FUNC trace_clone",
        "FUNC xdp_pass",
        "OBJECT _license",
        "OBJECT events",
        "OBJECT stats_map",
      ]);
    }
  });

  it("reads an object LLVM's BPF backend (llc) compiled", (t) => {
    const bytes = compileWithLlc();
    if (!bytes) return t.skip("llc is not installed");
    const o = parseBpfObject(bytes, "llc.o");
    assert.deepEqual(o.programs, { xdp_pass: "xdp", trace_clone: "kprobe" });
    assert.deepEqual(o.maps, { stats_map: "per_cpu_array" });
  });

  it("refuses what is not a BPF relocatable object, naming why", () => {
    const cases: [Uint8Array, RegExp][] = [
      [new TextEncoder().encode("not an elf at all, just text".repeat(4)), /not an ELF file/],
      [bpfObject({ machine: 62 }), /e_machine is 62, not 247/],
      [bpfObject({ type: 2 }), /e_type is 2, not 1 \(ET_REL\)/],
      [bpfObject().subarray(0, 200), /outside the file/],
    ];
    const elf32 = bpfObject();
    elf32[4] = 1;
    cases.push([elf32, /not a 64-bit ELF/]);
    for (const [bytes, pattern] of cases) {
      assert.throws(() => parseBpfObject(bytes, "x.o"), (e: Error & { code?: string }) => {
        assert.equal(e.code, "INVALID_INPUT");
        assert.match(e.message, /Cannot use "x\.o" as a BPF object/);
        assert.match(e.message, pattern);
        return true;
      });
    }
  });
});

describe("parseBpfObject on damaged input", () => {
  it("every truncation and every single-byte change gives a result or INVALID_INPUT, never a crash", () => {
    const good = bpfObject();
    const outcomes = (bytes: Uint8Array) => {
      try {
        parseBpfObject(bytes, "d.o");
      } catch (e) {
        assert.equal((e as { code?: string }).code, "INVALID_INPUT", String(e));
      }
    };
    for (let n = 0; n < good.length; n++) outcomes(good.subarray(0, n));
    for (let i = 0; i < good.length; i++) {
      const bad = good.slice();
      bad[i] ^= 0xff;
      outcomes(bad);
    }
  });
});

describe("tar layer", () => {
  it("round-trips files; GNU tar lists what tarFiles writes", async (t) => {
    const files = [{ name: "a.o", data: bpfObject() }, { name: "b.o", data: new Uint8Array(513) }];
    const gz = await gzip(tarFiles(files));
    const back = untar(await gunzip(gz, "layer"), "layer");
    assert.deepEqual(back.map((f) => [f.name, f.data.length]), [["a.o", files[0].data.length], [
      "b.o",
      513,
    ]]);
    assert.deepEqual(back[0].data, files[0].data);
    const dir = mkdtempSync(join(tmpdir(), "tar-"));
    try {
      writeFileSync(join(dir, "l.tgz"), gz);
      const r = spawnSync("tar", ["-tvzf", join(dir, "l.tgz")], { encoding: "utf8" });
      if (r.error) return t.skip("tar is not installed");
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /-rw-r--r-- 0\/0 +\d+ 1970-01-01 00:00 a\.o/);
      assert.match(r.stdout, /b\.o/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a corrupted header and data that is not gzip", async () => {
    const tar = tarFiles([{ name: "a.o", data: new Uint8Array(10) }]);
    tar[0] ^= 1;
    assert.throws(() => untar(tar, "layer"), /bad checksum/);
    await assert.rejects(gunzip(new Uint8Array([1, 2, 3]), "layer x"), /Cannot read layer x/);
  });
});
