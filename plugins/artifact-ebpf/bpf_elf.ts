/**
 * Reading a BPF object file (what clang `-target bpf` writes): an ELF64 relocatable object
 * (`ET_REL`) for the BPF machine (`e_machine` 247, `EM_BPF`), little- or big-endian. Everything
 * read is bounds-checked; anything else is refused with the reason.
 *
 * What it finds, as bpfman's bytecode image labels name them:
 * - programs: the function symbols (`STT_FUNC`, global) in executable sections other than
 *   `.text`; the program type comes from the section name (`xdp`, `tc`/`classifier`,
 *   `kprobe/…`, `kretprobe/…`, `uprobe/…`, `tracepoint/…` or `tp/…`, `fentry/…`, …);
 * - maps: the symbols in the legacy `maps` section (the map type is the first u32 of its
 *   `struct bpf_map_def`) and in the BTF-defined `.maps` section (the map type is the array
 *   length of the `type` member, read from the object's `.BTF` section), named with bpfman's map
 *   type names (`hash`, `array`, `per_cpu_array`, `ringbuf`, …).
 *
 * @example
 * ```ts
 * const o = parseBpfObject(bytes, "xdp.o"); // { programs: { xdp_pass: "xdp" }, maps: {...} }
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";

/** ELF machine number of BPF. */
export const EM_BPF = 247;
/** ELF type of relocatable objects. */
export const ET_REL = 1;

/** What {@link parseBpfObject} found. */
export interface BpfObject {
  /** Little- or big-endian (clang `bpfel`/`bpfeb`). */
  endian: "little" | "big";
  /** Program name → program type (bpfman's `io.ebpf.programs`). */
  programs: Record<string, string>;
  /** Map name → map type (bpfman's `io.ebpf.maps`). */
  maps: Record<string, string>;
}

/** bpf_map_type values, named as bpfman's labels name them. */
const MAP_TYPES = [
  "unspec",
  "hash",
  "array",
  "prog_array",
  "perf_event_array",
  "per_cpu_hash",
  "per_cpu_array",
  "stack_trace",
  "cgroup_array",
  "lru_hash",
  "lru_per_cpu_hash",
  "lpm_trie",
  "array_of_maps",
  "hash_of_maps",
  "devmap",
  "sockmap",
  "cpumap",
  "xskmap",
  "sockhash",
  "cgroup_storage",
  "reuseport_sockarray",
  "per_cpu_cgroup_storage",
  "queue",
  "stack",
  "sk_storage",
  "devmap_hash",
  "struct_ops",
  "ringbuf",
  "inode_storage",
  "task_storage",
  "bloom_filter",
  "user_ringbuf",
  "cgrp_storage",
  "arena",
];

/** Section-name prefixes (before "/") → program type. */
const PROGRAM_TYPES: Record<string, string> = {
  xdp: "xdp",
  "xdp.frags": "xdp",
  tc: "tc",
  classifier: "tc",
  tcx: "tcx",
  kprobe: "kprobe",
  kretprobe: "kretprobe",
  uprobe: "uprobe",
  uretprobe: "uretprobe",
  "uprobe.s": "uprobe",
  "uretprobe.s": "uretprobe",
  tracepoint: "tracepoint",
  tp: "tracepoint",
  raw_tracepoint: "raw_tracepoint",
  raw_tp: "raw_tracepoint",
  tp_btf: "tracepoint",
  fentry: "fentry",
  fexit: "fexit",
  socket: "socket_filter",
  cgroup_skb: "cgroup_skb",
  "cgroup/skb": "cgroup_skb",
  sk_msg: "sk_msg",
  sk_skb: "sk_skb",
  sockops: "sock_ops",
  lsm: "lsm",
  perf_event: "perf_event",
};

class Bad extends Error {}

/** Bounds-checked little/big-endian reads over the file. */
class View {
  readonly dv: DataView;
  constructor(readonly b: Uint8Array, readonly le: boolean) {
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  check(off: number, len: number, what: string): void {
    if (off < 0 || len < 0 || off + len > this.b.length) {
      throw new Bad(`${what} (bytes ${off}..${off + len}) lies outside the file`);
    }
  }
  u8(off: number): number {
    this.check(off, 1, "a field");
    return this.b[off];
  }
  u16(off: number): number {
    this.check(off, 2, "a field");
    return this.dv.getUint16(off, this.le);
  }
  u32(off: number): number {
    this.check(off, 4, "a field");
    return this.dv.getUint32(off, this.le);
  }
  u64(off: number): number {
    this.check(off, 8, "a field");
    const v = this.dv.getBigUint64(off, this.le);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new Bad(`a 64-bit field at byte ${off} is too large`);
    }
    return Number(v);
  }
  cstr(off: number, end: number): string {
    let i = off;
    while (i < end && this.b[i] !== 0) i++;
    if (i >= end) throw new Bad(`a name at byte ${off} is not NUL-terminated inside its table`);
    return new TextDecoder().decode(this.b.subarray(off, i));
  }
}

