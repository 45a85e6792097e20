import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isCosignError } from "../errors.ts";
import { openssl } from "../../tests/helpers/python.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  encodeSpki,
  parsePublicKeyPem,
  parseSpki,
  publicKeyMaterial,
  samePublicKey,
  spkiFromCertificate,
} from "./public_key.ts";
import { pemDecode, pemEncode } from "./pem.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("public_key", () => {
  for (
    const args of [
      ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
      ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"],
      ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"],
      ["-algorithm", "ED25519"],
    ]
  ) {
    it(`SPKI and PEM round-trip as openssl writes them (${args.at(-1)})`, () => {
      const priv = openssl(["genpkey", ...args]);
      const pubPem = text(openssl(["pkey", "-pubout"], priv));
      const key = parsePublicKeyPem(pubPem, "k.pub");
      const material = publicKeyMaterial(key);
      assert.equal(material.pem, pubPem);
      assert.deepEqual(encodeSpki(parseSpki(material.spki)), material.spki);
    });
  }

  it("takes the key from an openssl self-signed certificate", () => {
    const dir = mkdtempSync(join(tmpdir(), "pubkey-"));
    try {
      const keyPath = join(dir, "k.pem");
      writeFileSync(
        keyPath,
        openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]),
      );
      const cert = text(openssl([
        "req",
        "-x509",
        "-new",
        "-key",
        keyPath,
        "-subj",
        "/CN=test",
        "-days",
        "1",
      ]));
      const fromCert = parsePublicKeyPem(cert, "cert.pem");
      const fromKey = parsePublicKeyPem(text(openssl(["pkey", "-in", keyPath, "-pubout"])));
      assert.ok(samePublicKey(fromCert, fromKey));
      assert.deepEqual(spkiFromCertificate(pemDecode(cert)[0].bytes), encodeSpki(fromKey));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads PKCS#1 RSA PUBLIC KEY", () => {
    const priv = openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]);
    const pkcs1 = text(openssl(["rsa", "-RSAPublicKey_out"], priv));
    assert.match(pkcs1, /BEGIN RSA PUBLIC KEY/);
    const spki = text(openssl(["pkey", "-pubout"], priv));
    assert.ok(samePublicKey(parsePublicKeyPem(pkcs1), parsePublicKeyPem(spki)));
  });

  it("rejects points off the curve, bad sizes, wrong labels and garbage", () => {
    const priv = openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]);
    const spki = openssl(["pkey", "-pubout", "-outform", "DER"], priv);
    const offCurve = spki.slice();
    offCurve[offCurve.length - 1] ^= 1;
    const cases: [() => unknown, RegExp][] = [
      [() => parseSpki(offCurve, "x.pub"), /point is invalid/],
      [() => parseSpki(spki.subarray(0, 40), "x.pub"), /not a DER SubjectPublicKeyInfo/],
      [() => parsePublicKeyPem(pemEncode("PRIVATE KEY", spki), "x.pub"), /expected "PUBLIC KEY"/],
      [() => parsePublicKeyPem("not a key", "x.pub"), /no PEM block/],
      [() => parseSpki(new Uint8Array(5000).fill(0x30), "x.pub"), /DER/],
    ];
    for (const [f, pattern] of cases) {
      assert.throws(f, (e: unknown) => {
        assert.ok(isCosignError(e, "KEY"), String(e));
        assert.match(e.message, /x\.pub/);
        assert.match(e.message, pattern);
        return true;
      });
    }
    const dsa = openssl(["genpkey", "-algorithm", "ED448"]);
    const ed448 = text(openssl(["pkey", "-pubout"], dsa));
    assert.throws(() => parsePublicKeyPem(ed448), (e) => isCosignError(e, "UNSUPPORTED"));
  });

  it("rejects too-small RSA moduli", () => {
    const priv = openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:512"]);
    const pub = text(openssl(["pkey", "-pubout"], priv));
    assert.throws(() => parsePublicKeyPem(pub, "small.pub"), /512 bits is not supported/);
  });
});
