import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { base64 } from "@scure/base";
import { isCosignError } from "../errors.ts";
import {
  decryptPrivateKey,
  ENCRYPTED_COSIGN_LABEL,
  encryptPrivateKey,
  parseEncryptedKey,
} from "./encrypted_key.ts";
import { pemDecode, pemEncode } from "./pem.ts";
import { signerFromPkcs8 } from "./signer.ts";
import {
  openssl,
  opensslStatus,
  pythonDecryptCosignKey,
  pythonEncryptCosignKey,
} from "../../tests/helpers/python.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

function opensslPkcs8(alg: string[]): Uint8Array {
  const pem = openssl(["genpkey", ...alg]);
  return openssl(["pkcs8", "-topk8", "-nocrypt", "-outform", "DER"], pem);
}

// deno-lint-ignore no-explicit-any
type Json = any;

function rewrap(pem: string, edit: (env: Json) => void): string {
  const [b] = pemDecode(pem);
  const env = JSON.parse(new TextDecoder().decode(b.bytes));
  edit(env);
  return pemEncode(b.label, new TextEncoder().encode(JSON.stringify(env)));
}

function rejectsFast(f: () => unknown, code: string, pattern: RegExp): void {
  const t = performance.now();
  assert.throws(f, (e: unknown) => {
    assert.ok(isCosignError(e), `not a CosignError: ${e}`);
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    return true;
  });
  assert.ok(performance.now() - t < 250, "rejection must not derive a key");
}

