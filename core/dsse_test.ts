import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isCosignError } from "./errors.ts";
import { envelopeBundleField, envelopeFromJSON, envelopeJSON, pae, parseEnvelope } from "./dsse.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

describe("DSSE", () => {
  it("PAE as the DSSE v1 protocol defines it (its published example)", () => {
    assert.equal(
      dec.decode(pae("http://example.com/HelloWorld", enc.encode("hello world"))),
      "DSSEv1 29 http://example.com/HelloWorld 11 hello world",
    );
    // lengths are byte counts, not characters
    assert.equal(dec.decode(pae("é", enc.encode("ü"))), "DSSEv1 2 é 2 ü");
  });

  it("writes the envelope as go-securesystemslib's JSON (field order, empty keyid)", () => {
    const env = {
      payloadType: "application/vnd.in-toto+json",
      payload: enc.encode('{"a":1}'),
      signatures: [{ keyid: "", sig: new Uint8Array([1, 2, 3]) }],
    };
    const text = envelopeJSON(env);
    assert.equal(
      text,
      '{"payloadType":"application/vnd.in-toto+json","payload":"eyJhIjoxfQ==",' +
        '"signatures":[{"keyid":"","sig":"AQID"}]}',
    );
    const back = parseEnvelope(text, "t");
    assert.deepEqual(back, env);
    assert.deepEqual(envelopeFromJSON(JSON.parse(text), "t"), env);
    assert.deepEqual(envelopeBundleField(env), {
      payload: "eyJhIjoxfQ==",
      payloadType: "application/vnd.in-toto+json",
      signatures: [{ sig: "AQID" }],
    });
  });

  it("refuses malformed envelopes with the reason", () => {
    const cases: [string, RegExp][] = [
      ["not json", /not JSON/],
      ["[]", /not a JSON object/],
      ['{"payload":"", "signatures":[{"sig":"AA=="}]}', /payloadType/],
      ['{"payloadType":"t","payload":"%%","signatures":[{"sig":"AA=="}]}', /payload/],
      ['{"payloadType":"t","payload":"","signatures":[]}', /signatures/],
      ['{"payloadType":"t","payload":"","signatures":[{"sig":""}]}', /signatures\[0\]\.sig/],
      ['{"payloadType":"t","payload":"","payload":"","signatures":[{"sig":"AA=="}]}', /twice/],
    ];
    for (const [text, re] of cases) {
      assert.throws(
        () => parseEnvelope(text, "x"),
        (e) => isCosignError(e, "INVALID_INPUT") && re.test(e.message),
        text,
      );
    }
    // Already-parsed JSON gets the same field checks and wording.
    assert.throws(
      () => envelopeFromJSON({ payloadType: "t", payload: "", signatures: [] }, '"a.json"'),
      (e) =>
        isCosignError(e, "INVALID_INPUT") &&
        e.message === 'Cannot read DSSE envelope "a.json": "signatures" is missing or empty',
    );
    assert.throws(
      () => parseEnvelope("{}", "x", { code: "VERIFY" }),
      (e) => isCosignError(e, "VERIFY") && e.check === "bundle",
    );
  });
});
