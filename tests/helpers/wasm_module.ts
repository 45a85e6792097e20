/**
 * Builds WebAssembly binaries byte by byte for tests (no toolchain needed): sections with LEB128
 * sizes, a small core module (`run() -> i32` returning 42), a component embedding it with a
 * WASI-style import and an export, and custom sections. Core modules built here are checked by
 * the runtime's own `WebAssembly.validate` in the tests that use them.
 *
 * @example
 * ```ts
 * const bytes = sampleModule(); // valid core module
 * ```
 * @module
 */

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

/** A length-prefixed UTF-8 name. */
export function name(s: string): number[] {
  const b = [...new TextEncoder().encode(s)];
  return [...uleb(b.length), ...b];
}

/** One section: id, LEB128 size, content. */
export function section(id: number, content: number[] | Uint8Array): number[] {
  return [id, ...uleb(content.length), ...content];
}

/** A custom section (id 0) with a name and data. */
export function customSection(n: string, data: number[] | Uint8Array = []): number[] {
  return section(0, [...name(n), ...data]);
}

/** A core module (version 1) from sections. */
export function coreModule(...sections: number[][]): Uint8Array<ArrayBuffer> {
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...sections.flat()]);
}

/** A component (version 0x0d, layer 1) from sections. */
export function component(...sections: number[][]): Uint8Array<ArrayBuffer> {
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, ...sections.flat()]);
}

/** The sections of a module exporting `run: () -> i32` (returns 42), plus optional extras. */
export function sampleModuleSections(): number[][] {
  return [
    section(1, [0x01, 0x60, 0x00, 0x01, 0x7f]), // type: () -> i32
    section(3, [0x01, 0x00]), // function 0 has type 0
    section(7, [0x01, ...name("run"), 0x00, 0x00]), // export "run" = func 0
    section(10, [0x01, 0x04, 0x00, 0x41, 0x2a, 0x0b]), // code: i32.const 42; end
  ];
}

/** A valid core module exporting `run` (42), with `extra` sections appended. */
export function sampleModule(...extra: number[][]): Uint8Array<ArrayBuffer> {
  return coreModule(...sampleModuleSections(), ...extra);
}

/**
 * A component embedding {@link sampleModule} (section 1), importing the instance
 * `wasi:cli/environment@0.2.0` and exporting `run` (func 0), as a component's top-level import
 * and export sections encode them.
 */
export function sampleComponent(): Uint8Array<ArrayBuffer> {
  return component(
    section(1, sampleModule()),
    section(10, [0x01, 0x00, ...name("wasi:cli/environment@0.2.0"), 0x05, 0x00]),
    section(11, [0x01, 0x00, ...name("run"), 0x01, 0x00, 0x00]),
  );
}
