import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { concatBytes } from "./concat_bytes.ts";

describe("concatBytes", () => {
  it("joins chunks in order, with or without a precomputed total", () => {
    const parts = [3, 0, 1000, 1].map((n) => new Uint8Array(randomBytes(n)));
    const expected = Buffer.concat(parts);
    assert.deepEqual(Buffer.from(concatBytes(parts)), expected);
    assert.deepEqual(Buffer.from(concatBytes(parts, expected.length)), expected);
  });
  it("returns an empty buffer for no chunks and copies (does not alias) its input", () => {
    assert.equal(concatBytes([]).length, 0);
    const a = new Uint8Array([1, 2]);
    const out = concatBytes([a]);
    a[0] = 9;
    assert.deepEqual([...out], [1, 2]);
  });
});
