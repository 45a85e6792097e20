/**
 * Writes output files atomically: the content goes to a temporary sibling which is renamed over
 * the target only once it is complete, so a failure never leaves a half-written file.
 *
 * @example
 * ```ts
 * await writeFileAtomic("artifact.sig", "MEUCIQ…", 0o600);
 * ```
 * @module
 */
import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { CosignError, describeError } from "../core/errors.ts";

/**
 * Writes `data` to `path` through a temporary file + rename, with the given mode (default
 * 0600, as cosign writes signatures and bundles). Throws CosignError("IO") naming the path.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  mode = 0o600,
): Promise<void> {
  const tmp = join(
    dirname(path),
    `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`,
  );
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  try {
    const fh = await open(tmp, "wx", mode);
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {});
    const code = (e as { code?: string })?.code;
    throw new CosignError(
      "IO",
      `Cannot write "${path}": ${
        code === "ENOENT"
          ? "its directory does not exist"
          : code === "EISDIR"
          ? "it is a directory"
          : describeError(e)
      }`,
      { hint: "Check the path and the permissions of its directory.", cause: e },
    );
  }
}
