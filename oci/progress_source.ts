/**
 * An {@link ImageSource} whose blob reads are counted into one {@link Progress} (ctx.progress),
 * for `copy`, `save` and `load`: one line for the whole transfer, however many blobs move at
 * once. The caller ends the progress when the transfer is over.
 *
 * @example
 * ```ts
 * const progress = ctx.progress?.(`Copying ${src}`);
 * try {
 *   await transferImage(progressSource(source, progress), sink, root);
 * } finally {
 *   progress?.done();
 * }
 * ```
 * @module
 */
import type { Progress } from "../core/plugin.ts";
import { withProgress } from "../core/progress_stream.ts";
import type { ImageSource } from "./transfer.ts";

/** `source` as is without a progress; else the same source counting its blob bytes. */
export function progressSource(source: ImageSource, progress: Progress | undefined): ImageSource {
  if (!progress) return source;
  return {
    name: source.name,
    // Kept: a sink on the same registry mounts instead of copying (no bytes, no progress).
    ...(source.repository ? { repository: source.repository } : {}),
    manifest: (tagOrDigest) => source.manifest(tagOrDigest),
    blob: async (desc) => withProgress(await source.blob(desc), progress, false),
  };
}
