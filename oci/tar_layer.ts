/**
 * Tar layers of artifact images (eBPF bytecode images, Tekton bundles): regular files at the root
 * of a POSIX ustar archive as Go's archive/tar writes them (mode 0644 unless given, owner 0, mtime
 * 0 so the same files give the same tar), gzip-compressed with the web `CompressionStream`; and
 * reading such a layer back (gunzip, bounded, then the ustar headers, checked).
 *
 * @example
 * ```ts
 * const tar = tarFiles([{ name: "prog.o", data }]);
 * const gz = await gzip(tar);
 * const files = untar(await gunzip(gz)); // [{ name: "prog.o", data }]
 * ```
 * @module
 */
import { CosignError } from "../core/errors.ts";
import { readAll } from "../core/read_all.ts";

/** A file in the archive. */
export interface TarFile {
  /** Name at the archive's root (at most 100 bytes). */
  name: string;
  /** Content. */
  data: Uint8Array;
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, "0") + "\0";
}

function header(name: string, size: number, mode: number): Uint8Array {
  const h = new Uint8Array(512);
  const enc = new TextEncoder();
  const put = (off: number, s: string) => h.set(enc.encode(s), off);
  const nameBytes = enc.encode(name);
  if (nameBytes.length > 100) {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot add "${name}" to the layer: its name is too long`,
    );
  }
  h.set(nameBytes, 0);
  put(100, octal(mode, 8));
  put(108, octal(0, 8));
  put(116, octal(0, 8));
  put(124, octal(size, 12));
  put(136, octal(0, 12));
  put(148, "        ");
  put(156, "0");
  put(257, "ustar\0");
  put(263, "00");
  put(329, octal(0, 8)); // devmajor, devminor: Go writes them as octal zeros
  put(337, octal(0, 8));
  const sum = h.reduce((a, b) => a + b, 0);
  put(148, sum.toString(8).padStart(6, "0") + "\0 ");
  return h;
}

/**
 * A ustar archive of `files` at its root, ending with two zero blocks; `mode` is every file's
 * permission bits (default 0644; tkn's bundle layers use 0600).
 */
export function tarFiles(files: readonly TarFile[], mode = 0o644): Uint8Array {
  const size = files.reduce((a, f) => a + 512 + Math.ceil(f.data.length / 512) * 512, 1024);
  const out = new Uint8Array(size);
  let off = 0;
  for (const f of files) {
    out.set(header(f.name, f.data.length, mode), off);
    out.set(f.data, off + 512);
    off += 512 + Math.ceil(f.data.length / 512) * 512;
  }
  return out;
}

/** Largest layer (compressed or not) read back into memory. */
export const MAX_LAYER_BYTES: number = 512 * 1024 * 1024;

async function transform(
  bytes: Uint8Array,
  t: CompressionStream | DecompressionStream,
  what: string,
  max = MAX_LAYER_BYTES,
): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(t);
  return await readAll(stream as ReadableStream<Uint8Array>, max, what);
}

/** gzip-compresses `bytes`. */
export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  return await transform(bytes, new CompressionStream("gzip"), "the layer");
}

/**
 * Decompresses gzip `bytes`, at most `max` bytes of output (default {@link MAX_LAYER_BYTES});
 * CosignError("INVALID_INPUT") naming `what` when they are not gzip, ("TOO_LARGE") beyond `max`.
 */
export async function gunzip(
  bytes: Uint8Array,
  what: string,
  max = MAX_LAYER_BYTES,
): Promise<Uint8Array> {
  try {
    return await transform(bytes, new DecompressionStream("gzip"), what, max);
  } catch (e) {
    if (e instanceof CosignError) throw e;
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot read ${what}: it is not gzip (${(e as Error).message})`,
    );
  }
}

/**
 * The regular files of a ustar archive (other entries are skipped). CosignError("INVALID_INPUT")
 * naming `what` for a bad checksum or an entry that runs past the end.
 */
export function untar(tar: Uint8Array, what: string): TarFile[] {
  const bad = (why: string) => new CosignError("INVALID_INPUT", `Cannot read ${what}: ${why}`);
  const dec = new TextDecoder();
  const field = (h: Uint8Array, off: number, len: number) =>
    dec.decode(h.subarray(off, off + len)).replace(/\0.*$/s, "");
  const files: TarFile[] = [];
  for (let off = 0; off + 512 <= tar.length;) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const stored = parseInt(field(h, 148, 8).trim(), 8);
    const sum = h.reduce((a, b, i) => a + (i >= 148 && i < 156 ? 0x20 : b), 0);
    if (stored !== sum) throw bad(`the tar header at byte ${off} has a bad checksum`);
    const size = parseInt(field(h, 124, 12).trim() || "0", 8);
    const type = field(h, 156, 1);
    const prefix = field(h, 345, 155);
    const name = (prefix ? `${prefix}/` : "") + field(h, 0, 100);
    if (off + 512 + size > tar.length) throw bad(`the tar entry "${name}" runs past the end`);
    if (type === "0" || type === "") {
      files.push({ name, data: tar.slice(off + 512, off + 512 + size) });
    }
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}
