/**
 * The runtime's FFI adapter (Deno.dlopen under deno test, bun:ffi under bun test) against
 * glibc: symbols called with pointer and integer arguments, buffer addresses, memory reads,
 * function pointers obtained with dlsym, and a clear failure for a missing library.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { currentRuntime } from "./mod.ts";

const cstr = (s: string): Uint8Array => {
  const b = new TextEncoder().encode(s);
  const out = new Uint8Array(new ArrayBuffer(b.length + 1));
  out.set(b);
  return out;
};

describe("runtime FFI adapter", () => {
  it(`calls C on ${currentRuntime().name}: arguments, results, addresses, memory, function pointers`, async () => {
    const ffi = await currentRuntime().ffi!();
    const libc = ffi.open("libc.so.6", {
      strlen: { parameters: ["pointer"], result: "u64" },
      memset: { parameters: ["pointer", "i32", "u64"], result: "pointer" },
      dlsym: { parameters: ["pointer", "pointer"], result: "pointer" },
    });
    try {
      const hello = cstr("hello, token");
      assert.equal(libc.symbols.strlen(ffi.address(hello)), 12n);

      const buf = new Uint8Array(new ArrayBuffer(16));
      const addr = ffi.address(buf);
      assert.equal(libc.symbols.memset(addr + 4n, 0x5a, 8), addr + 4n);
      assert.deepEqual([...buf], [0, 0, 0, 0, ...Array(8).fill(0x5a), 0, 0, 0, 0]);
      // read copies memory at an address (here our own buffer).
      const copy = ffi.read(addr + 2n, 6);
      assert.deepEqual([...copy], [0, 0, 0x5a, 0x5a, 0x5a, 0x5a]);
      buf[4] = 1;
      assert.equal(copy[2], 0x5a, "read returns a copy");

      // A function pointer (RTLD_DEFAULT = NULL) made callable.
      const p = libc.symbols.dlsym(0n, ffi.address(cstr("strlen")));
      assert.notEqual(p, 0n);
      const strlen = ffi.function(p, { parameters: ["pointer"], result: "u64" });
      assert.equal(strlen(ffi.address(cstr("abc"))), 3n);
      assert.throws(() => strlen(), /expects 1 arguments/);
    } finally {
      libc.close();
    }
    assert.throws(() => ffi.open("/nonexistent/libnothing.so", {}));
  });
});
