/**
 * Streaming message digests of files and streams with core/native_hash.ts (native speed on
 * Deno and Bun) and a fixed read buffer, so memory stays flat whatever the input size.
 *
 * @example
 * ```ts
 * const { sha256 } = await digestFile("big.iso", ["sha256"]);
 * console.log(hex(sha256));
 * ```
 * @module
 */
import { open } from "node:fs/promises";
import { createHasher } from "../../core/native_hash.ts";
import { CosignError, describeError } from "../../core/errors.ts";
import type { HashAlgorithm } from "../../core/plugin.ts";
import { toHex, tryFromHex } from "../../core/encoding.ts";

/** Size of the read buffer used for files: large enough for native hashing speed. */
export const READ_CHUNK_BYTES = 4 * 1024 * 1024;

/** Digests by algorithm name, as raw bytes. */
export type Digests = Partial<Record<HashAlgorithm, Uint8Array>>;

/** Lower-case hex of bytes. */
export function hex(bytes: Uint8Array): string {
  return toHex(bytes);
}

/** Bytes of a hex string; throws CosignError("INVALID_INPUT") for anything but even-length hex. */
export function fromHex(text: string): Uint8Array {
  const out = tryFromHex(text);
  if (!out) {
    throw new CosignError("INVALID_INPUT", `Cannot decode "${text.slice(0, 80)}": not hex`);
  }
  return out;
}

function hashers(algorithms: readonly HashAlgorithm[]) {
  const unique = [...new Set(algorithms.length ? algorithms : ["sha256" as const])];
  return unique.map((a) => ({ algorithm: a, hash: createHasher(a) }));
}

/**
 * Digests a file by reading it in fixed-size chunks. Throws CosignError("NOT_FOUND") when the
 * file does not exist and CosignError("IO") when it cannot be read (a directory, no permission).
 *
 * @example
 * ```ts
 * const d = await digestFile("./app.tar.gz", ["sha256", "sha512"]);
 * ```
 */
export async function digestFile(
  path: string,
  algorithms: readonly HashAlgorithm[],
): Promise<Digests> {
  let fh;
  try {
    fh = await open(path, "r");
  } catch (e) {
    throw fileError(path, e);
  }
  let hs: ReturnType<typeof hashers> | undefined;
  const buf = new Uint8Array(READ_CHUNK_BYTES);
  let filled = 0;
  try {
    // The buffer is filled before it is hashed (a pipe or FIFO answers short reads), so a file
    // that fits it is hashed in one go below.
    for (;;) {
      const { bytesRead } = await fh.read(buf, filled, buf.length - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
      if (filled < buf.length) continue;
      hs ??= hashers(algorithms);
      for (const h of hs) h.hash.update(buf);
      filled = 0;
    }
  } catch (e) {
    throw fileError(path, e);
  } finally {
    await fh.close();
  }
  const out: Digests = {};
  if (!hs) {
    // A file that fits one read (or is empty): one-shot WebCrypto digests, so node:crypto is
    // loaded only for larger files (it costs a small command several milliseconds).
    const data = buf.subarray(0, filled);
    for (const a of new Set(algorithms.length ? algorithms : ["sha256" as const])) {
      out[a] = new Uint8Array(
        await crypto.subtle.digest(WEB_HASH[a], data as Uint8Array<ArrayBuffer>),
      );
    }
    return out;
  }
  for (const h of hs) {
    if (filled > 0) h.hash.update(buf.subarray(0, filled));
    out[h.algorithm] = h.hash.digest();
  }
  return out;
}

const WEB_HASH: Record<HashAlgorithm, string> = {
  sha256: "SHA-256",
  sha384: "SHA-384",
  sha512: "SHA-512",
};

/**
 * Digests a byte stream (standard input, a download) chunk by chunk.
 *
 * @example
 * ```ts
 * const d = await digestStream(ctx.runtime.stdin(), ["sha256"]);
 * ```
 */
export async function digestStream(
  stream: ReadableStream<Uint8Array>,
  algorithms: readonly HashAlgorithm[],
): Promise<Digests> {
  const hs = hashers(algorithms);
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const h of hs) h.hash.update(value);
    }
  } finally {
    reader.releaseLock();
  }
  const out: Digests = {};
  for (const h of hs) out[h.algorithm] = h.hash.digest();
  return out;
}

/**
 * A file as a byte stream, read in fixed-size chunks. Errors as {@link digestFile}.
 *
 * @example
 * ```ts
 * const stream = await openFileStream("./notes.txt");
 * ```
 */
export async function openFileStream(path: string): Promise<ReadableStream<Uint8Array>> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, "r");
  } catch (e) {
    throw fileError(path, e);
  }
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const buf = new Uint8Array(1024 * 1024);
        const { bytesRead } = await fh.read(buf, 0, buf.length, null);
        if (bytesRead === 0) {
          await fh.close();
          controller.close();
        } else {
          controller.enqueue(buf.subarray(0, bytesRead));
        }
      } catch (e) {
        await fh.close().catch(() => {});
        controller.error(fileError(path, e));
      }
    },
    async cancel() {
      await fh.close().catch(() => {});
    },
  });
}

export { readAll } from "../../core/read_all.ts";

function fileError(path: string, e: unknown): CosignError {
  if (e instanceof CosignError) return e;
  const code = (e as { code?: string })?.code;
  if (code === "ENOENT") {
    return new CosignError("NOT_FOUND", `Cannot read blob "${path}": no such file`, {
      hint: "Check the path, or pass - to read standard input.",
      cause: e,
    });
  }
  if (code === "EISDIR") {
    return new CosignError("IO", `Cannot read blob "${path}": it is a directory`, {
      hint: "Give the path of a file.",
      cause: e,
    });
  }
  return new CosignError("IO", `Cannot read blob "${path}": ${describeError(e)}`, { cause: e });
}
