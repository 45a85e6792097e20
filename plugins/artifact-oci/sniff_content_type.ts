/**
 * Content-type sniffing as `cosign upload blob` does it: Go's `http.DetectContentType` (the
 * WHATWG MIME-sniffing algorithm over the first 512 bytes), cut at the first `;` (so
 * `text/plain; charset=utf-8` becomes `text/plain`). Unknown binary content is
 * `application/octet-stream`.
 *
 * @example
 * ```ts
 * sniffContentType(new TextEncoder().encode("#!/bin/sh\necho hi\n")); // "text/plain"
 * sniffContentType(new Uint8Array([0x1f, 0x8b, 0x08, 0])); // "application/x-gzip"
 * ```
 * @module
 */

/** How many leading bytes the sniffer looks at. */
export const SNIFF_LENGTH = 512;

type Sniffer = (data: Uint8Array, firstNonWS: number) => string | undefined;

const latin1 = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
const isWS = (b: number) => b === 0x09 || b === 0x0a || b === 0x0c || b === 0x0d || b === 0x20;
// Bytes the WHATWG algorithm calls binary data bytes.
const isBinary = (b: number) =>
  b <= 0x08 || b === 0x0b || (b >= 0x0e && b <= 0x1a) || (b >= 0x1c && b <= 0x1f);

/** An HTML signature: case-insensitive, after leading whitespace, then a space or '>'. */
function html(sig: string): Sniffer {
  const p = latin1(sig);
  return (data, ws) => {
    if (data.length < ws + p.length + 1) return undefined;
    for (let i = 0; i < p.length; i++) {
      let b = data[ws + i];
      if (p[i] >= 0x41 && p[i] <= 0x5a) b &= 0xdf; // upper-case letters only
      if (b !== p[i]) return undefined;
    }
    const t = data[ws + p.length];
    return t === 0x20 || t === 0x3e ? "text/html" : undefined;
  };
}

/** Bytes under a mask, optionally after leading whitespace. */
function masked(mask: number[], pat: number[], type: string, skipWS = false): Sniffer {
  return (data, ws) => {
    const o = skipWS ? ws : 0;
    if (data.length - o < pat.length) return undefined;
    for (let i = 0; i < pat.length; i++) if ((data[o + i] & mask[i]) !== pat[i]) return undefined;
    return type;
  };
}

function exact(sig: string | number[], type: string): Sniffer {
  const p = typeof sig === "string" ? latin1(sig) : sig;
  return masked(p.map(() => 0xff), p, type);
}

const ffs = (n: number) => new Array(n).fill(0xff);

const mp4: Sniffer = (data) => {
  if (data.length < 12) return undefined;
  const boxSize = ((data[0] << 24) | (data[1] << 16) | (data[2] << 8) | data[3]) >>> 0;
  if (data.length < boxSize || boxSize % 4 !== 0) return undefined;
  if (String.fromCharCode(...data.subarray(4, 8)) !== "ftyp") return undefined;
  for (let st = 8; st < boxSize; st += 4) {
    if (st === 12) continue; // the minor version
    if (String.fromCharCode(...data.subarray(st, st + 3)) === "mp4") return "video/mp4";
  }
  return undefined;
};

const text: Sniffer = (data, ws) => {
  for (let i = ws; i < data.length; i++) if (isBinary(data[i])) return undefined;
  return "text/plain";
};

// The order of Go's net/http sniff table.
const SNIFFERS: Sniffer[] = [
  ...[
    "<!DOCTYPE HTML",
    "<HTML",
    "<HEAD",
    "<SCRIPT",
    "<IFRAME",
    "<H1",
    "<DIV",
    "<FONT",
    "<TABLE",
    "<A",
    "<STYLE",
    "<TITLE",
    "<B",
    "<BODY",
    "<BR",
    "<P",
    "<!--",
  ].map(html),
  masked(ffs(5), latin1("<?xml"), "text/xml", true),
  exact("%PDF-", "application/pdf"),
  exact("%!PS-Adobe-", "application/postscript"),
  // Byte order marks.
  masked([0xff, 0xff, 0, 0], [0xfe, 0xff, 0, 0], "text/plain"),
  masked([0xff, 0xff, 0, 0], [0xff, 0xfe, 0, 0], "text/plain"),
  masked([0xff, 0xff, 0xff, 0], [0xef, 0xbb, 0xbf, 0], "text/plain"),
  // Images.
  exact([0, 0, 1, 0], "image/x-icon"),
  exact([0, 0, 2, 0], "image/x-icon"),
  exact("BM", "image/bmp"),
  exact("GIF87a", "image/gif"),
  exact("GIF89a", "image/gif"),
  masked(
    [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
    [...latin1("RIFF"), 0, 0, 0, 0, ...latin1("WEBPVP")],
    "image/webp",
  ),
  exact([0x89, ...latin1("PNG"), 0x0d, 0x0a, 0x1a, 0x0a], "image/png"),
  exact([0xff, 0xd8, 0xff], "image/jpeg"),
  // Audio and video.
  masked(
    [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff],
    [...latin1("FORM"), 0, 0, 0, 0, ...latin1("AIFF")],
    "audio/aiff",
  ),
  exact("ID3", "audio/mpeg"),
  exact([...latin1("OggS"), 0], "application/ogg"),
  exact([...latin1("MThd"), 0, 0, 0, 6], "audio/midi"),
  masked(
    [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff],
    [...latin1("RIFF"), 0, 0, 0, 0, ...latin1("AVI ")],
    "video/avi",
  ),
  masked(
    [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff],
    [...latin1("RIFF"), 0, 0, 0, 0, ...latin1("WAVE")],
    "audio/wave",
  ),
  mp4,
  exact([0x1a, 0x45, 0xdf, 0xa3], "video/webm"),
  // Fonts.
  masked(
    [...new Array(34).fill(0), 0xff, 0xff],
    [...new Array(34).fill(0), 0x4c, 0x50],
    "application/vnd.ms-fontobject",
  ),
  exact([0, 1, 0, 0], "font/ttf"),
  exact("OTTO", "font/otf"),
  exact("ttcf", "font/collection"),
  exact("wOFF", "font/woff"),
  exact("wOF2", "font/woff2"),
  // Archives.
  exact([0x1f, 0x8b, 0x08], "application/x-gzip"),
  exact([...latin1("PK"), 3, 4], "application/zip"),
  exact([...latin1("Rar!"), 0x1a, 0x07, 0x00], "application/x-rar-compressed"),
  exact([...latin1("Rar!"), 0x1a, 0x07, 0x01, 0x00], "application/x-rar-compressed"),
  exact([0x00, 0x61, 0x73, 0x6d], "application/wasm"),
  text,
];

/**
 * The media type cosign would give this content (only the first {@link SNIFF_LENGTH} bytes are
 * looked at). Never throws.
 */
export function sniffContentType(data: Uint8Array): string {
  const head = data.subarray(0, SNIFF_LENGTH);
  let ws = 0;
  while (ws < head.length && isWS(head[ws])) ws++;
  for (const s of SNIFFERS) {
    const t = s(head, ws);
    if (t) return t;
  }
  return "application/octet-stream";
}
