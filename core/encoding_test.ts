import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { isCosignError } from "./errors.ts";
import {
  base64Decode,
  base64Encode,
  base64urlDecode,
  base64urlEncode,
  derToPem,
  fromHex,
  pemToDer,
  shortNumber,
  toHex,
  tryFromHex,
} from "./encoding.ts";

describe("core/encoding", () => {
  const bytes = new Uint8Array([0, 1, 127, 128, 250, 251, 252, 253, 254, 255]);

  it("hex round-trips and agrees with Buffer", () => {
    assert.equal(toHex(bytes), Buffer.from(bytes).toString("hex"));
    assert.deepEqual(fromHex("00017F80FAFBFCFDFEFF"), bytes);
    assert.equal(tryFromHex("abc"), undefined);
    assert.equal(tryFromHex("zz"), undefined);
    assert.throws(() => fromHex("0g"));
  });

  it("base64 and base64url agree with Buffer", () => {
    assert.equal(base64Encode(bytes), Buffer.from(bytes).toString("base64"));
    assert.deepEqual(
      base64Decode(Buffer.from(bytes).toString("base64").replace(/(.{4})/g, "$1\n")),
      bytes,
    );
    assert.equal(base64urlEncode(bytes), Buffer.from(bytes).toString("base64url"));
    assert.deepEqual(base64urlDecode(Buffer.from(bytes).toString("base64url")), bytes);
    assert.deepEqual(base64urlDecode(Buffer.from(bytes).toString("base64url") + "=="), bytes);
    assert.throws(() => base64urlDecode("a+b/"));
  });

  it("PEM and DER round-trip, picking the block by label", () => {
    const der = new Uint8Array(100).map((_, i) => i);
    const pem = derToPem("CERTIFICATE", der);
    assert.match(
      pem,
      /^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n$/,
    );
    assert.deepEqual(pemToDer(pem), der);
    const two = derToPem("PUBLIC KEY", new Uint8Array([1])) + pem;
    assert.deepEqual(pemToDer(two, "CERTIFICATE"), der);
    assert.throws(
      () => pemToDer(pem, "PUBLIC KEY", "x.pem"),
      (e: unknown) =>
        isCosignError(e, "KEY") && /"x\.pem": it contains no PUBLIC KEY PEM block/.test(e.message),
    );
  });

  it("shortNumber keeps short numbers and shortens huge ones", () => {
    assert.equal(shortNumber(65537n), "65537");
    assert.equal(shortNumber(12), "12");
    const huge = (1n << 4096n) + 0xbeefn;
    const s = shortNumber(huge);
    assert.equal(s, "a 4097-bit number (0x1000…beef)");
    assert.ok(s.length < 40);
    assert.equal(shortNumber(-huge), "a 4097-bit number (-0x1000…beef)");
  });
});