interface Section {
  name: string;
  type: number;
  flags: number;
  offset: number;
  size: number;
  link: number;
  entsize: number;
}

const SHT_SYMTAB = 2;
const SHT_STRTAB = 3;
const SHT_NOBITS = 8;
const SHF_EXECINSTR = 0x4;
const STT_FUNC = 2;
const STB_LOCAL = 0;

function sectionHeaders(v: View): Section[] {
  const shoff = v.u64(0x28);
  const shentsize = v.u16(0x3a);
  const shnum = v.u16(0x3c);
  const shstrndx = v.u16(0x3e);
  if (shnum === 0) throw new Bad("it has no section headers");
  if (shentsize !== 64) throw new Bad(`its section header size is ${shentsize}, not 64`);
  v.check(shoff, shnum * 64, "the section header table");
  const raw = [];
  for (let i = 0; i < shnum; i++) {
    const o = shoff + i * 64;
    raw.push({
      nameOff: v.u32(o),
      type: v.u32(o + 4),
      flags: v.u64(o + 8),
      offset: v.u64(o + 0x18),
      size: v.u64(o + 0x20),
      link: v.u32(o + 0x28),
      entsize: v.u64(o + 0x38),
    });
  }
  if (shstrndx >= shnum) throw new Bad(`its section-name table index ${shstrndx} is out of range`);
  const strtab = raw[shstrndx];
  v.check(strtab.offset, strtab.size, "the section-name table");
  return raw.map((s, i) => {
    if (s.type !== SHT_NOBITS && i !== 0) v.check(s.offset, s.size, `section ${i}`);
    if (s.nameOff >= strtab.size && i !== 0) throw new Bad(`section ${i} has a bad name offset`);
    const name = i === 0 ? "" : v.cstr(strtab.offset + s.nameOff, strtab.offset + strtab.size);
    return { name, ...s };
  });
}

interface Symbol {
  name: string;
  type: number;
  bind: number;
  shndx: number;
  value: number;
}

function symbols(v: View, sections: Section[]): Symbol[] {
  const symtab = sections.find((s) => s.type === SHT_SYMTAB);
  if (!symtab) return [];
  if (symtab.entsize !== 24) {
    throw new Bad(`its symbol table entry size is ${symtab.entsize}, not 24`);
  }
  const strtab = sections[symtab.link];
  if (!strtab || strtab.type !== SHT_STRTAB) throw new Bad("its symbol table has no string table");
  const out: Symbol[] = [];
  for (let o = symtab.offset; o + 24 <= symtab.offset + symtab.size; o += 24) {
    const nameOff = v.u32(o);
    if (nameOff >= strtab.size) throw new Bad(`a symbol at byte ${o} has a bad name offset`);
    const info = v.u8(o + 4);
    out.push({
      name: v.cstr(strtab.offset + nameOff, strtab.offset + strtab.size),
      type: info & 0xf,
      bind: info >> 4,
      shndx: v.u16(o + 6),
      value: v.u64(o + 8),
    });
  }
  return out;
}

function programType(section: string): string {
  if (PROGRAM_TYPES[section]) return PROGRAM_TYPES[section];
  const slash = section.indexOf("/");
  const prefix = slash < 0 ? section : section.slice(0, slash);
  if (section.startsWith("cgroup/skb")) return "cgroup_skb";
  return PROGRAM_TYPES[prefix] ?? prefix;
}

function mapTypeName(n: number): string {
  return MAP_TYPES[n] ?? `unknown(${n})`;
}

/** BTF kinds (btf_type.info bits 24..28) and the extra bytes after each 12-byte btf_type. */
function btfExtra(kind: number, vlen: number): number {
  switch (kind) {
    case 1: // INT
    case 14: // VAR
    case 17: // DECL_TAG
      return 4;
    case 3: // ARRAY
      return 12;
    case 4: // STRUCT
    case 5: // UNION
    case 15: // DATASEC
    case 19: // ENUM64
      return 12 * vlen;
    case 6: // ENUM
    case 13: // FUNC_PROTO
      return 8 * vlen;
    default:
      if (kind > 19 || kind === 0) throw new Bad(`its BTF has an unknown type kind ${kind}`);
      return 0;
  }
}

