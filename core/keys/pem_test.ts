import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isCosignError } from "../errors.ts";
import { openssl } from "../../tests/helpers/python.ts";
import { pemDecode, pemEncode, pemFind } from "./pem.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("pem", () => {
  it("encodes exactly as openssl writes a public key", () => {
    const priv = openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]);
    const pem = text(openssl(["pkey", "-pubout"], priv));
    const der = openssl(["pkey", "-pubout", "-outform", "DER"], priv);
    assert.equal(pemEncode("PUBLIC KEY", der), pem);
    const [b] = pemDecode(pem);
    assert.equal(b.label, "PUBLIC KEY");
    assert.deepEqual(b.bytes, der);
  });

  it("reads several blocks in order, with CRLF, surrounding text and headers", () => {
    const a = pemEncode("EC PARAMETERS", new Uint8Array([6, 8, 42]));
    const b = pemEncode("EC PRIVATE KEY", new Uint8Array(70).fill(7));
    const withHeaders =
      "-----BEGIN X-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES\n\nAQID\n-----END X-----\n";
    const all = ("intro text\n" + a + "between\n" + b + withHeaders).replace(/\n/g, "\r\n");
    const blocks = pemDecode(all);
    assert.deepEqual(blocks.map((x) => x.label), ["EC PARAMETERS", "EC PRIVATE KEY", "X"]);
    assert.deepEqual(blocks[1].bytes, new Uint8Array(70).fill(7));
    assert.equal(blocks[2].headers["Proc-Type"], "4,ENCRYPTED");
    assert.deepEqual(blocks[2].bytes, new Uint8Array([1, 2, 3]));
    assert.equal(pemFind(all, ["EC PRIVATE KEY"]).bytes.length, 70);
  });

  it("gives clear KEY errors for garbage", () => {
    const cases: [string, RegExp][] = [
      ["", /no PEM block/],
      ["just text", /no PEM block/],
      ["-----BEGIN A-----\nAAAA\n-----END B-----\n", /BEGIN A ends with END B/],
      ["-----BEGIN A-----\n%%%%\n-----END A-----\n", /not valid base64/],
      ["-----BEGIN A-----\nAAA\n-----END A-----\n", /not valid base64/],
    ];
    for (const [input, pattern] of cases) {
      assert.throws(() => pemDecode(input, "f.pem"), (e: unknown) => {
        assert.ok(isCosignError(e, "KEY"));
        assert.match(e.message, /f\.pem/);
        assert.match(e.message, pattern);
        return true;
      });
    }
    assert.throws(
      () => pemFind(pemEncode("CERTIFICATE", new Uint8Array(3)), ["PUBLIC KEY"], "f"),
      /found PEM "CERTIFICATE", expected "PUBLIC KEY"/,
    );
  });
});
