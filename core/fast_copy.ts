/**
 * Fast `Uint8Array.from(<a Uint8Array>)` for the span of one synchronous call.
 *
 * `@sigstore/protobuf-specs` decodes every base64 field of a bundle, a log entry or a trusted
 * root with `Uint8Array.from(Buffer.from(b64, "base64"))`. JavaScriptCore (Bun, the shipped
 * binary's runtime) copies that through the iterator protocol byte by byte: 10–13% of an
 * in-process DSSE bundle verification. {@link fastUint8ArrayFrom} answers a call on Uint8Array
 * itself with a Uint8Array source and no mapping function with the same fresh copy made natively
 * (`new Uint8Array(source)`); every other call goes to the original unchanged.
 * {@link withFastUint8ArrayCopies} installs it only while a synchronous function runs (nothing
 * else can run meanwhile) and restores the original after, so the library changes no global for
 * its callers; the CLI installs it for the whole process under Bun (runtime/mod.ts
 * prepareCliProcess).
 *
 * @example
 * ```ts
 * const bundle = withFastUint8ArrayCopies(() => bundleFromJSON(value));
 * ```
 * @module
 */

type From = typeof Uint8Array.from & { fastCopy?: boolean };

/**
 * Makes the fast `Uint8Array.from` over `original` (see the module documentation). The result
 * carries `fastCopy: true` so that it is never wrapped twice.
 *
 * @example
 * ```ts
 * Object.defineProperty(Uint8Array, "from", { value: fastUint8ArrayFrom(Uint8Array.from) });
 * ```
 */
export function fastUint8ArrayFrom(original: typeof Uint8Array.from): typeof Uint8Array.from {
  const { from } = {
    from(this: unknown, source: unknown, ...rest: unknown[]): Uint8Array {
      if (this === Uint8Array && rest.length === 0 && source instanceof Uint8Array) {
        return new Uint8Array(source);
      }
      return Reflect.apply(original, this, [source, ...rest]) as Uint8Array;
    },
  };
  Object.defineProperty(from, "fastCopy", { value: true });
  return from as typeof Uint8Array.from;
}

function install(value: typeof Uint8Array.from): void {
  Object.defineProperty(Uint8Array, "from", {
    value,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

/**
 * Installs the fast `Uint8Array.from` for good (unless it already is): for a whole process that
 * wants it (the CLI under Bun: runtime/mod.ts prepareCliProcess), never done by the library
 * itself.
 *
 * @example
 * ```ts
 * installFastUint8ArrayCopies(); // before run(argv)
 * ```
 */
export function installFastUint8ArrayCopies(): void {
  const original = Uint8Array.from as From;
  if (!original.fastCopy) install(fastUint8ArrayFrom(original));
}

/**
 * Runs the synchronous `fn` with the fast `Uint8Array.from` installed (unless it already is)
 * and restores the original afterwards, also when `fn` throws. Returns what `fn` returns.
 *
 * @example
 * ```ts
 * const entry = withFastUint8ArrayCopies(() => TransparencyLogEntry.fromJSON(json));
 * ```
 */
export function withFastUint8ArrayCopies<T>(fn: () => T): T {
  const original = Uint8Array.from as From;
  if (original.fastCopy) return fn();
  install(fastUint8ArrayFrom(original));
  try {
    return fn();
  } finally {
    install(original);
  }
}
