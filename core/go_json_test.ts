import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  goJson,
  goJsonBytes,
  goMap,
  goQuote,
  goString,
  protoJSON,
  toWellFormed,
} from "./go_json.ts";
import { envelopeJSON } from "./dsse.ts";
import { serializeLegacyBundle } from "./legacy_bundle.ts";

const enc = new TextEncoder();

describe("Go encoding/json string escaping", () => {
  // Go's encode_test.go: `<html>foobar</html>` and the HTML-escaping table.
  it("escapes <, >, & and U+2028/U+2029", () => {
    assert.equal(goQuote("<html>foobar</html>"), `"\\u003chtml\\u003efoobar\\u003c/html\\u003e"`);
    assert.equal(goQuote("a&b\u2028c\u2029"), `"a\\u0026b\\u2028c\\u2029"`);
  });
  it("uses short escapes for \\b \\f \\n \\r \\t and \\u00xx for other controls", () => {
    assert.equal(goQuote("\b\f\n\r\t\x00\x1f\x7f"), `"\\b\\f\\n\\r\\t\\u0000\\u001f\x7f"`);
  });
  it("every character alone and amid plain text is escaped as Go's table says", () => {
    // Go's encode.go appendString, written out as a table per UTF-16 unit.
    const go = (c: number, html: boolean): string =>
      c === 0x22
        ? '\\"'
        : c === 0x5c
        ? "\\\\"
        : c === 0x08
        ? "\\b"
        : c === 0x0c
        ? "\\f"
        : c === 0x0a
        ? "\\n"
        : c === 0x0d
        ? "\\r"
        : c === 0x09
        ? "\\t"
        : c < 0x20
        ? "\\u00" + c.toString(16).padStart(2, "0")
        : html && (c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029)
        ? "\\u" + c.toString(16).padStart(4, "0")
        : c >= 0xd800 && c <= 0xdfff
        ? "\\ufffd"
        : String.fromCharCode(c);
    const units = [...Array(0x80).keys(), 0xe9, 0x2028, 0x2029, 0xd800, 0xdbff, 0xdc00, 0xdfff];
    for (const html of [true, false]) {
      for (const c of units) {
        const ch = String.fromCharCode(c);
        assert.equal(goQuote(ch, html), `"${go(c, html)}"`, `U+${c.toString(16)} html=${html}`);
        assert.equal(goQuote(`ab${ch}cd`, html), `"ab${go(c, html)}cd"`);
      }
    }
  });
  it("keeps non-ASCII and valid surrogate pairs, writes lone surrogates \\ufffd", () => {
    assert.equal(goQuote("é😀\ufffd"), `"é😀\ufffd"`);
    assert.equal(goQuote("a\ud800b\udc00"), `"a\\ufffdb\\ufffd"`);
    assert.equal(goQuote("\ud83d"), `"\\ufffd"`);
  });
  it("structs keep order, maps sort", () => {
    assert.equal(
      goJson({ b: 1, a: goMap({ z: 1, a: [true, null] }) }),
      `{"b":1,"a":{"a":[true,null],"z":1}}`,
    );
    assert.deepEqual(
      goJsonBytes(goMap({ b: "<", a: new Uint8Array([1, 2]) })),
      enc.encode(
        `{"a":"AQI=","b":"\\u003c"}`,
      ),
    );
  });
});

describe("Go JSON text", () => {
  it("protojson does not escape HTML, encoding/json does; keys in UTF-8 order", () => {
    assert.equal(
      protoJSON({ "\u{1F600}": 1, "\uFFFD": 2, a: "<&>", b: { d: 1, c: 2 } }),
      '{"a":"<&>","b":{"c":2,"d":1},"\uFFFD":2,"\u{1F600}":1}',
    );
    assert.equal(protoJSON("a\u2028\n"), '"a\u2028\\n"');
    assert.equal(goJson(goMap({ a: "<&>\u2028" })), '{"a":"\\u003c\\u0026\\u003e\\u2028"}');
  });
  it("Go's string(bytes): each invalid byte becomes what the encoder writes \\ufffd", () => {
    assert.equal(goString(new Uint8Array([0xe2, 0x82, 0x41])), "\udce2\udc82A");
    assert.equal(goString(new Uint8Array([0xed, 0xa0, 0x80])), "\udced\udca0\udc80");
    assert.equal(goString(enc.encode("héllo")), "héllo");
    assert.equal(goJson(goString(new Uint8Array([0xe2, 0x82, 0x41]))), `"\\ufffd\\ufffdA"`);
    // Text Go's decoder read ("\ud800" became U+FFFD) is repaired first: written as is.
    assert.equal(goJson(toWellFormed("\ud800")), `"\ufffd"`);
  });
  it("the DSSE envelope and legacy bundle text use the same escaping", () => {
    const env = envelopeJSON({
      payloadType: "a<b\ud800",
      payload: new Uint8Array(0),
      signatures: [{ keyid: "&", sig: new Uint8Array([1]) }],
    });
    assert.equal(
      env,
      `{"payloadType":"a\\u003cb\\ufffd","payload":"","signatures":[{"keyid":"\\u0026","sig":"AQ=="}]}`,
    );
    assert.equal(
      serializeLegacyBundle({ base64Signature: "x<", cert: "\u2028" }),
      `{"base64Signature":"x\\u003c","cert":"\\u2028"}`,
    );
  });
});
