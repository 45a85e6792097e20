/**
 * Counts the bytes of a stream into a {@link Progress} (ctx.progress), ending it when the stream
 * ends, fails or is cancelled. Runtime-neutral (web streams only).
 *
 * @example
 * ```ts
 * const body = withProgress(stream, ctx.progress?.(`Downloading ${digest}`, size));
 * ```
 * @module
 */
import type { Progress } from "./plugin.ts";

/**
 * `stream` as is when `progress` is undefined, else a stream that reports each chunk to it and
 * ends it with the stream (unless `endWithStream` is false: one progress shared by many streams,
 * ended by its owner).
 */
export function withProgress(
  stream: ReadableStream<Uint8Array>,
  progress: Progress | undefined,
  endWithStream = true,
): ReadableStream<Uint8Array> {
  if (!progress) return stream;
  const end = () => {
    if (endWithStream) progress.done();
  };
  const reader = stream.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await reader.read();
        if (done) {
          end();
          controller.close();
          return;
        }
        progress.advance(value.length);
        controller.enqueue(value);
      } catch (e) {
        end();
        throw e;
      }
    },
    async cancel(reason) {
      end();
      await reader.cancel(reason);
    },
  });
}
