import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { currentRuntime } from "./mod.ts";

describe("Runtime.digestSync", () => {
  it("gives WebCrypto's digests as plain Uint8Arrays under Bun, and is absent under Deno", async () => {
    const rt = currentRuntime();
    if (rt.name === "deno") {
      assert.equal(rt.digestSync, undefined);
      return;
    }
    assert.equal(typeof rt.digestSync, "function", `${rt.name} has a synchronous digest`);
    const data = new TextEncoder().encode("digest me\n".repeat(100));
    for (
      const [alg, name] of [["sha256", "SHA-256"], ["sha384", "SHA-384"], [
        "sha512",
        "SHA-512",
      ]] as const
    ) {
      const got = rt.digestSync!(alg, data.subarray(3, 700));
      const want = new Uint8Array(await crypto.subtle.digest(name, data.subarray(3, 700)));
      assert.equal(Object.getPrototypeOf(got), Uint8Array.prototype);
      assert.equal(got.buffer.byteLength, got.length); // its own buffer, not a pooled one
      assert.deepEqual(got, want);
    }
  });
});
