/**
 * Builds BPF object files byte by byte for tests (no clang needed): an ELF64 relocatable object
 * for `EM_BPF` with program sections (`xdp`, `kprobe/sys_clone`), a legacy `maps` section
 * (`struct bpf_map_def`) and a BTF-defined `.maps` section with the `.BTF` types libbpf's
 * `__uint(type, BPF_MAP_TYPE_RINGBUF)` produces. Binutils' `readelf` reads what this writes (the
 * tests use it as the independent reader), and options make it wrong on purpose (e_machine,
 * e_type, class).
 *
 * Also {@link compileWithLlc}: the same programs and legacy map from LLVM IR through the real
 * LLVM BPF backend, when `llc` is installed.
 *
 * @example
 * ```ts
 * await writeFile("prog.o", bpfObject());
 * ```
 * @module
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Options that change the object (to make it wrong on purpose). */
export interface BpfObjectOptions {
  /** e_machine (default 247, EM_BPF). */
  machine?: number;
  /** e_type (default 1, ET_REL). */
  type?: number;
  /** Big-endian (bpfeb) instead of little-endian. */
  bigEndian?: boolean;
  /** Leave out the BTF `.maps` map "events". */
  noBtfMaps?: boolean;
  /** Appended to every program and map name (for a second, distinct object). */
  suffix?: string;
}

