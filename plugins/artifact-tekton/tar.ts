/**
 * The one-file tar archives of a Tekton bundle's layers, written as Go's `archive/tar` writes the
 * header `tkn bundle push` gives it (`{Name, Mode: 0600, Size, Typeflag: TypeReg}`: USTAR, zero
 * owner and time), and read back the way Tekton's bundle resolver reads them (the first entry).
 *
 * @example
 * ```ts
 * const tar = singleFileTar("hello", new TextEncoder().encode("{}"));
 * readFirstTarEntry(tar); // { name: "hello", content: Uint8Array [123, 125] }
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";

const BLOCK = 512;

function putString(h: Uint8Array, at: number, len: number, s: string): void {
  const b = new TextEncoder().encode(s);
  h.set(b.subarray(0, len), at);
}

/** Go's formatOctal: `len - 1` zero-padded octal digits, then NUL. */
function putOctal(h: Uint8Array, at: number, len: number, n: number): void {
  putString(h, at, len - 1, n.toString(8).padStart(len - 1, "0"));
  h[at + len - 1] = 0;
}

/**
 * A tar archive holding one regular file `name` (mode 0600, uid/gid 0, mtime 0), USTAR format,
 * ended by two zero blocks, byte for byte as Go's archive/tar writes it.
 * Throws CosignError("INVALID_INPUT") when the name does not fit USTAR's 100 bytes.
 */
export function singleFileTar(name: string, content: Uint8Array): Uint8Array {
  if (new TextEncoder().encode(name).length > 100) {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot bundle "${name}": a resource name is at most 100 bytes in a bundle layer`,
    );
  }
  const padded = Math.ceil(content.length / BLOCK) * BLOCK;
  const out = new Uint8Array(BLOCK + padded + 2 * BLOCK);
  const h = out.subarray(0, BLOCK);
  putString(h, 0, 100, name);
  putOctal(h, 100, 8, 0o600);
  putOctal(h, 108, 8, 0);
  putOctal(h, 116, 8, 0);
  putOctal(h, 124, 12, content.length);
  putOctal(h, 136, 12, 0);
  h[156] = 0x30; // '0': regular file
  putString(h, 257, 6, "ustar\0");
  putString(h, 263, 2, "00");
  putOctal(h, 329, 8, 0);
  putOctal(h, 337, 8, 0);
  // Checksum: the header's byte sum with the checksum field as spaces; 6 digits, NUL, space.
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  putString(h, 148, 6, sum.toString(8).padStart(6, "0"));
  h[154] = 0;
  h[155] = 0x20;
  out.set(content, BLOCK);
  return out;
}

function octalField(h: Uint8Array, at: number, len: number): number {
  const text = new TextDecoder().decode(h.subarray(at, at + len)).replace(/[\0 ]+$/g, "").trim();
  if (!/^[0-7]*$/.test(text)) return NaN;
  return text === "" ? 0 : parseInt(text, 8);
}

/**
 * The first entry of a tar archive (name and content), as Tekton's bundle resolver reads a layer.
 * Throws CosignError("INVALID_INPUT") for a truncated archive or a bad header checksum.
 */
export function readFirstTarEntry(tar: Uint8Array): { name: string; content: Uint8Array } {
  const bad = (why: string): never => {
    throw new CosignError("INVALID_INPUT", `Cannot read the bundle layer: ${why}`);
  };
  if (tar.length < BLOCK) bad("it is shorter than one tar header");
  const h = tar.subarray(0, BLOCK);
  const stored = octalField(h, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
  if (stored !== sum) bad("its tar header checksum does not match");
  const nul = h.subarray(0, 100).indexOf(0);
  const name = new TextDecoder().decode(h.subarray(0, nul < 0 ? 100 : nul));
  const size = octalField(h, 124, 12);
  if (!Number.isFinite(size)) bad("its tar header has a malformed size");
  if (BLOCK + size > tar.length) bad("the archive is truncated");
  return { name, content: tar.slice(BLOCK, BLOCK + size) };
}

/** Gzip-compresses bytes with the runtime's CompressionStream. */
export async function gzip(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Gunzips at most `maxBytes` of output; CosignError("TOO_LARGE") beyond, ("INVALID_INPUT") for
 * data that is not gzip.
 */
export async function gunzip(data: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  const reader = new Blob([data as BlobPart]).stream().pipeThrough(
    new DecompressionStream("gzip"),
  ).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        await reader.cancel();
        throw new CosignError(
          "TOO_LARGE",
          `Cannot read the bundle layer: it unpacks to more than ${maxBytes} bytes`,
        );
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof CosignError) throw e;
    throw new CosignError("INVALID_INPUT", `Cannot read the bundle layer: it is not gzip data`);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
