/**
 * The one home for writing user-visible files atomically (issue 13 item 1): the bytes go to a
 * temporary sibling with a random name, created exclusively (`O_CREAT|O_EXCL|O_NOFOLLOW`, so a
 * symlink or file planted at that name is never followed or reused), synced to disk, and renamed
 * over the target only once complete. Every failure path removes the temporary file. A symlink
 * at the target itself is replaced, never written through.
 *
 * Temporary names are `.<target name>.cosign-ts-<pid>-<random>.tmp`. A process killed with
 * SIGKILL cannot remove its temporary file; the streaming writer ({@link openAtomicFile} with
 * `removeStale`) removes such leftovers of dead cosign-ts processes for the same target on the
 * next run.
 *
 * Runtime-free: only `node:fs/promises` and `node:path`, which Deno, Bun and Node all provide.
 *
 * @example
 * ```ts
 * await writeFileAtomic("artifact.sig", "MEUCIQ…", 0o600);
 *
 * const out = await openAtomicFile("big.bin", { mode: 0o644, removeStale: true });
 * try {
 *   for await (const chunk of stream) await out.write(chunk);
 *   await out.commit();
 * } finally {
 *   await out.abort(); // no-op after commit
 * }
 * ```
 * @module
 */
import { constants } from "node:fs";
import { lstat, open, readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import process from "node:process";
import { CosignError, describeError } from "../core/errors.ts";
import { toHex } from "../core/encoding.ts";

/** Options for {@link openAtomicFile} and {@link writeFileAtomic}. */
export interface AtomicFileOptions {
  /** Permission bits of the new file (default 0o600, as cosign writes signatures and keys). */
  mode?: number;
  /**
   * Set exactly `mode` on the file, regardless of the umask (used for key files, where cosign
   * promises 0600/0644). Default: the umask applies, as for any new file.
   */
  exactMode?: boolean;
  /** Remove temporary files of dead cosign-ts processes left for the same target (default false). */
  removeStale?: boolean;
}

/** A file being written; nothing appears at the target until {@link AtomicFile.commit}. */
export interface AtomicFile {
  /** The final path. */
  readonly path: string;
  /** The temporary path the bytes go to until commit. */
  readonly tempPath: string;
  /** Appends bytes. Throws CosignError("IO") naming the target. */
  write(chunk: Uint8Array): Promise<void>;
  /**
   * Syncs, closes and renames over the target (or over `as`, another path in the same
   * directory). Throws CosignError("IO"); then nothing is left.
   */
  commit(as?: string): Promise<void>;
  /** Closes and removes the temporary file. Safe to call more than once, and after commit. */
  abort(): Promise<void>;
}

const TEMP_MARK = ".cosign-ts-";

function randomHex(n: number): string {
  return toHex(crypto.getRandomValues(new Uint8Array(n)));
}

/** The temporary sibling name for `path` (random, so it cannot be predicted). */
export function atomicTempName(path: string): string {
  return join(dirname(path), `.${basename(path)}${TEMP_MARK}${process.pid}-${randomHex(8)}.tmp`);
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "EPERM";
  }
}

/**
 * Removes `.<name>.cosign-ts-<pid>-<hex>.tmp` regular files next to `path` whose process is gone
 * (left by a run killed with SIGKILL). Never follows links; errors are ignored.
 */
export async function removeStaleTemps(path: string): Promise<number> {
  const dir = dirname(path);
  const prefix = `.${basename(path)}${TEMP_MARK}`;
  let removed = 0;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(".tmp")) continue;
    const m = /^(\d+)-[0-9a-f]+\.tmp$/.exec(name.slice(prefix.length));
    if (!m || alive(Number(m[1]))) continue;
    const p = join(dir, name);
    try {
      const st = await lstat(p);
      if (!st.isFile()) continue;
      if (typeof process.getuid === "function" && st.uid !== process.getuid()) continue;
      await rm(p, { force: true });
      removed++;
    } catch { /* raced with another cleaner: fine */ }
  }
  return removed;
}

function writeError(path: string, e: unknown): CosignError {
  if (e instanceof CosignError) return e;
  const code = (e as { code?: string })?.code;
  const why = code === "ENOENT"
    ? "its directory does not exist"
    : code === "EISDIR"
    ? "it is a directory"
    : code === "EACCES" || code === "EPERM"
    ? "permission denied"
    : code === "ENOSPC"
    ? "no space left on device"
    : code === "ENOTDIR"
    ? "a parent is not a directory"
    : code === "EEXIST" || code === "ELOOP"
    ? "a file or link already exists at its temporary name"
    : describeError(e);
  return new CosignError("IO", `Cannot write "${path}": ${why}`, {
    hint: code === "ENOSPC"
      ? "Free some space or choose another output path."
      : "Check the path and the permissions of its directory.",
    cause: e,
  });
}

const OPEN_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL |
  (constants.O_NOFOLLOW ?? 0);

/**
 * Opens a streaming atomic writer for `path`. Throws CosignError("IO") naming `path` when the
 * temporary file cannot be created (missing directory, permissions).
 */
export async function openAtomicFile(
  path: string,
  options: AtomicFileOptions = {},
): Promise<AtomicFile> {
  const mode = options.mode ?? 0o600;
  if (options.removeStale) await removeStaleTemps(path);
  const tempPath = atomicTempName(path);
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  try {
    fh = await open(tempPath, OPEN_FLAGS, mode);
    if (options.exactMode && process.platform !== "win32") await fh.chmod(mode);
  } catch (e) {
    await fh?.close().catch(() => {});
    if (fh) await rm(tempPath, { force: true }).catch(() => {});
    throw writeError(path, e);
  }
  let state: "open" | "committed" | "aborted" = "open";
  const abort = async () => {
    if (state !== "open") return;
    state = "aborted";
    await fh!.close().catch(() => {});
    await rm(tempPath, { force: true }).catch(() => {});
  };
  return {
    path,
    tempPath,
    async write(chunk) {
      if (state !== "open") throw writeError(path, new Error("the file is already closed"));
      try {
        let off = 0;
        while (off < chunk.length) {
          const { bytesWritten } = await fh!.write(chunk, off, chunk.length - off);
          off += bytesWritten;
        }
      } catch (e) {
        await abort();
        throw writeError(path, e);
      }
    },
    async commit(as = path) {
      if (state !== "open") throw writeError(as, new Error("the file is already closed"));
      try {
        await fh!.sync();
        await fh!.close();
        state = "committed";
        await rename(tempPath, as);
      } catch (e) {
        state = "open";
        await abort();
        throw writeError(as, e);
      }
    },
    abort,
  };
}

/**
 * Writes `data` to `path` atomically (see the module doc), with permission bits `mode`
 * (default 0o600). Throws CosignError("IO") naming the path; nothing is left behind then.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  mode: number | AtomicFileOptions = 0o600,
): Promise<void> {
  const f = await openAtomicFile(path, typeof mode === "number" ? { mode } : mode);
  try {
    await f.write(typeof data === "string" ? new TextEncoder().encode(data) : data);
    await f.commit();
  } finally {
    await f.abort();
  }
}