class Bytes {
  parts: number[] = [];
  constructor(readonly le: boolean) {}
  u8(n: number) {
    this.parts.push(n & 0xff);
  }
  u16(n: number) {
    const b = [n & 0xff, (n >> 8) & 0xff];
    this.parts.push(...(this.le ? b : b.reverse()));
  }
  u32(n: number) {
    const b = [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
    this.parts.push(...(this.le ? b : b.reverse()));
  }
  u64(n: number) {
    if (this.le) {
      this.u32(n);
      this.u32(0);
    } else {
      this.u32(0);
      this.u32(n);
    }
  }
  raw(b: number[] | Uint8Array) {
    this.parts.push(...b);
  }
}

/** A string table: names at offsets, starting with the empty name. */
class StrTab {
  bytes: number[] = [0];
  add(s: string): number {
    const off = this.bytes.length;
    this.bytes.push(...new TextEncoder().encode(s), 0);
    return off;
  }
}

function btf(le: boolean, suffix: string): number[] {
  const strs = new StrTab();
  const t = new Bytes(le);
  const type = (name: number, kind: number, vlen: number, sizeOrType: number) => {
    t.u32(name);
    t.u32((kind << 24) | vlen);
    t.u32(sizeOrType);
  };
  type(strs.add("int"), 1, 0, 4); // 1: INT
  t.u32(32);
  type(0, 3, 0, 0); // 2: ARRAY int[27] (BPF_MAP_TYPE_RINGBUF)
  t.u32(1);
  t.u32(1);
  t.u32(27);
  type(0, 2, 0, 2); // 3: PTR -> 2
  type(0, 4, 1, 8); // 4: STRUCT { int (*type)[27]; }
  t.u32(strs.add("type"));
  t.u32(3);
  t.u32(0);
  type(strs.add(`events${suffix}`), 14, 0, 4); // 5: VAR events
  t.u32(1);
  type(strs.add(".maps"), 15, 1, 8); // 6: DATASEC .maps
  t.u32(5);
  t.u32(0);
  t.u32(8);
  const h = new Bytes(le);
  h.u16(0xeb9f);
  h.u8(1);
  h.u8(0);
  h.u32(24);
  h.u32(0);
  h.u32(t.parts.length);
  h.u32(t.parts.length);
  h.u32(strs.bytes.length);
  return [...h.parts, ...t.parts, ...strs.bytes];
}

/**
 * A BPF object: programs `xdp_pass` (section `xdp`) and `trace_clone` (`kprobe/sys_clone`), a
 * static helper in `.text` (not a program), maps `stats_map` (legacy `maps`, per-CPU array) and
 * `events` (BTF `.maps`, ring buffer).
 */
export function bpfObject(options: BpfObjectOptions = {}): Uint8Array {
  const le = !options.bigEndian;
  const sfx = options.suffix ?? "";
  const insn = (code: number[]) => code; // raw 8-byte instructions
  const mov0 = (imm: number) => insn([0xb7, 0x00, 0, 0, imm, 0, 0, 0]);
  const exit = insn([0x95, 0, 0, 0, 0, 0, 0, 0]);
  const mapDef = new Bytes(le);
  for (const n of [6, 4, 8, 1, 0]) mapDef.u32(n); // per_cpu_array, key 4, value 8, 1 entry
  const shstr = new StrTab();
  const str = new StrTab();
  interface Sec {
    name: string;
    type: number;
    flags: number;
    data: number[];
    link?: number;
    info?: number;
    entsize?: number;
    align?: number;
  }
  const secs: Sec[] = [
    { name: ".text", type: 1, flags: 0x6, data: [...mov0(0), ...exit] },
    { name: "xdp", type: 1, flags: 0x6, data: [...mov0(2), ...exit] },
    { name: "kprobe/sys_clone", type: 1, flags: 0x6, data: [...mov0(0), ...exit] },
    { name: "maps", type: 1, flags: 0x3, data: mapDef.parts },
    { name: "license", type: 1, flags: 0x3, data: [0x47, 0x50, 0x4c, 0] },
  ];
  if (!options.noBtfMaps) {
    secs.push({ name: ".maps", type: 1, flags: 0x3, data: [0, 0, 0, 0, 0, 0, 0, 0] });
    secs.push({ name: ".BTF", type: 1, flags: 0, data: btf(le, sfx) });
  }
  const idx = (n: string) => secs.findIndex((s) => s.name === n) + 1;
  const sym = new Bytes(le);
  const addSym = (name: string, info: number, shndx: number, value: number, size: number) => {
    sym.u32(name ? str.add(name) : 0);
    sym.u8(info);
    sym.u8(0);
    sym.u16(shndx);
    sym.u64(value);
    sym.u64(size);
  };
  addSym("", 0, 0, 0, 0);
  addSym("helper", 0x02, idx(".text"), 0, 16); // LOCAL FUNC: not a program
  addSym(`xdp_pass${sfx}`, 0x12, idx("xdp"), 0, 16);
  addSym(`trace_clone${sfx}`, 0x12, idx("kprobe/sys_clone"), 0, 16);
  addSym(`stats_map${sfx}`, 0x11, idx("maps"), 0, 20);
  if (!options.noBtfMaps) addSym(`events${sfx}`, 0x11, idx(".maps"), 0, 8);
  addSym("_license", 0x11, idx("license"), 0, 4);
  const strtabIndex = secs.length + 2;
  secs.push({
    name: ".symtab",
    type: 2,
    flags: 0,
    data: sym.parts,
    link: strtabIndex,
    info: 2,
    entsize: 24,
    align: 8,
  });
  secs.push({ name: ".strtab", type: 3, flags: 0, data: str.bytes });
  secs.push({ name: ".shstrtab", type: 3, flags: 0, data: [] });
  const nameOffsets = secs.map((s) => shstr.add(s.name));
  secs[secs.length - 1].data = shstr.bytes;
  // Layout: header, section data (8-aligned), section headers.
  let off = 64;
  const offsets: number[] = [];
  for (const s of secs) {
    off = Math.ceil(off / 8) * 8;
    offsets.push(off);
    off += s.data.length;
  }
  const shoff = Math.ceil(off / 8) * 8;
  const out = new Bytes(le);
  out.raw([0x7f, 0x45, 0x4c, 0x46, 2, le ? 1 : 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  out.u16(options.type ?? 1);
  out.u16(options.machine ?? 247);
  out.u32(1);
  out.u64(0); // entry
  out.u64(0); // phoff
  out.u64(shoff);
  out.u32(0); // flags
  out.u16(64);
  out.u16(0);
  out.u16(0);
  out.u16(64);
  out.u16(secs.length + 1);
  out.u16(secs.length); // .shstrtab is last
  for (let i = 0; i < secs.length; i++) {
    while (out.parts.length < offsets[i]) out.u8(0);
    out.raw(secs[i].data);
  }
  while (out.parts.length < shoff) out.u8(0);
  for (let i = 0; i < 16; i++) out.u32(0); // null section header
  secs.forEach((s, i) => {
    out.u32(nameOffsets[i]);
    out.u32(s.type);
    out.u64(s.flags);
    out.u64(0);
    out.u64(offsets[i]);
    out.u64(s.data.length);
    out.u32(s.link ?? 0);
    out.u32(s.info ?? 0);
    out.u64(s.align ?? 1);
    out.u64(s.entsize ?? 0);
  });
  return new Uint8Array(out.parts);
}

/** LLVM IR of `xdp_pass` (section xdp), `trace_clone` (kprobe/sys_clone), map `stats_map`. */
export const BPF_IR = `target triple = "bpf"
%struct.bpf_map_def = type { i32, i32, i32, i32, i32 }
@stats_map = dso_local global %struct.bpf_map_def { i32 6, i32 4, i32 8, i32 1, i32 0 }, section "maps", align 4
@_license = dso_local global [4 x i8] c"GPL\\00", section "license", align 1
define dso_local i32 @xdp_pass(i8* %ctx) section "xdp" {
  ret i32 2
}
define dso_local i32 @trace_clone(i8* %ctx) section "kprobe/sys_clone" {
  ret i32 0
}
`;

/** {@link BPF_IR} compiled by `llc -march=bpf` (LLVM's BPF backend), or undefined without llc. */
export function compileWithLlc(): Uint8Array | undefined {
  const dir = mkdtempSync(join(tmpdir(), "bpf-llc-"));
  try {
    writeFileSync(join(dir, "p.ll"), BPF_IR);
    const r = spawnSync("llc", ["-march=bpf", "-filetype=obj", "p.ll", "-o", "p.o"], { cwd: dir });
    if (r.error || r.status !== 0) return undefined;
    return new Uint8Array(readFileSync(join(dir, "p.o")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
