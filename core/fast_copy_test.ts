import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  fastUint8ArrayFrom,
  installFastUint8ArrayCopies,
  withFastUint8ArrayCopies,
} from "./fast_copy.ts";

describe("withFastUint8ArrayCopies", () => {
  it("copies Uint8Arrays into fresh arrays while it runs and restores Uint8Array.from after", () => {
    const original = Uint8Array.from;
    const source = new Uint8Array([1, 2, 3]);
    let inside: typeof Uint8Array.from | undefined;
    const copy = withFastUint8ArrayCopies(() => {
      inside = Uint8Array.from;
      return Uint8Array.from(source);
    });
    assert.deepEqual(copy, new Uint8Array([1, 2, 3]));
    assert.equal(Object.getPrototypeOf(copy), Uint8Array.prototype);
    copy[0] = 9;
    assert.equal(source[0], 1); // a copy, not a view
    assert.equal((inside as { fastCopy?: boolean }).fastCopy, true);
    assert.equal(Uint8Array.from, original);
    assert.equal(Object.getOwnPropertyDescriptor(Uint8Array, "from")?.enumerable, false);
  });
  it("restores Uint8Array.from when the function throws", () => {
    const original = Uint8Array.from;
    assert.throws(() =>
      withFastUint8ArrayCopies(() => {
        throw new Error("boom");
      }), /boom/);
    assert.equal(Uint8Array.from, original);
  });
  it("leaves every other call to the original", () => {
    const from = fastUint8ArrayFrom(Uint8Array.from);
    assert.deepEqual(
      from.call(Uint8Array, [1, 2], (x: unknown) => (x as number) * 2),
      new Uint8Array([2, 4]),
    );
    assert.deepEqual(from.call(Uint8Array, new Set([5, 6])), new Uint8Array([5, 6]));
    const clamped = from.call(Uint8ClampedArray, new Uint8Array([7]));
    assert.ok(clamped instanceof Uint8ClampedArray);
  });
});

describe("installFastUint8ArrayCopies", () => {
  it("installs the fast copy once and keeps it", () => {
    const original = Object.getOwnPropertyDescriptor(Uint8Array, "from")!;
    try {
      installFastUint8ArrayCopies();
      const installed = Uint8Array.from;
      assert.equal((installed as { fastCopy?: boolean }).fastCopy, true);
      installFastUint8ArrayCopies();
      assert.equal(Uint8Array.from, installed); // never wrapped twice
      assert.equal(withFastUint8ArrayCopies(() => Uint8Array.from), installed);
      assert.equal(Uint8Array.from, installed);
    } finally {
      Object.defineProperty(Uint8Array, "from", original);
    }
  });
});
