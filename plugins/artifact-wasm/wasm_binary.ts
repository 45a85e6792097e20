/**
 * Reading a WebAssembly binary well enough to refuse anything that is not one: the magic
 * `\0asm`, the version (1 for a core module; version 0x0d, layer 1 for a component of the
 * component model), and every section well-formed: a known id, a LEB128 u32 size (at most 5
 * bytes) that stays inside the file, custom-section names that are UTF-8, core sections at most
 * once and in the specification's order, nested core modules and components (component sections
 * 1 and 4) valid in turn. For components the top-level import and export names are read (what
 * the CNCF wasm OCI config lists as `component.imports` / `component.exports`).
 *
 * Function bodies and types are not type-checked: this is a structural check (what an uploader
 * can promise), not a validator of the instruction stream.
 *
 * @example
 * ```ts
 * const info = parseWasm(bytes, "app.wasm"); // { kind: "module", size, sections, ... }
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";

/** The 4-byte magic every WebAssembly binary starts with. */
export const WASM_MAGIC: Uint8Array = new Uint8Array([0x00, 0x61, 0x73, 0x6d]);
/** Version and layer bytes of a core module (version 1). */
export const CORE_MODULE_VERSION: Uint8Array = new Uint8Array([0x01, 0x00, 0x00, 0x00]);
/** Version and layer bytes of a component (version 0x0d, layer 1). */
export const COMPONENT_VERSION: Uint8Array = new Uint8Array([0x0d, 0x00, 0x01, 0x00]);

/** One section of a binary, as found. */
export interface WasmSection {
  /** Section id (0 = custom). */
  id: number;
  /** Offset of the id byte in the binary. */
  start: number;
  /** Offset of the section's content (after id and size). */
  contentStart: number;
  /** Offset just past the section. */
  end: number;
  /** Custom sections: the name. */
  name?: string;
  /** Custom sections: the offset of the data after the name. */
  dataStart?: number;
}

/** What {@link parseWasm} found. */
export interface WasmInfo {
  /** A core module or a component. */
  kind: "module" | "component";
  /** Size of the binary in bytes. */
  size: number;
  /** Top-level sections in file order. */
  sections: WasmSection[];
  /** Components: the names of the top-level imports, in order. */
  imports: string[];
  /** Components: the names of the top-level exports, in order. */
  exports: string[];
}

/** Core module section order (ids); custom sections (0) may appear anywhere. */
const CORE_ORDER = [1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11];
const CORE_MAX_ID = 13;
const COMPONENT_MAX_ID = 12;
const MAX_NESTING = 16;

class Malformed extends Error {}

