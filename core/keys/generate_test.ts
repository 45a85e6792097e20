import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { openssl } from "../../tests/helpers/python.ts";
import { generateEcdsaP256 } from "./generate.ts";
import { parsePkcs8 } from "./private_key.ts";

describe("generate", () => {
  it("makes distinct P-256 keys that openssl reads, with matching public halves", async () => {
    const a = generateEcdsaP256(), b = generateEcdsaP256();
    assert.notDeepEqual(a.pkcs8, b.pkcs8);
    assert.equal(a.signer.algorithm, "ecdsa-p256-sha256");
    const text = new TextDecoder().decode(
      openssl(["pkey", "-inform", "DER", "-noout", "-text"], a.pkcs8),
    );
    assert.match(text, /NIST CURVE: P-256/);
    const pub = new TextDecoder().decode(openssl(["pkey", "-inform", "DER", "-pubout"], a.pkcs8));
    assert.equal((await a.signer.publicKey()).pem, pub);
    assert.deepEqual(parsePkcs8(a.pkcs8), a.key);
  });
});
