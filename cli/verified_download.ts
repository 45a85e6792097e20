/**
 * Holding downloaded bytes back until they are verified: a stream is hashed while it is
 * received into memory (small content) or a private temporary file (large content), and only
 * when its SHA-256 digest and size match what was expected can it be released, to standard
 * output or atomically to a file. On any failure nothing is released and the temporary file is
 * removed, so `sget … | sh` never runs unverified bytes.
 *
 * @example
 * ```ts
 * const staged = await stageVerified(body, { digest: layer.digest, size: layer.size });
 * try {
 *   await staged.writeTo((chunk) => io.out(chunk));
 * } finally {
 *   await staged.discard();
 * }
 * ```
 * @module
 */
import { createReadStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CosignError, describeError } from "../core/errors.ts";
import { sha256Hasher } from "../oci/digest.ts";
import { type AtomicFile, openAtomicFile, writeFileAtomic } from "../runtime/atomic_file.ts";

/** Content up to this size is held in memory; larger content goes to a temporary file. */
export const DEFAULT_MEMORY_LIMIT: number = 1024 * 1024;

/**
 * What the content must be. Absent digest or size: not checked here, for streams that check
 * themselves (a registry blob stream fails at its end on a digest mismatch).
 */
export interface ExpectedContent {
  /** `sha256:<hex>`. */
  digest?: string;
  /** Size in bytes. */
  size?: number;
  /** Names the content in error messages, e.g. `layer sha256:… of localhost:5000/app`. */
  what?: string;
}

/** Options for {@link stageVerified}. */
export interface StageOptions {
  /** Keep content in memory up to this size (default {@link DEFAULT_MEMORY_LIMIT}). */
  memoryLimit?: number;
  /**
   * Stage into a temporary file in this directory (use the output file's directory so the final
   * rename stays on one file system). Default: a private directory under the system temp dir.
   */
  dir?: string;
  /**
   * The file the content will be committed to: staging then goes to a random, exclusively
   * created sibling of it (runtime/atomic_file.ts), and temporary files that killed runs left
   * for the same output are removed first.
   */
  output?: string;
}

/** Verified content, ready to be released once. */
export interface StagedContent {
  /** Size in bytes. */
  readonly size: number;
  /** Writes the content through `write` (e.g. to stdout), in chunks. */
  writeTo(write: (chunk: Uint8Array) => Promise<void>): Promise<void>;
  /** Moves (or writes) the content to `path` atomically: temporary file + rename. */
  commitTo(path: string): Promise<void>;
  /** Removes temporary files. Safe to call more than once. */
  discard(): Promise<void>;
}

function matches(exp: ExpectedContent, got: string, size: number): boolean {
  return (exp.digest === undefined || got === exp.digest) &&
    (exp.size === undefined || size === exp.size);
}

function mismatch(exp: ExpectedContent, got: string, size: number): CosignError {
  return new CosignError(
    "VERIFY",
    `Cannot accept ${
      exp.what ?? "content"
    }: expected ${exp.digest} (${exp.size} bytes), got ${got} (${size} bytes)`,
    { hint: "The content in the registry does not match its digest; nothing was written." },
  );
}

/** Reads the staged file at `tmp` through `write`, one chunk at a time. */
function readStaged(tmp: string, write: (chunk: Uint8Array) => Promise<void>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const s = createReadStream(tmp, { highWaterMark: 256 * 1024 });
    s.on("error", reject);
    s.on("end", () => resolve());
    s.on("data", (chunk) => {
      s.pause();
      write(new Uint8Array(chunk as Uint8Array)).then(() => s.resume(), (e) => {
        s.destroy();
        reject(e);
      });
    });
  });
}

/**
 * Receives `stream` and checks it against `expected`. Resolves to content that may be released;
 * rejects with CosignError("VERIFY") when the digest or size does not match (more bytes than
 * expected stop the download at once), CosignError("IO") when staging fails. Nothing is left
 * behind on failure.
 */
