/**
 * The RFC 3161 reader on both shapes Sigstore uses (a TimeStampResp, a bare token) and on
 * responses that must be refused (status not granted, trailing bytes, a truncated token), with
 * timestamps made by @sigstore/mock's TSA (tests/fixtures/keyless/factory.ts).
 */
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createKeyless, type Keyless } from "../../tests/fixtures/keyless/factory.ts";
import { parseTrustedRoot, type TrustedRoot } from "../../core/trust/trusted_root.ts";
import { derChildren, derEncode, derReadAll } from "../../core/keys/der.ts";
import { verifyRfc3161Timestamp } from "./verify_timestamp.ts";

let k: Keyless;
let trust: TrustedRoot;
let resp: Uint8Array;
const data = new TextEncoder().encode("signature bytes");

before(async () => {
  k = await createKeyless();
  trust = await parseTrustedRoot(JSON.stringify(k.trustedRoot), "test root");
  resp = new Uint8Array(Buffer.from(await k.timestamp(data), "base64"));
});

const verify = (der: Uint8Array) => verifyRfc3161Timestamp(der, data, trust.timestampAuthorities);

describe("verifyRfc3161Timestamp", () => {
  it("reads a TimeStampResp and the bare token inside it to the same time", async () => {
    const [, token] = derChildren(derReadAll(resp).value);
    const a = await verify(resp);
    const b = await verify(token.raw);
    assert.equal(a.getTime(), b.getTime());
    assert.ok(Math.abs(a.getTime() - k.clock.getTime()) < 1000, a.toISOString());
  });
  it("refuses a response whose status is not granted, trailing bytes and truncation", async () => {
    const [status, token] = derChildren(derReadAll(resp).value);
    const rejected = derEncode(0x30, derEncode(0x30, Uint8Array.of(0x02, 0x01, 0x02)), token.raw);
    assert.notDeepEqual(status.raw, rejected.subarray(2, 2 + status.raw.length));
    await assert.rejects(
      verify(rejected),
      /RFC 3161 timestamp: it is malformed \(the response status is 2/,
    );
    const trailing = new Uint8Array([...resp, 0]);
    await assert.rejects(verify(trailing), /RFC 3161 timestamp: it is malformed/);
    await assert.rejects(
      verify(resp.subarray(0, resp.length - 10)),
      /RFC 3161 timestamp: it is malformed/,
    );
  });
  it("refuses the token over other bytes", async () => {
    await assert.rejects(
      verifyRfc3161Timestamp(resp, new TextEncoder().encode("other"), trust.timestampAuthorities),
      /the message imprint is not the hash of the signature/,
    );
  });
});
