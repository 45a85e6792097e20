/**
 * Running an async function over a list with a bound on how many calls are in flight: the
 * worker pool behind fetching signature layers, referrer bundles and verifying signatures.
 *
 * @example
 * ```ts
 * const bodies = await mapLimit(urls, 8, async (u) => await (await fetch(u)).text());
 * ```
 * @module
 */

/**
 * `fn` over `items` with at most `limit` calls running at once (at least 1; a fraction is
 * rounded down); results in `items` order. The first rejection rejects the whole (calls already
 * started run on; no new one starts once that worker stops).
 *
 * @example
 * ```ts
 * const sizes = await mapLimit(files, 4, async (f, i) => (await stat(f)).size + i);
 * ```
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  const n = Math.max(1, Math.min(Math.floor(limit) || 1, items.length));
  await Promise.all(Array.from({ length: n }, worker));
  return out;
}