/** A cursor over bytes that throws {@link Malformed} at any overrun. */
class Reader {
  constructor(readonly b: Uint8Array, public pos: number, readonly end: number) {}
  byte(): number {
    if (this.pos >= this.end) throw new Malformed(`unexpected end at byte ${this.pos}`);
    return this.b[this.pos++];
  }
  /** An unsigned LEB128 of at most 32 bits (5 bytes). */
  u32(): number {
    const at = this.pos;
    let result = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.byte();
      if (i === 4 && (b & 0x70) !== 0) throw new Malformed(`LEB128 at byte ${at} exceeds 32 bits`);
      result += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) return result;
    }
    throw new Malformed(`LEB128 at byte ${at} is longer than 5 bytes`);
  }
  /** A signed LEB128 of at most 33 bits, skipped. */
  s33(): void {
    const at = this.pos;
    for (let i = 0; i < 5; i++) if ((this.byte() & 0x80) === 0) return;
    throw new Malformed(`LEB128 at byte ${at} is longer than 5 bytes`);
  }
  name(): string {
    const len = this.u32();
    if (len > this.end - this.pos) {
      throw new Malformed(`name at byte ${this.pos} runs past its section (${len} bytes)`);
    }
    const bytes = this.b.subarray(this.pos, this.pos + len);
    this.pos += len;
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      throw new Malformed(`name at byte ${this.pos - len} is not UTF-8`);
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Parses the sections of a binary spanning [start, end) of `b`; recursive for nested ones. */
function parseBinary(
  b: Uint8Array,
  start: number,
  end: number,
  depth: number,
): { kind: "module" | "component"; sections: WasmSection[] } {
  if (depth > MAX_NESTING) throw new Malformed(`components nest deeper than ${MAX_NESTING}`);
  if (end - start < 8 || !sameBytes(b.subarray(start, start + 4), WASM_MAGIC)) {
    throw new Malformed(
      depth === 0
        ? "it does not start with the WebAssembly magic \\0asm"
        : `the nested binary at byte ${start} does not start with \\0asm`,
    );
  }
  const version = b.subarray(start + 4, start + 8);
  let kind: "module" | "component";
  if (sameBytes(version, CORE_MODULE_VERSION)) kind = "module";
  else if (sameBytes(version, COMPONENT_VERSION)) kind = "component";
  else {
    const hex = [...version].map((x) => x.toString(16).padStart(2, "0")).join(" ");
    throw new Malformed(
      `unsupported version/layer bytes ${hex} at byte ${start + 4} (a core module has ` +
        "01 00 00 00, a component 0d 00 01 00)",
    );
  }
  const r = new Reader(b, start + 8, end);
  const sections: WasmSection[] = [];
  let lastOrder = -1;
  const seen = new Set<number>();
  while (r.pos < end) {
    const sectionStart = r.pos;
    const id = r.byte();
    if (id > (kind === "module" ? CORE_MAX_ID : COMPONENT_MAX_ID)) {
      throw new Malformed(`unknown section id ${id} at byte ${sectionStart}`);
    }
    const size = r.u32();
    const contentStart = r.pos;
    if (size > end - contentStart) {
      throw new Malformed(
        `section ${id} at byte ${sectionStart} declares ${size} bytes but only ` +
          `${end - contentStart} remain`,
      );
    }
    const sectionEnd = contentStart + size;
    const section: WasmSection = { id, start: sectionStart, contentStart, end: sectionEnd };
    if (id === 0) {
      const nr = new Reader(b, contentStart, sectionEnd);
      section.name = nr.name();
      section.dataStart = nr.pos;
    } else if (kind === "module") {
      if (seen.has(id)) throw new Malformed(`section ${id} appears twice (byte ${sectionStart})`);
      seen.add(id);
      const order = CORE_ORDER.indexOf(id);
      if (order < lastOrder) {
        throw new Malformed(`section ${id} at byte ${sectionStart} is out of order`);
      }
      lastOrder = order;
    } else if (id === 1 || id === 4) {
      parseBinary(b, contentStart, sectionEnd, depth + 1);
    }
    sections.push(section);
    r.pos = sectionEnd;
  }
  return { kind, sections };
}

/** `importname'` / `exportname'`: 0x00 name, or 0x01 name + version suffix. */
function externName(r: Reader): string {
  const tag = r.byte();
  if (tag === 0x00) return r.name();
  if (tag === 0x01) {
    const n = r.name();
    r.name();
    return n;
  }
  throw new Malformed(`bad import/export name tag 0x${tag.toString(16)} at byte ${r.pos - 1}`);
}

function externDesc(r: Reader): void {
  const tag = r.byte();
  switch (tag) {
    case 0x00:
      if (r.byte() !== 0x11) throw new Malformed(`bad core module type at byte ${r.pos - 1}`);
      r.u32();
      return;
    case 0x01:
    case 0x04:
    case 0x05:
      r.u32();
      return;
    case 0x02: {
      const b = r.byte();
      if (b === 0x00) r.u32();
      else if (b === 0x01) r.s33();
      else throw new Malformed(`bad value bound at byte ${r.pos - 1}`);
      return;
    }
    case 0x03: {
      const b = r.byte();
      if (b === 0x00) r.u32();
      else if (b !== 0x01) throw new Malformed(`bad type bound at byte ${r.pos - 1}`);
      return;
    }
    default:
      throw new Malformed(`bad extern descriptor 0x${tag.toString(16)} at byte ${r.pos - 1}`);
  }
}

function sortIdx(r: Reader): void {
  const sort = r.byte();
  if (sort === 0x00) r.byte();
  else if (sort > 0x05) throw new Malformed(`bad sort 0x${sort.toString(16)} at byte ${r.pos - 1}`);
  r.u32();
}

function componentNames(b: Uint8Array, s: WasmSection, imports: boolean): string[] {
  const r = new Reader(b, s.contentStart, s.end);
  const n = r.u32();
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(externName(r));
    if (imports) externDesc(r);
    else {
      sortIdx(r);
      const opt = r.byte();
      if (opt === 0x01) externDesc(r);
      else if (opt !== 0x00) throw new Malformed(`bad optional type at byte ${r.pos - 1}`);
    }
  }
  if (r.pos !== s.end) {
    throw new Malformed(
      `${imports ? "import" : "export"} section at byte ${s.start} has trailing bytes`,
    );
  }
  return out;
}

/**
 * Parses and checks a WebAssembly binary (see the module doc). `what` names it in errors.
 * Throws CosignError("INVALID_INPUT") naming the problem and its byte offset.
 *
 * @example
 * ```ts
 * parseWasm(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), "empty.wasm").kind; // "module"
 * ```
 */
export function parseWasm(bytes: Uint8Array, what: string): WasmInfo {
  try {
    const { kind, sections } = parseBinary(bytes, 0, bytes.length, 0);
    const info: WasmInfo = { kind, size: bytes.length, sections, imports: [], exports: [] };
    if (kind === "component") {
      for (const s of sections) {
        if (s.id === 10) info.imports.push(...componentNames(bytes, s, true));
        if (s.id === 11) info.exports.push(...componentNames(bytes, s, false));
      }
    }
    return info;
  } catch (e) {
    if (!(e instanceof Malformed)) throw e;
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot use "${what}" as a WebAssembly module: ${e.message}`,
      { hint: "Pass a .wasm binary (a core module or a component), e.g. as built by a compiler." },
    );
  }
}

/**
 * Encodes `n` as an unsigned LEB128 (for writing sections).
 *
 * @example
 * ```ts
 * leb128(624485); // Uint8Array [0xe5, 0x8e, 0x26]
 * ```
 */
export function leb128(n: number): Uint8Array {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return new Uint8Array(out);
}
