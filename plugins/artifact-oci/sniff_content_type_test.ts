import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { sniffContentType } from "./sniff_content_type.ts";

const b = (s: string) => Uint8Array.from([...s].map((c) => c.charCodeAt(0)));
const u = (s: string) => new TextEncoder().encode(s);

// Expected values are Go's (net/http sniff_test.go cases, DetectContentType), cut at ";" as
// cosign's DefaultMediaTypeGetter does.
const GO_CASES: [string, Uint8Array, string][] = [
  ["Empty", new Uint8Array(0), "text/plain"],
  ["Binary", new Uint8Array([1, 2, 3]), "application/octet-stream"],
  ["HTML document #1", u("<HtMl><bOdY>blah blah blah</body></html>"), "text/html"],
  ["HTML document #2", u("<HTML></HTML>"), "text/html"],
  ["HTML document #3 (leading whitespace)", u("   <!DOCTYPE HTML>..."), "text/html"],
  ["HTML document #4 (leading CRLF)", u("\r\n<html>..."), "text/html"],
  ["Plain text", u("This is not HTML. It has ☃ though."), "text/plain"],
  ["XML", u("\n<?xml!"), "text/xml"],
  ["Windows icon", b("\x00\x00\x01\x00"), "image/x-icon"],
  ["Windows cursor", b("\x00\x00\x02\x00"), "image/x-icon"],
  ["BMP image", b("BM..."), "image/bmp"],
  ["GIF 87a", b("GIF87a"), "image/gif"],
  ["GIF 89a", b("GIF89a..."), "image/gif"],
  ["MIDI audio", b("MThd\x00\x00\x00\x06\x00\x01"), "audio/midi"],
  ["MP3 audio/MPEG audio", b("ID3\x03\x00\x00\x00\x00\x0f"), "audio/mpeg"],
  ["WAV audio #1", b("RIFFb\xb8\x00\x00WAVEfmt \x12\x00\x00\x00\x06"), "audio/wave"],
  [
    "AIFF audio #1",
    b("FORM\x00\x00\x00\x00AIFFCOMM\x00\x00\x00\x12\x00\x01\x00\x00\x57\x55\x00\x10\x40\x0d\xf3\x34"),
    "audio/aiff",
  ],
  [
    "OGG audio",
    b("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x7e\x46\x00\x00"),
    "application/ogg",
  ],
  ["MP4 video", b("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom<\x06t\xbfmdat"), "video/mp4"],
  ["PNG", b("\x89PNG\x0d\x0a\x1a\x0a\x00\x00"), "image/png"],
  ["gzip", b("\x1f\x8b\x08\x00\x00"), "application/x-gzip"],
  ["zip", b("PK\x03\x04\x14\x00"), "application/zip"],
  ["wasm", b("\x00asm\x01\x00\x00\x00"), "application/wasm"],
  ["PDF", u("%PDF-1.7\n"), "application/pdf"],
];

describe("sniffContentType", () => {
  for (const [name, data, want] of GO_CASES) {
    it(`${name} -> ${want}`, () => assert.equal(sniffContentType(data), want));
  }
  it("looks only at the first 512 bytes", () => {
    const d = new Uint8Array(2000).fill(0x41);
    d[1000] = 0;
    assert.equal(sniffContentType(d), "text/plain");
    d[100] = 0;
    assert.equal(sniffContentType(d), "application/octet-stream");
  });
});
