/**
 * WebCrypto signing against the @noble fallback: for every curve the same key signs the same
 * message and digest to the same bytes on both paths (RFC 6979), each signature verifies with
 * @noble and with WebCrypto (both ways), S is low, and the public point agrees with @noble's.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToBigint } from "./der.ts";
import { curveImpl, type EcCurve } from "./public_key.ts";
import { ecPrivateKey, ed25519PrivateKey, privateKeyToPkcs8 } from "./private_key.ts";
import { ecdsaSigning, ed25519Signing } from "./webcrypto_signing.ts";
import { signerFromPrivateKey } from "./signer.ts";

const CURVES: EcCurve[] = ["P-256", "P-384", "P-521"];
const msg = new TextEncoder().encode("cosign-ts: the same answer on every path\n");

/** WebCrypto's verdict on a DER ECDSA signature over SHA-256(msg). */
async function webVerifies(curve: EcCurve, point: Uint8Array, der: Uint8Array, data: Uint8Array) {
  const key = await crypto.subtle.importKey(
    "raw",
    point as Uint8Array<ArrayBuffer>,
    { name: "ECDSA", namedCurve: curve },
    false,
    ["verify"],
  );
  const sig = curveImpl(curve).Signature.fromBytes(der, "der").toBytes("compact");
  return await crypto.subtle.verify(
    { name: "ECDSA", hash: "SHA-256" },
    key,
    sig as Uint8Array<ArrayBuffer>,
    data as Uint8Array<ArrayBuffer>,
  );
}

describe("WebCrypto signing with the @noble fallback", () => {
  for (const curve of CURVES) {
    it(`${curve}: both paths give @noble's bytes; both verify either way; low S`, async () => {
      const impl = curveImpl(curve);
      for (let i = 0; i < 4; i++) {
        const d = impl.utils.randomSecretKey();
        const nobleDer = impl.sign(sha256(msg), d, { prehash: false, lowS: true, format: "der" });
        const point = impl.getPublicKey(d, false);
        const web = ecdsaSigning(curve, d, () => point);
        const noble = ecdsaSigning(curve, d, () => point, true);
        assert.equal(await web.path(), "webcrypto");
        assert.equal(await noble.path(), "noble");
        assert.deepEqual(await web.point(), point);
        const a = await web.sign(msg);
        const b = await noble.sign(msg);
        assert.deepEqual(a, nobleDer);
        assert.deepEqual(b, nobleDer);
        assert.deepEqual(await web.signDigest(sha256(msg)), nobleDer);
        for (const der of [a, b]) {
          assert.ok(impl.verify(der, sha256(msg), point, { prehash: false, format: "der" }));
          assert.ok(await webVerifies(curve, point, der, msg));
          assert.equal(await webVerifies(curve, point, der, new Uint8Array([...msg, 0])), false);
          const s = impl.Signature.fromBytes(der, "der").s;
          assert.ok(s <= impl.Point.CURVE().n >> 1n, "low S");
        }
        await assert.rejects(web.signDigest(new Uint8Array(20)), /expects a SHA-256 digest/);
      }
    });
  }

  it("a parsed EC key: WebCrypto and @noble signers agree (signature, public key); its lazily derived point is right", async () => {
    const d = curveImpl("P-256").utils.randomSecretKey();
    const key = ecPrivateKey("P-256", d);
    const web = signerFromPrivateKey(key);
    const noble = signerFromPrivateKey(ecPrivateKey("P-256", d), { nobleOnly: true });
    assert.deepEqual(await web.sign(msg), await noble.sign(msg));
    assert.deepEqual((await web.publicKey()).spki, (await noble.publicKey()).spki);
    assert.deepEqual(
      bytesToBigint(key.point.subarray(1, 33)),
      bytesToBigint(curveImpl("P-256").getPublicKey(d, false).subarray(1, 33)),
    );
  });

  it("Ed25519: WebCrypto and @noble give the same bytes", async () => {
    const key = ed25519PrivateKey(crypto.getRandomValues(new Uint8Array(32)));
    const web = ed25519Signing(key.seed, privateKeyToPkcs8(key));
    const noble = ed25519Signing(key.seed, privateKeyToPkcs8(key), true);
    assert.equal(await noble.path(), "noble");
    assert.deepEqual(await web.sign(msg), await noble.sign(msg));
  });
});
