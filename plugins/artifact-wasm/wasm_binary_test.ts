import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { leb128, parseWasm } from "./wasm_binary.ts";
import {
  component,
  coreModule,
  customSection,
  sampleComponent,
  sampleModule,
  section,
} from "../../tests/helpers/wasm_module.ts";

function refused(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(() => parseWasm(bytes, "x.wasm"), (e: Error & { code?: string }) => {
    assert.equal(e.code, "INVALID_INPUT");
    assert.match(e.message, /Cannot use "x\.wasm" as a WebAssembly module/);
    assert.match(e.message, pattern);
    return true;
  });
}

describe("parseWasm", () => {
  it("reads a core module the runtime's WebAssembly.validate accepts", () => {
    const bytes = sampleModule(customSection("producers", [0]));
    assert.equal(WebAssembly.validate(bytes), true);
    const info = parseWasm(bytes, "m.wasm");
    assert.equal(info.kind, "module");
    assert.equal(info.size, bytes.length);
    assert.deepEqual(info.sections.map((s) => s.id), [1, 3, 7, 10, 0]);
    assert.equal(info.sections[4].name, "producers");
  });

  it("reads a component, its nested module and its top-level imports and exports", () => {
    const info = parseWasm(sampleComponent(), "c.wasm");
    assert.equal(info.kind, "component");
    assert.deepEqual(info.imports, ["wasi:cli/environment@0.2.0"]);
    assert.deepEqual(info.exports, ["run"]);
  });

  it("refuses what is not wasm, with the same verdict as WebAssembly.validate", () => {
    const text = new TextEncoder().encode("#!/bin/sh\necho hi\n");
    assert.equal(WebAssembly.validate(text), false);
    refused(text, /magic/);
    refused(new Uint8Array([0, 0x61, 0x73]), /magic/);
    refused(new Uint8Array([0, 0x61, 0x73, 0x6d, 2, 0, 0, 0]), /version\/layer bytes 02 00 00 00/);
  });

  it("refuses a truncated module and a section whose size runs past the end", () => {
    const good = sampleModule();
    const truncated = good.subarray(0, good.length - 3);
    assert.equal(WebAssembly.validate(truncated), false);
    refused(truncated, /declares \d+ bytes but only \d+ remain/);
    const badLength = coreModule(section(1, [0x01, 0x60, 0x00, 0x01, 0x7f]));
    badLength[9] = 0x7f; // the type section's size
    assert.equal(WebAssembly.validate(badLength), false);
    refused(badLength, /section 1 at byte 8 declares 127 bytes/);
  });

  it("refuses unknown ids, repeated or out-of-order sections, overlong LEB128, bad names", () => {
    refused(coreModule(section(14, [])), /unknown section id 14/);
    const s = sampleModule();
    const twice = coreModule(section(1, [0]), section(1, [0]));
    assert.equal(WebAssembly.validate(twice), false);
    refused(twice, /section 1 appears twice/);
    const order = coreModule(section(3, [0]), section(1, [0]));
    assert.equal(WebAssembly.validate(order), false);
    refused(order, /out of order/);
    refused(coreModule([1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]), /longer than 5 bytes/);
    refused(coreModule(section(0, [0x02, 0xff, 0xfe])), /not UTF-8/);
    refused(coreModule(section(0, [0x05, 0x61])), /runs past its section/);
    assert.ok(s.length > 8);
  });

  it("refuses a component whose nested module or import section is malformed", () => {
    refused(component(section(1, [0, 0x61, 0x73, 0x6d])), /nested binary at byte 10/);
    refused(component(section(10, [0x01, 0x00, 0x01, 0x61, 0x09])), /bad extern descriptor/);
    refused(component(section(13, [])), /unknown section id 13/);
  });

  it("every truncation and single-byte change of a component is parsed or refused, never a crash", () => {
    const good = sampleComponent();
    const check = (bytes: Uint8Array) => {
      try {
        parseWasm(bytes, "d.wasm");
      } catch (e) {
        assert.equal((e as { code?: string }).code, "INVALID_INPUT", String(e));
      }
    };
    for (let n = 0; n < good.length; n++) check(good.subarray(0, n));
    for (let i = 0; i < good.length; i++) {
      const bad = good.slice();
      bad[i] ^= 0xff;
      check(bad);
    }
  });

  it("leb128 encodes as the specification's example", () => {
    assert.deepEqual([...leb128(624485)], [0xe5, 0x8e, 0x26]);
    assert.deepEqual([...leb128(0)], [0]);
  });
});
