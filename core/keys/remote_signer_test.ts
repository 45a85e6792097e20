import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { p256, p384 } from "@noble/curves/nist.js";
import { sha256, sha384 } from "@noble/hashes/sha2.js";
import { ecdsaDerToRaw, ecdsaRawToDer, remoteSigner, remoteVerifier } from "./remote_signer.ts";
import { publicKeyMaterial } from "./public_key.ts";
import { generateEcdsaP256 } from "./generate.ts";
import { isCosignError } from "../errors.ts";

const msg = new TextEncoder().encode("remote signing");

/** A "service" holding a P-384 key that signs SHA-384 digests and answers raw r‖s. */
function p384Service() {
  const secret = p384.utils.randomSecretKey();
  const point = p384.getPublicKey(secret, false);
  const calls: Uint8Array[] = [];
  return {
    calls,
    material: publicKeyMaterial({ type: "ec", curve: "P-384", point }),
    signRaw(digest: Uint8Array): Promise<Uint8Array> {
      calls.push(digest);
      return Promise.resolve(p384.sign(digest, secret, { prehash: false, format: "compact" }));
    },
  };
}

describe("remote signer", () => {
  it("hashes with the service's hash, sends only the digest, and verifies locally", async () => {
    const svc = p384Service();
    const signer = remoteSigner({
      publicKey: svc.material,
      hash: "sha384",
      signDigest: async (d) => ecdsaRawToDer(await svc.signRaw(d)),
    });
    assert.equal(signer.algorithm, "ecdsa-p384-sha384");
    assert.equal(signer.hash, "sha384");
    const sig = await signer.sign(msg);
    assert.deepEqual(svc.calls[0], sha384(msg));
    const v = remoteVerifier(await signer.publicKey(), { hash: "sha384" });
    assert.equal(await v.verify(msg, sig), true);
    assert.equal(await v.verifyDigest!(sha384(msg), sig), true);
    assert.equal(await v.verify(new TextEncoder().encode("other"), sig), false);
    // A SHA-256 verifier of the same key does not accept it.
    assert.equal(await remoteVerifier(svc.material).verify(msg, sig), false);
    await assert.rejects(signer.signDigest!(sha256(msg)), (e) => isCosignError(e, "INTERNAL"));
  });

  it("checkSignatures refuses a service's signature that does not verify", async () => {
    const svc = p384Service();
    const garbage = remoteSigner({
      publicKey: svc.material,
      hash: "sha384",
      signDigest: () => Promise.resolve(new Uint8Array([0x30, 0x06, 2, 1, 1, 2, 1, 1])),
      checkSignatures: { service: "Vault", keyRef: "hashivault://k" },
    });
    await assert.rejects(
      garbage.sign(msg),
      (e) =>
        isCosignError(e, "NETWORK") &&
        /Vault answered a signature that does not verify/.test(e.message),
    );
    const good = remoteSigner({
      publicKey: svc.material,
      hash: "sha384",
      signDigest: async (d) => ecdsaRawToDer(await svc.signRaw(d)),
      checkSignatures: { service: "Vault", keyRef: "hashivault://k" },
    });
    assert.equal((await good.sign(msg))[0], 0x30);
  });

  it("remote verification is used when the provider gives one", async () => {
    const local = generateEcdsaP256().signer;
    const seen: Uint8Array[] = [];
    const v = remoteVerifier(await local.publicKey(), {
      verifyDigest: (d) => {
        seen.push(d);
        return Promise.resolve(false);
      },
    });
    assert.equal(await v.verify(msg, await local.sign(msg)), false);
    assert.deepEqual(seen[0], sha256(msg));
  });

  it("converts raw r‖s to DER and back for each curve, rejecting odd lengths", () => {
    const secret = p256.utils.randomSecretKey();
    const raw = p256.sign(sha256(msg), secret, { prehash: false, format: "compact" });
    const der = ecdsaRawToDer(raw);
    assert.equal(der[0], 0x30);
    assert.equal(
      p256.verify(der, sha256(msg), p256.getPublicKey(secret), { prehash: false, format: "der" }),
      true,
    );
    assert.deepEqual(ecdsaDerToRaw(der, "P-256"), raw);
    assert.throws(
      () => ecdsaRawToDer(new Uint8Array(63)),
      (e) => isCosignError(e, "INVALID_INPUT"),
    );
    assert.throws(
      () => ecdsaDerToRaw(new Uint8Array([1, 2]), "P-256"),
      (e) => isCosignError(e, "INVALID_INPUT"),
    );
  });

  it("Ed25519-style services sign whole messages; a signer needs one operation", async () => {
    const local = generateEcdsaP256().signer;
    const s = remoteSigner({ publicKey: await local.publicKey(), signMessage: local.sign });
    assert.equal(s.hash, undefined);
    assert.equal(s.signDigest, undefined);
    assert.equal(await remoteVerifier(await s.publicKey()).verify(msg, await s.sign(msg)), true);
    const pub = await s.publicKey();
    assert.throws(() => remoteSigner({ publicKey: pub }), (e) => isCosignError(e, "INTERNAL"));
  });
});
