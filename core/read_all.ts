/**
 * Reading a whole stream into memory with a size cap: for signing or verifying with keys that
 * need the whole message (Ed25519, RSA without a pre-hashed interface), and for small inputs.
 *
 * @example
 * ```ts
 * const bytes = await readAll(await artifact.open!(), 1 << 20, '"small.txt"');
 * ```
 * @module
 */
import { concatBytes } from "./concat_bytes.ts";
import { CosignError } from "./errors.ts";

/** Whole-message signing and verification read at most this much into memory (2 GiB - 1). */
export const MAX_WHOLE_MESSAGE_BYTES: number = 2 * 1024 * 1024 * 1024 - 1;

/**
 * Reads a whole stream into memory, refusing more than `limit` bytes (the stream is cancelled):
 * with CosignError("TOO_LARGE") `Cannot read <what>: it is larger than <limit> bytes` when
 * `what` names the input, or with the error `what(bytesRead)` makes, for callers that word it
 * themselves (service_request.ts readBodyCapped, login's password, the registry client's
 * readCapped).
 *
 * @example
 * ```ts
 * const bytes = await readAll(stream, MAX_WHOLE_MESSAGE_BYTES, '"release.tar.gz"');
 * ```
 */
export async function readAll(
  stream: ReadableStream<Uint8Array>,
  limit: number,
  what: string | ((read: number) => Error),
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      n += value.length;
      if (n > limit) {
        await reader.cancel().catch(() => {});
        if (typeof what === "function") throw what(n);
        throw new CosignError(
          "TOO_LARGE",
          `Cannot read ${what}: it is larger than ${limit} bytes`,
          { hint: "This operation needs the whole content in memory; use a smaller input." },
        );
      }
      parts.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  return concatBytes(parts, n);
}

/**
 * Reads a whole stream into memory when it has at most `limit` bytes; otherwise cancels it and
 * returns undefined (for fast paths that only pay off on small inputs). Stream errors propagate.
 *
 * @example
 * ```ts
 * const small = await readUpTo(await artifact.open!(), 16 << 20); // undefined when larger
 * ```
 */
export async function readUpTo(
  stream: ReadableStream<Uint8Array>,
  limit: number,
): Promise<Uint8Array | undefined> {
  try {
    return await readAll(stream, limit, "content");
  } catch (e) {
    if (e instanceof CosignError && e.code === "TOO_LARGE") return undefined;
    throw e;
  }
}