describe("encrypted_key", () => {
  const p256 = opensslPkcs8(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]);

  it("round-trips and writes cosign's envelope (checked by Python + libsodium)", () => {
    const pem = encryptPrivateKey(p256, "correct horse");
    assert.match(pem, /^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/);
    for (const line of pem.trim().split("\n").slice(1, -1)) assert.ok(line.length <= 64);
    assert.deepEqual(decryptPrivateKey(pem, "correct horse"), p256);
    const py = pythonDecryptCosignKey(pem, "correct horse");
    assert.deepEqual(py.pkcs8, p256);
    assert.deepEqual(py.info, {
      label: "ENCRYPTED SIGSTORE PRIVATE KEY",
      N: 65536,
      r: 8,
      p: 1,
    });
  });

  it("encrypts with an empty and a non-ASCII password as Python does", () => {
    for (const pw of ["", "pässwörd ✓"]) {
      const pem = encryptPrivateKey(p256, pw, { N: 32768 });
      assert.deepEqual(pythonDecryptCosignKey(pem, pw).pkcs8, p256);
    }
  });

  for (const N of [32768, 65536, 131072]) {
    for (const label of ["ENCRYPTED SIGSTORE PRIVATE KEY", ENCRYPTED_COSIGN_LABEL]) {
      it(`reads Python-encrypted keys: N=${N}, ${label}`, () => {
        const der = N === 65536
          ? opensslPkcs8(["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])
          : N === 32768
          ? opensslPkcs8(["-algorithm", "ED25519"])
          : opensslPkcs8(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]);
        const pem = pythonEncryptCosignKey(der, "pw", { N, label });
        assert.deepEqual(decryptPrivateKey(pem, "pw", "py.key"), der);
      });
    }
  }

  it("signs with a Python-encrypted key and openssl verifies the signature", async () => {
    const der = opensslPkcs8(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]);
    const pem = pythonEncryptCosignKey(der, "pw", { label: ENCRYPTED_COSIGN_LABEL });
    const signer = signerFromPkcs8(decryptPrivateKey(pem, "pw"));
    const data = new TextEncoder().encode("payload");
    const sig = await signer.sign(data);
    const dir = mkdtempSync(join(tmpdir(), "enc-key-"));
    try {
      writeFileSync(join(dir, "pub.pem"), (await signer.publicKey()).pem);
      writeFileSync(join(dir, "sig"), sig);
      writeFileSync(join(dir, "data"), data);
      const pubFromOpenssl = openssl(["pkey", "-inform", "DER", "-pubout"], der);
      assert.equal(new TextDecoder().decode(pubFromOpenssl), (await signer.publicKey()).pem);
      assert.equal(
        opensslStatus([
          "dgst",
          "-sha256",
          "-verify",
          join(dir, "pub.pem"),
          "-signature",
          join(dir, "sig"),
          join(dir, "data"),
        ]),
        0,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects a wrong password with KEY_PASSWORD", () => {
    const pem = encryptPrivateKey(p256, "right", { N: 32768 });
    assert.throws(() => decryptPrivateKey(pem, "wrong", "cosign.key"), (e: unknown) => {
      assert.ok(isCosignError(e, "KEY_PASSWORD"));
      assert.equal(e.message, 'Cannot decrypt private key "cosign.key": wrong password');
      return true;
    });
  });

  it("rejects hostile KDF parameters before deriving anything", () => {
    const good = encryptPrivateKey(p256, "pw", { N: 32768 });
    for (const [N, r, p] of [[1 << 20, 8, 1], [2 ** 31, 8, 1], [65536, 16, 1], [65536, 8, 2]]) {
      const pem = rewrap(good, (e) => (e.kdf.params = { N, r, p }));
      rejectsFast(() => decryptPrivateKey(pem, "pw", "k"), "KEY", /scrypt parameters/);
      const py = pythonEncryptCosignKey(p256, "pw", { N, r, p });
      rejectsFast(() => decryptPrivateKey(py, "pw", "k"), "KEY", /not accepted/);
    }
    for (const N of ["65536", -1, 65536.5, null]) {
      const pem = rewrap(good, (e) => (e.kdf.params.N = N));
      rejectsFast(() => decryptPrivateKey(pem, "pw", "k"), "KEY", /scrypt parameters/);
    }
    const argon = pythonEncryptCosignKey(p256, "pw", { kdf: "argon2" });
    rejectsFast(() => decryptPrivateKey(argon, "pw"), "KEY", /KDF "argon2"/);
    const aes = pythonEncryptCosignKey(p256, "pw", { cipher: "aes-gcm" });
    rejectsFast(() => decryptPrivateKey(aes, "pw"), "KEY", /cipher "aes-gcm"/);
  });

  it("rejects corrupt base64, JSON, fields and truncated ciphertext with clear errors", () => {
    const good = encryptPrivateKey(p256, "pw", { N: 32768 });
    const label = "ENCRYPTED SIGSTORE PRIVATE KEY";
    const cases: [string, RegExp][] = [
      [`-----BEGIN ${label}-----\n@@@not base64@@@\n-----END ${label}-----\n`, /base64/],
      [pemEncode(label, new TextEncoder().encode("{not json")), /not valid JSON/],
      [pemEncode(label, new TextEncoder().encode("[1,2]")), /not a JSON object/],
      [rewrap(good, (e) => delete e.kdf), /"kdf" is missing/],
      [rewrap(good, (e) => (e.kdf.salt = "!!")), /"salt" is not valid base64/],
      [rewrap(good, (e) => (e.cipher.nonce = base64.encode(new Uint8Array(12)))), /nonce/],
      [rewrap(good, (e) => (e.ciphertext = e.ciphertext.slice(0, 8))), /truncated|base64/],
      [rewrap(good, (e) => (e.ciphertext = base64.encode(new Uint8Array(10)))), /truncated/],
      [pemEncode("PUBLIC KEY", new Uint8Array(3)), /expected "ENCRYPTED SIGSTORE/],
      ["garbage", /no PEM block/],
      [good.slice(0, 60), /no PEM block/],
    ];
    for (const [pem, pattern] of cases) {
      rejectsFast(() => decryptPrivateKey(pem, "pw", "k"), "KEY", pattern);
    }
    // A flipped ciphertext byte fails authentication: reported as a wrong password.
    const tampered = rewrap(good, (e) => {
      const ct = base64.decode(e.ciphertext);
      ct[ct.length - 1] ^= 1;
      e.ciphertext = base64.encode(ct);
    });
    assert.throws(() => decryptPrivateKey(tampered, "pw"), (e) => isCosignError(e, "KEY_PASSWORD"));
  });

  it("exposes the parsed envelope", () => {
    const env = parseEncryptedKey(encryptPrivateKey(p256, "pw", { N: 131072 }));
    assert.equal(env.N, 131072);
    assert.equal(env.salt.length, 32);
    assert.equal(env.nonce.length, 24);
    assert.equal(env.ciphertext.length, p256.length + 16);
  });

  it("refuses to write parameters cosign would not read", () => {
    assert.throws(() => encryptPrivateKey(p256, "pw", { N: 1024 }), (e) => isCosignError(e, "KEY"));
  });
});
