/**
 * A module loaded on first use and then reused. A dynamic `import()` of a module that is
 * already loaded still costs a module-loader round trip on every call (under Bun ≈ 3% of an
 * in-process bundle verification, and one per signature when verifying images); the light
 * entry files keep their heavy parts lazy through this instead.
 *
 * A failed load is not remembered: the next call tries again.
 *
 * @example
 * ```ts
 * const specs = lazyModule(() => import("@sigstore/protobuf-specs"));
 * const { TransparencyLogEntry } = await specs();
 * ```
 * @module
 */

/**
 * Wraps `load` (an `import()`) so that it runs once; every call returns the same promise.
 *
 * @example
 * ```ts
 * const verifier = lazyModule(() => import("./entry_verifier.ts"));
 * const { verifyRekorEntry } = await verifier();
 * ```
 */
export function lazyModule<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () =>
    loaded ??= load().catch((e) => {
      loaded = undefined;
      throw e;
    });
}
