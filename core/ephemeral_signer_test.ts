import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash, createPublicKey, verify } from "node:crypto";
import { ephemeralSigner } from "./ephemeral_signer.ts";

describe("ephemeral signer", () => {
  it("signs messages and digests that node:crypto verifies with its PEM key; keys differ", async () => {
    const s = ephemeralSigner();
    const other = ephemeralSigner();
    const pub = await s.publicKey();
    const key = createPublicKey(pub.pem);
    assert.deepEqual(new Uint8Array(key.export({ type: "spki", format: "der" })), pub.spki);
    assert.notDeepEqual((await other.publicKey()).spki, pub.spki);
    const msg = new TextEncoder().encode("hello keyless");
    const sig = await s.sign(msg);
    assert.equal(sig[0], 0x30, "DER");
    assert.ok(verify("sha256", msg, key, sig));
    const digest = new Uint8Array(createHash("sha256").update(msg).digest());
    assert.ok(verify("sha256", msg, key, await s.signDigest!(digest)));
    assert.ok(!verify("sha256", new TextEncoder().encode("other"), key, sig));
    assert.equal(s.algorithm, "ecdsa-p256-sha256");
    await s.close?.();
    await other.close?.();
  });
});
