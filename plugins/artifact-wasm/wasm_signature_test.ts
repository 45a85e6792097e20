import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { embedSignature, SIGNATURE_SECTION, splitSignature } from "./wasm_signature.ts";
import {
  customSection,
  sampleComponent,
  sampleModule,
  section,
} from "../../tests/helpers/wasm_module.ts";

describe("embedded wasm signatures", () => {
  it("embedding then splitting gives back the unsigned bytes and the bundle; engines accept it", () => {
    for (const unsigned of [sampleModule(customSection("producers", [0])), sampleComponent()]) {
      const bundle = '{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","x":"é"}';
      const signed = embedSignature(unsigned, bundle);
      const split = splitSignature(signed, "s.wasm");
      assert.deepEqual(split.unsigned, unsigned);
      assert.deepEqual(split.bundles, [bundle]);
      assert.equal(split.info.sections.at(-1)?.name, SIGNATURE_SECTION);
    }
    const signedModule = embedSignature(sampleModule(), "{}");
    assert.equal(WebAssembly.validate(signedModule as Uint8Array<ArrayBuffer>), true);
  });

  it("removes every signature section wherever it is, keeping the other sections in order", () => {
    const sig = customSection(SIGNATURE_SECTION, [...new TextEncoder().encode("{}")]);
    const withTwo = sampleModule(sig, customSection("name", [1, 2]), sig);
    const split = splitSignature(withTwo, "two.wasm");
    assert.equal(split.bundles.length, 2);
    assert.deepEqual(split.unsigned, sampleModule(customSection("name", [1, 2])));
  });

  it("reads the bundle after a name length written as a padded (non-minimal) LEB128", () => {
    const name = [...new TextEncoder().encode(SIGNATURE_SECTION)];
    assert.ok(name.length < 0x80);
    const content = [name.length | 0x80, 0x80, 0x80, 0x80, 0x00, ...name, 0x7b, 0x7d]; // "{}"
    const signed = sampleModule(section(0, content));
    const split = splitSignature(signed, "padded.wasm");
    assert.deepEqual(split.bundles, ["{}"]);
    assert.deepEqual(split.unsigned, sampleModule());
  });

  it("refuses a signature section that is not UTF-8 and a binary that is not wasm", () => {
    const bad = sampleModule(customSection(SIGNATURE_SECTION, [0xff, 0xfe]));
    assert.throws(() => splitSignature(bad, "b.wasm"), /section is not UTF-8/);
    assert.throws(() => splitSignature(new Uint8Array(4), "z.wasm"), /WebAssembly magic/);
  });
});
