import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { Buffer } from "node:buffer";
import { x25519 } from "@noble/curves/ed25519.js";
import { openSealedBox, SEAL_OVERHEAD, sealBox } from "./sealed_box.ts";
import { CosignError } from "../../core/errors.ts";

/** Runs Debian's python3 with python3-nacl (libsodium); arguments and output are base64. */
function nacl(script: string, ...args: Uint8Array[]): Uint8Array {
  const r = spawnSync("/usr/bin/python3", [
    "-c",
    `import sys, base64\nfrom nacl.public import PrivateKey, PublicKey, SealedBox\n` +
    `a = [base64.b64decode(x) for x in sys.argv[1:]]\n${script}\n` +
    `sys.stdout.write(base64.b64encode(out).decode())`,
    ...args.map((a) => Buffer.from(a).toString("base64")),
  ]);
  assert.equal(r.status, 0, r.stderr?.toString());
  return new Uint8Array(Buffer.from(r.stdout.toString(), "base64"));
}

describe("sealed box (crypto_box_seal)", () => {
  it("libsodium opens what we seal, for several message sizes", () => {
    const { secretKey, publicKey } = x25519.keygen();
    for (const size of [0, 1, 63, 64, 65, 1000, 5000]) {
      const message = crypto.getRandomValues(new Uint8Array(size));
      const sealed = sealBox(message, publicKey);
      assert.equal(sealed.length, size + SEAL_OVERHEAD);
      const opened = nacl("out = SealedBox(PrivateKey(a[0])).decrypt(a[1])", secretKey, sealed);
      assert.deepEqual(opened, message);
    }
  });

  it("we open what libsodium seals", () => {
    const { secretKey, publicKey } = x25519.keygen();
    const message = new TextEncoder().encode("-----BEGIN PUBLIC KEY-----\n…");
    const sealed = nacl("out = SealedBox(PublicKey(a[0])).encrypt(a[1])", publicKey, message);
    assert.deepEqual(openSealedBox(sealed, secretKey, publicKey), message);
  });

  it("each seal uses a fresh ephemeral key", () => {
    const { publicKey } = x25519.keygen();
    const m = new TextEncoder().encode("same");
    assert.notDeepEqual(sealBox(m, publicKey), sealBox(m, publicKey));
  });

  it("refuses altered boxes, other keys and wrong key sizes", () => {
    const a = x25519.keygen();
    const b = x25519.keygen();
    const sealed = sealBox(new TextEncoder().encode("x"), a.publicKey);
    const flipped = sealed.slice();
    flipped[40] ^= 1;
    assert.throws(() => openSealedBox(flipped, a.secretKey, a.publicKey), /was not sealed/);
    assert.throws(() => openSealedBox(sealed, b.secretKey, b.publicKey), /was not sealed/);
    assert.throws(() => openSealedBox(sealed.subarray(0, 47), a.secretKey, a.publicKey), /47/);
    assert.throws(
      () => sealBox(new Uint8Array(1), new Uint8Array(31)),
      (e) => e instanceof CosignError && /32 bytes, this one is 31/.test(e.message),
    );
  });
});