/** Map name → type from the BTF of a `.maps` section (libbpf's `__uint(type, …)` encoding). */
function btfMapTypes(v: View, btf: Section): Record<string, string> {
  const base = btf.offset;
  if (v.u16(base) !== 0xeb9f) throw new Bad("its .BTF section has a bad magic");
  const hdrLen = v.u32(base + 4);
  const typeOff = v.u32(base + 8);
  const typeLen = v.u32(base + 12);
  const strOff = v.u32(base + 16);
  const strLen = v.u32(base + 20);
  const typesStart = base + hdrLen + typeOff;
  const strStart = base + hdrLen + strOff;
  if (hdrLen + Math.max(typeOff + typeLen, strOff + strLen) > btf.size) {
    throw new Bad("its .BTF section's tables run past the section");
  }
  const str = (off: number) => {
    if (off >= strLen) throw new Bad("its BTF has a bad name offset");
    return v.cstr(strStart + off, strStart + strLen);
  };
  // Type ids start at 1; record each type's offset.
  const offsets: number[] = [0];
  for (let o = typesStart; o < typesStart + typeLen;) {
    offsets.push(o);
    const info = v.u32(o + 4);
    o += 12 + btfExtra((info >>> 24) & 0x1f, info & 0xffff);
  }
  const type = (id: number) => {
    const o = offsets[id];
    if (!o) throw new Bad(`its BTF refers to a missing type ${id}`);
    const info = v.u32(o + 4);
    return {
      o,
      name: v.u32(o),
      kind: (info >>> 24) & 0x1f,
      vlen: info & 0xffff,
      ref: v.u32(o + 8),
    };
  };
  const skipQualifiers = (id: number) => {
    let t = type(id);
    for (let n = 0; [8, 9, 10, 11, 18].includes(t.kind) && n < 32; n++) t = type(t.ref);
    return t;
  };
  const out: Record<string, string> = {};
  for (let id = 1; id < offsets.length; id++) {
    const ds = type(id);
    if (ds.kind !== 15 || str(ds.name) !== ".maps") continue;
    for (let i = 0; i < ds.vlen; i++) {
      const varType = type(v.u32(ds.o + 12 + i * 12));
      if (varType.kind !== 14) continue;
      const mapName = str(varType.name);
      const def = skipQualifiers(varType.ref);
      if (def.kind !== 4) continue;
      let mapType = "unspec";
      for (let m = 0; m < def.vlen; m++) {
        const mo = def.o + 12 + m * 12;
        if (str(v.u32(mo)) !== "type") continue;
        const ptr = type(v.u32(mo + 4));
        if (ptr.kind !== 2) {
          throw new Bad(`map "${mapName}": its BTF "type" member is not a pointer`);
        }
        const arr = type(ptr.ref);
        if (arr.kind !== 3) {
          throw new Bad(`map "${mapName}": its BTF "type" member is not __uint()`);
        }
        mapType = mapTypeName(v.u32(arr.o + 12 + 8));
      }
      out[mapName] = mapType;
    }
  }
  return out;
}

/**
 * Parses a BPF object file (see the module doc). `what` names it in errors. Throws
 * CosignError("INVALID_INPUT") for anything but an ELF64 `ET_REL` object for `EM_BPF`, or a
 * malformed one (the reason names what and where).
 *
 * @example
 * ```ts
 * parseBpfObject(await readFile("prog.o"), "prog.o").programs; // { xdp_pass: "xdp" }
 * ```
 */
export function parseBpfObject(bytes: Uint8Array, what: string): BpfObject {
  const fail = (why: string) =>
    new CosignError("INVALID_INPUT", `Cannot use "${what}" as a BPF object: ${why}`, {
      hint: "Pass a relocatable BPF object file, e.g. built with clang -target bpf -c prog.c.",
    });
  if (
    bytes.length < 64 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c ||
    bytes[3] !== 0x46
  ) {
    throw fail("it is not an ELF file");
  }
  if (bytes[4] !== 2) throw fail("it is not a 64-bit ELF file (EI_CLASS is not ELFCLASS64)");
  if (bytes[5] !== 1 && bytes[5] !== 2) {
    throw fail(`its EI_DATA ${bytes[5]} is neither little- nor big-endian`);
  }
  const v = new View(bytes, bytes[5] === 1);
  const machine = v.u16(0x12);
  if (machine !== EM_BPF) {
    throw fail(`its e_machine is ${machine}, not ${EM_BPF} (EM_BPF): it is not a BPF object`);
  }
  const type = v.u16(0x10);
  if (type !== ET_REL) {
    throw fail(
      `its e_type is ${type}, not ${ET_REL} (ET_REL): only relocatable objects are accepted`,
    );
  }
  try {
    const sections = sectionHeaders(v);
    const syms = symbols(v, sections);
    const programs: Record<string, string> = {};
    const maps: Record<string, string> = {};
    for (const s of syms) {
      const sec = sections[s.shndx];
      if (!sec || s.shndx === 0 || s.shndx >= 0xff00) continue;
      if (
        s.type === STT_FUNC && s.bind !== STB_LOCAL && (sec.flags & SHF_EXECINSTR) &&
        sec.name !== ".text"
      ) {
        programs[s.name] = programType(sec.name);
      } else if (sec.name === "maps" && s.bind !== STB_LOCAL && s.name) {
        if (s.value + 4 > sec.size) throw new Bad(`map "${s.name}" lies outside the maps section`);
        maps[s.name] = mapTypeName(v.u32(sec.offset + s.value));
      }
    }
    const btf = sections.find((s) => s.name === ".BTF");
    if (sections.some((s) => s.name === ".maps")) {
      if (!btf) throw new Bad("it has a .maps section but no .BTF section to read map types from");
      Object.assign(maps, btfMapTypes(v, btf));
    }
    return { endian: v.le ? "little" : "big", programs, maps };
  } catch (e) {
    if (e instanceof Bad) throw fail(e.message);
    throw e;
  }
}
