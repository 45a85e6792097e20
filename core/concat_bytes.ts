/**
 * Joins the chunks read from a stream into one buffer: the last step of every capped
 * read-into-memory (service responses, TUF metadata, registry manifests, stdin).
 *
 * @example
 * ```ts
 * concatBytes([new Uint8Array([1, 2]), new Uint8Array([3])]); // Uint8Array [1, 2, 3]
 * ```
 * @module
 */

/**
 * Concatenates `parts` into a new Uint8Array. `total` is their summed length when the caller
 * already counted it (as capped readers do); otherwise it is computed. Never throws.
 */
export function concatBytes(
  parts: Uint8Array[],
  total: number = parts.reduce((n, p) => n + p.length, 0),
): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