export async function stageVerified(
  stream: ReadableStream<Uint8Array>,
  expected: ExpectedContent,
  options: StageOptions = {},
): Promise<StagedContent> {
  const limit = options.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
  const hash = sha256Hasher();
  const reader = stream.getReader();
  let size = 0;
  const tooBig = () =>
    new CosignError(
      "VERIFY",
      `Cannot accept ${
        expected.what ?? "content"
      }: it is larger than the ${expected.size} bytes its descriptor names`,
      { hint: "The content in the registry does not match its digest; nothing was written." },
    );

  if (
    (expected.size ?? Infinity) <= limit && options.dir === undefined &&
    options.output === undefined
  ) {
    const parts: Uint8Array[] = [];
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        size += value.length;
        if (expected.size !== undefined && size > expected.size) throw tooBig();
        hash.update(value);
        parts.push(value);
      }
    } catch (e) {
      await reader.cancel().catch(() => {});
      throw e;
    }
    const got = hash.digest();
    if (!matches(expected, got, size)) throw mismatch(expected, got, size);
    const bytes = new Uint8Array(size);
    let o = 0;
    for (const p of parts) {
      bytes.set(p, o);
      o += p.length;
    }
    return {
      size,
      writeTo: async (write) => {
        if (bytes.length) await write(bytes);
      },
      commitTo: (path) => writeFileAtomic(path, bytes, 0o644),
      discard: async () => {},
    };
  }

  // Large content (or an explicit directory): a temporary file.
  let privateDir: string | undefined;
  let file: AtomicFile;
  try {
    if (options.output !== undefined || options.dir !== undefined) {
      const target = options.output ?? join(options.dir!, "download");
      file = await openAtomicFile(target, { mode: 0o644, removeStale: true });
    } else {
      privateDir = await mkdtemp(join(tmpdir(), "cosign-ts-get-"));
      file = await openAtomicFile(join(privateDir, "blob"));
    }
  } catch (e) {
    await reader.cancel().catch(() => {});
    if (privateDir) await rm(privateDir, { recursive: true, force: true }).catch(() => {});
    throw e instanceof CosignError ? e : new CosignError(
      "IO",
      `Cannot create a temporary file: ${describeError(e)}`,
      { cause: e },
    );
  }
  const tmp = file.tempPath;
  const cleanup = async () => {
    await file.abort();
    if (privateDir) await rm(privateDir, { recursive: true, force: true }).catch(() => {});
  };
  try {
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        size += value.length;
        if (expected.size !== undefined && size > expected.size) throw tooBig();
        hash.update(value);
        await file.write(value);
      }
    } catch (e) {
      await reader.cancel().catch(() => {});
      throw e;
    }
    const got = hash.digest();
    if (!matches(expected, got, size)) throw mismatch(expected, got, size);
  } catch (e) {
    await cleanup();
    if (e instanceof CosignError) throw e;
    throw new CosignError("IO", `Cannot stage ${expected.what ?? "content"}: ${describeError(e)}`, {
      cause: e,
    });
  }
  let released = false;
  return {
    size,
    writeTo: (write) => readStaged(tmp, write),
    commitTo: async (path) => {
      if (privateDir === undefined) {
        // Staged next to the output: sync and rename (the temp file goes on failure).
        await file.commit(path);
      } else {
        // Different directory, maybe another file system: copy next to the target, then rename.
        const out = await openAtomicFile(path, { mode: 0o644 });
        try {
          await readStaged(tmp, (chunk) => out.write(chunk));
          await out.commit();
        } catch (e) {
          await out.abort();
          throw e instanceof CosignError
            ? e
            : new CosignError("IO", `Cannot write "${path}": ${describeError(e)}`, { cause: e });
        }
      }
      released = true;
    },
    discard: async () => {
      if (!released || privateDir !== undefined) await cleanup();
    },
  };
}
