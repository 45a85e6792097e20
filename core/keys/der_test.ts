import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isCosignError } from "../errors.ts";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openssl } from "../../tests/helpers/python.ts";
import {
  bigintToBytes,
  bytesToBigint,
  DER,
  derChildren,
  derEncode,
  derInteger,
  derOid,
  derRead,
  derReadAll,
  derReadUint,
  oidToString,
} from "./der.ts";

describe("der", () => {
  it("writes what openssl's ASN.1 generator writes", () => {
    const cfg = "asn1=SEQUENCE:s\n[s]\na=INTEGER:0x00FF\nb=OID:1.2.840.10045.3.1.7\nc=NULL\n" +
      "d=OCTETSTRING:" + "x".repeat(200) + "\ne=INTEGER:-0\n";
    const dir = mkdtempSync(join(tmpdir(), "der-"));
    let fromOpenssl: Uint8Array;
    try {
      writeFileSync(join(dir, "cfg"), cfg);
      openssl(["asn1parse", "-genconf", join(dir, "cfg"), "-out", join(dir, "out"), "-noout"]);
      fromOpenssl = new Uint8Array(readFileSync(join(dir, "out")));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const ours = derEncode(
      DER.SEQUENCE,
      derInteger(255n),
      derOid("1.2.840.10045.3.1.7"),
      derEncode(DER.NULL),
      derEncode(DER.OCTET_STRING, new TextEncoder().encode("x".repeat(200))),
      derInteger(0n),
    );
    assert.deepEqual(ours, fromOpenssl);
    const kids = derChildren(derReadAll(ours).value);
    assert.equal(derReadUint(kids[0], "a"), 255n);
    assert.equal(oidToString(kids[1].value), "1.2.840.10045.3.1.7");
    assert.equal(kids[3].value.length, 200);
  });

  it("round-trips big integers", () => {
    for (const n of [0n, 1n, 127n, 128n, 255n, 256n, (1n << 2048n) - 1n]) {
      assert.equal(bytesToBigint(bigintToBytes(n)), n);
      assert.equal(derReadUint(derReadAll(derInteger(n)), "n"), n);
    }
    assert.deepEqual(bigintToBytes(1n, 4), new Uint8Array([0, 0, 0, 1]));
  });

  it("rejects truncated, indefinite, non-minimal and trailing input", () => {
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array([0x30]), /truncated/],
      [new Uint8Array([0x30, 0x05, 1]), /truncated content/],
      [new Uint8Array([0x30, 0x80]), /indefinite/],
      [new Uint8Array([0x30, 0x81, 0x05, 0, 0, 0, 0, 0]), /non-minimal/],
      [new Uint8Array([0x30, 0x85, 1, 1, 1, 1, 1]), /too large/],
      [new Uint8Array([0x1f, 0x01, 0]), /multi-byte/],
      [new Uint8Array([0x05, 0x00, 0x00]), /trailing/],
    ];
    for (const [bytes, pattern] of cases) {
      assert.throws(() => derReadAll(bytes), (e: unknown) => {
        assert.ok(isCosignError(e, "INVALID_INPUT"));
        assert.match(e.message, pattern);
        return true;
      });
    }
    assert.throws(() => derReadUint(derRead(new Uint8Array([2, 1, 0x80])), "x"), /negative/);
    assert.throws(() => derReadUint(derRead(new Uint8Array([2, 2, 0, 1])), "x"), /non-minimal/);
  });
  it("reads object identifiers to the same text on the fast and the BigInt path", () => {
    const oids = [
      "0.0",
      "0.39",
      "1.2.840.10045.3.1.7",
      "1.3.6.1.4.1.57264.1.8",
      "2.5.29.37",
      "2.999.1",
      "2.100000000000",
      "1.2.70368744177663", // 2^46 - 1: the largest arc the number path reads
      "1.2.70368744177664.7", // 2^46: read through BigInt from here
      "1.2.9007199254740993", // 2^53 + 1, beyond a double's integers
      "2.18446744073709551616.5",
    ];
    for (const text of oids) {
      const e = derReadAll(derOid(text));
      assert.equal(oidToString(e.value), text);
    }
    assert.throws(() => oidToString(new Uint8Array([0x2a, 0x86])), /truncated/);
  });
});
