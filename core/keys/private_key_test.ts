import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isCosignError } from "../errors.ts";
import { openssl } from "../../tests/helpers/python.ts";
import {
  parsePkcs1,
  parsePkcs8,
  parsePrivateKeyPem,
  parseSec1,
  privateKeyToPkcs8,
  publicKeyOf,
} from "./private_key.ts";
import { encodeSpki } from "./public_key.ts";
import { pemDecode } from "./pem.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

const KINDS: [string, string[]][] = [
  ["P-256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]],
  ["P-384", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]],
  ["P-521", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"]],
  ["RSA-2048", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]],
  ["Ed25519", ["-algorithm", "ED25519"]],
];

describe("private_key", () => {
  for (const [kind, args] of KINDS) {
    it(`${kind}: PKCS#8 and public key match openssl byte for byte`, () => {
      const pem = text(openssl(["genpkey", ...args]));
      const key = parsePrivateKeyPem(pem, "k.pem");
      const pkcs8 = openssl(["pkcs8", "-topk8", "-nocrypt", "-outform", "DER"], pem);
      assert.deepEqual(privateKeyToPkcs8(key), pkcs8);
      assert.deepEqual(parsePkcs8(pkcs8), key);
      const spki = openssl(["pkey", "-pubout", "-outform", "DER"], pem);
      assert.deepEqual(encodeSpki(publicKeyOf(key)), spki);
      if (kind.startsWith("P-")) {
        const sec1Pem = text(openssl(["ec"], pem));
        assert.match(sec1Pem, /BEGIN EC PRIVATE KEY/);
        assert.deepEqual(parsePrivateKeyPem(sec1Pem), key);
        assert.deepEqual(parseSec1(pemDecode(sec1Pem)[0].bytes), key);
      }
      if (kind.startsWith("RSA")) {
        const pkcs1Pem = text(openssl(["rsa", "-traditional"], pem));
        assert.match(pkcs1Pem, /BEGIN RSA PRIVATE KEY/);
        assert.deepEqual(parsePrivateKeyPem(pkcs1Pem), key);
        assert.deepEqual(parsePkcs1(pemDecode(pkcs1Pem)[0].bytes), key);
      }
    });
  }

  it("reads `openssl ecparam -genkey` output (EC PARAMETERS block first)", () => {
    const pem = text(openssl(["ecparam", "-name", "prime256v1", "-genkey"]));
    assert.match(pem, /EC PARAMETERS/);
    const key = parsePrivateKeyPem(pem);
    assert.equal(key.type, "ec");
  });

  it("rejects unsupported curves and algorithms with UNSUPPORTED", () => {
    for (
      const args of [
        ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1"],
        ["-algorithm", "ED448"],
        ["-algorithm", "X25519"],
      ]
    ) {
      const pem = text(openssl(["genpkey", ...args]));
      assert.throws(() => parsePrivateKeyPem(pem, "odd.pem"), (e: unknown) => {
        assert.ok(isCosignError(e, "UNSUPPORTED"), String(e));
        assert.match(e.message, /odd\.pem.*not supported/);
        return true;
      });
    }
  });

  it("rejects truncated, tampered and wrong-type input with KEY errors", () => {
    const pem = text(openssl(["genpkey", ...KINDS[3][1]]));
    const der = pemDecode(pem)[0].bytes;
    const bad: [() => unknown, RegExp][] = [
      [() => parsePkcs8(der.subarray(0, der.length - 10), "t"), /truncated/],
      [() => parsePkcs8(new Uint8Array([0x30, 0x80, 0, 0]), "t"), /indefinite/],
      [() => parsePkcs8(new Uint8Array(0), "t"), /truncated/],
      [() => parsePrivateKeyPem("hello", "t"), /no PEM block/],
      [
        () => parsePrivateKeyPem(text(openssl(["pkey", "-pubout"], pem)), "t"),
        /found PEM "PUBLIC KEY"/,
      ],
      [
        () =>
          parsePrivateKeyPem(
            text(openssl(["pkcs8", "-topk8", "-passout", "pass:x"], pem)),
            "t",
          ),
        /ENCRYPTED PRIVATE KEY/,
      ],
    ];
    for (const [f, pattern] of bad) {
      assert.throws(f, (e: unknown) => {
        assert.ok(isCosignError(e, "KEY"), String(e));
        assert.match(e.message, /"t"/);
        assert.match(e.message, pattern);
        return true;
      });
    }
    // Flip a byte inside the RSA prime q: the CRT consistency check catches it.
    const rsa = parsePrivateKeyPem(pem);
    if (rsa.type !== "rsa") throw new Error("expected RSA");
    const tampered = privateKeyToPkcs8({ ...rsa, q: rsa.q + 2n });
    assert.throws(() => parsePkcs8(tampered, "t"), (e) => isCosignError(e, "KEY"));
  });

  it("rejects an EC scalar out of range", () => {
    const pem = text(openssl(["genpkey", ...KINDS[0][1]]));
    const key = parsePrivateKeyPem(pem);
    if (key.type !== "ec") throw new Error("expected EC");
    const zero = privateKeyToPkcs8({ ...key, d: new Uint8Array(32) });
    assert.throws(() => parsePkcs8(zero, "z"), /out of range/);
  });
});
