import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { scrypt } from "@noble/hashes/scrypt.js";
import { Buffer } from "node:buffer";
import { spawnSync } from "node:child_process";
import { PYTHON } from "../../tests/helpers/python.ts";
import { nativeScrypt } from "./native_scrypt.ts";

describe("native_scrypt", () => {
  it("agrees with @noble/hashes and Python's hashlib for cosign's N values", () => {
    const password = new TextEncoder().encode("pässword");
    const salt = crypto.getRandomValues(new Uint8Array(32));
    for (const N of [1 << 15, 1 << 16, 1 << 17]) {
      const ours = nativeScrypt(password, salt, { N, r: 8, p: 1, dkLen: 32 });
      assert.deepEqual(ours, scrypt(password, salt, { N, r: 8, p: 1, dkLen: 32 }), `N=${N}`);
      if (N === 1 << 17) {
        const py = spawnSync(PYTHON, [
          "-c",
          "import sys,hashlib;sys.stdout.write(hashlib.scrypt(bytes.fromhex(sys.argv[1])," +
          "salt=bytes.fromhex(sys.argv[2]),n=131072,r=8,p=1,maxmem=1<<28,dklen=32).hex())",
          Buffer.from(password).toString("hex"),
          Buffer.from(salt).toString("hex"),
        ]).stdout.toString();
        assert.equal(Buffer.from(ours).toString("hex"), py);
      }
    }
  });
});
