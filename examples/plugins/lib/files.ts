/**
 * File safety the example plugins share: an exclusive lock file, so concurrent processes take
 * turns (a read-modify-write under it loses nothing), and atomic writes (a temporary file in the
 * same folder, renamed into place; removed again on failure).
 *
 * @example
 * ```ts
 * await withLock("sigs.json", async () => writeAtomic("sigs.json", JSON.stringify(list)));
 * ```
 * @module
 */
import { open, rename, rm } from "node:fs/promises";
import { CosignError } from "cosign-ts";

/**
 * Runs `fn` while holding `<path>.lock` (created with O_EXCL; retried for about 10 s).
 * Throws CosignError("ABORTED") naming the lock file when it stays taken.
 */
export async function withLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${path}.lock`;
  for (let attempt = 0;; attempt++) {
    try {
      await (await open(lock, "wx")).close();
      break;
    } catch (e) {
      if ((e as { code?: string }).code !== "EEXIST" || attempt >= 400) {
        throw new CosignError("ABORTED", `Cannot lock "${path}": ${(e as Error).message}`, {
          hint: `If no other signer is running, remove ${lock}.`,
        });
      }
      await new Promise((r) => setTimeout(r, 25 + Math.random() * 25));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}

/** Writes `text` to `path` through a fresh temporary file (synced) and a rename. */
export async function writeAtomic(path: string, text: string, mode = 0o644): Promise<void> {
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  const fh = await open(tmp, "wx", mode);
  try {
    await fh.writeFile(text);
    await fh.sync();
    await fh.close();
    await rename(tmp, path);
  } catch (e) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true });
    throw e;
  }
}
