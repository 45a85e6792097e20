import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sha256 } from "@noble/hashes/sha2.js";
import { p256 } from "@noble/curves/nist.js";
import { isCosignError } from "../errors.ts";
import { openssl } from "../../tests/helpers/python.ts";
import { verifierFromPem, verifierFromSpki } from "./verifier.ts";
import { signerFromPrivateKeyPem } from "./signer.ts";
import { pemDecode } from "./pem.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("verifier", () => {
  const dir = mkdtempSync(join(tmpdir(), "verifier-"));
  const data = new TextEncoder().encode("signed by openssl\n");
  const dataPath = join(dir, "data");
  writeFileSync(dataPath, data);

  function keyFile(args: string[]): { path: string; pem: string; pub: string } {
    const pem = text(openssl(["genpkey", ...args]));
    const path = join(dir, `k${Math.random().toString(36).slice(2)}.pem`);
    writeFileSync(path, pem);
    return { path, pem, pub: text(openssl(["pkey", "-pubout"], pem)) };
  }

  const cases: [string, string[], string[]][] = [
    ["P-256/SHA-256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], ["-sha256"]],
    ["P-384/SHA-256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"], ["-sha256"]],
    ["P-384/SHA-384", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"], ["-sha384"]],
    ["P-521/SHA-512", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"], ["-sha512"]],
    ["RSA PKCS#1", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], ["-sha256"]],
  ];
  for (const [name, args, dgst] of cases) {
    it(`${name}: verifies openssl signatures, rejects tampered ones`, async () => {
      const k = keyFile(args);
      const v = verifierFromPem(k.pub);
      for (let i = 0; i < 4; i++) { // several: openssl's ECDSA gives high-S about half the time
        const sig = openssl(["dgst", ...dgst, "-sign", k.path, dataPath]);
        assert.ok(await v.verify(data, sig), `signature ${i}`);
        const bad = sig.slice();
        bad[bad.length - 3] ^= 0x10;
        assert.equal(await v.verify(data, bad), false);
        assert.equal(await v.verify(new TextEncoder().encode("other"), sig), false);
      }
      if (dgst[0] === "-sha256") {
        const sig = openssl(["dgst", "-sha256", "-sign", k.path, dataPath]);
        assert.ok(await v.verifyDigest!(sha256(data), sig));
      }
    });
  }

  it("RSA-PSS with rsaPss: any salt length verifies; PKCS#1 verifier refuses PSS", async () => {
    const k = keyFile(["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]);
    const pss = verifierFromPem(k.pub, { rsaPss: true });
    const pkcs1 = verifierFromPem(k.pub);
    for (const salt of ["32", "0", "max"]) {
      const sig = openssl([
        "dgst",
        "-sha256",
        "-sigopt",
        "rsa_padding_mode:pss",
        "-sigopt",
        `rsa_pss_saltlen:${salt}`,
        "-sign",
        k.path,
        dataPath,
      ]);
      assert.ok(await pss.verify(data, sig), `salt ${salt}`);
      assert.equal(await pkcs1.verify(data, sig), false);
    }
  });

  it("Ed25519: verifies openssl's signature, rejects a changed one", async () => {
    const k = keyFile(["-algorithm", "ED25519"]);
    const sig = openssl(["pkeyutl", "-sign", "-inkey", k.path, "-rawin", "-in", dataPath]);
    const v = verifierFromPem(k.pub);
    assert.equal(v.hash, undefined);
    assert.equal(v.verifyDigest, undefined);
    assert.ok(await v.verify(data, sig));
    const bad = sig.slice();
    bad[10] ^= 1;
    assert.equal(await v.verify(data, bad), false);
  });

  it("accepts both low-S and high-S forms of an ECDSA signature", async () => {
    const k = keyFile(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]);
    const s = signerFromPrivateKeyPem(k.pem);
    const low = await s.sign(data);
    const sig = p256.Signature.fromBytes(low, "der");
    const high = new p256.Signature(sig.r, p256.Point.CURVE().n - sig.s).toBytes("der");
    const v = verifierFromSpki(pemDecode(k.pub)[0].bytes);
    assert.ok(await v.verify(data, low));
    assert.ok(await v.verify(data, high));
  });

  it("never throws for garbage signatures", async () => {
    for (
      const args of [
        ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
        ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        ["-algorithm", "ED25519"],
      ]
    ) {
      const v = verifierFromPem(keyFile(args).pub);
      for (
        const sig of [
          new Uint8Array(0),
          new Uint8Array([0x30]),
          new Uint8Array(64),
          new Uint8Array(256).fill(0xff),
          new Uint8Array(100_000).fill(0x30),
        ]
      ) {
        assert.equal(await v.verify(data, sig), false);
        if (v.verifyDigest) assert.equal(await v.verifyDigest(sha256(data), sig), false);
      }
    }
  });

  it("verifies with a certificate's key", async () => {
    const k = keyFile(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]);
    const cert = text(
      openssl(["req", "-x509", "-new", "-key", k.path, "-subj", "/CN=v", "-days", "1"]),
    );
    const sig = openssl(["dgst", "-sha256", "-sign", k.path, dataPath]);
    assert.ok(await verifierFromPem(cert).verify(data, sig));
  });

  it("rejects a malformed key with a KEY error naming it", () => {
    assert.throws(() => verifierFromPem("nope", { name: "bad.pub" }), (e: unknown) => {
      assert.ok(isCosignError(e, "KEY"));
      assert.match(e.message, /bad\.pub/);
      return true;
    });
  });

  it("cleans up", () => rmSync(dir, { recursive: true, force: true }));
});
