/**
 * Writes a file atomically: the data goes to a temporary file in the same folder (created with
 * the final mode), which is then renamed over the target. A reader never sees a half-written
 * key, and a failure leaves no partial file behind.
 *
 * @example
 * ```ts
 * await writeFileAtomic("cosign.key", pemText, 0o600);
 * ```
 * @module
 */
import { chmod, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { CosignError, describeError } from "../../core/errors.ts";

/**
 * Writes `data` to `path` with permission bits `mode` via temp file + rename.
 * Throws CosignError("IO") naming the path.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  mode: number,
): Promise<void> {
  const rand = Array.from(
    crypto.getRandomValues(new Uint8Array(6)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
  const tmp = join(dirname(path), `.${basename(path)}.${rand}.tmp`);
  try {
    const fh = await open(tmp, "wx", mode);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await chmod(tmp, mode); // the umask may have narrowed or the platform ignored `mode`
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {});
    throw new CosignError("IO", `Cannot write "${path}": ${describeError(e)}`, {
      hint: "Check that the folder exists and is writable.",
      cause: e,
    });
  }
}
