/**
 * Synchronous message digests (SHA-256/384/512, one-shot and incremental) for hashing at native
 * speed without loading `node:crypto` where the runtime has a hasher of its own: the CLI installs
 * Bun's `Bun.CryptoHasher` (runtime/mod.ts prepareCliProcess), because loading `node:crypto`
 * under Bun costs 12–14 ms of CPU, more than a whole image signature's verification. Elsewhere
 * (Deno, Node, the library without the CLI) `node:crypto`'s `createHash`, loaded on first use.
 * Both give the same bytes.
 *
 * @example
 * ```ts
 * const hex = hashHex("sha256", new TextEncoder().encode("hi"));
 * const h = createHasher("sha512"); h.update(a); h.update(b); const d = h.digest();
 * ```
 * @module
 */
import process from "node:process";

/** The algorithms hashed here. */
export type SyncHashAlgorithm = "sha256" | "sha384" | "sha512";

/** An incremental hasher. */
export interface SyncHasher {
  /** Adds bytes. */
  update(data: Uint8Array): void;
  /** The digest of everything added, as bytes of its own. Call once. */
  digest(): Uint8Array;
  /** The same digest as lower-case hex. Call once (instead of {@link SyncHasher.digest}). */
  digestHex(): string;
}

/** A runtime's native hashing, as {@link installNativeHasher} takes it. */
export interface NativeHasher {
  /** A new incremental hasher. */
  create(alg: SyncHashAlgorithm): SyncHasher;
  /** One-shot digest as lower-case hex. */
  hex(alg: SyncHashAlgorithm, data: Uint8Array): string;
}

let native: NativeHasher | undefined;

/** Makes {@link createHasher} and {@link hashHex} use `hasher` (process-wide; the CLI's choice). */
export function installNativeHasher(hasher: NativeHasher | undefined): void {
  native = hasher;
}

let nodeCrypto: typeof import("node:crypto") | undefined;

function crypto(): typeof import("node:crypto") {
  return nodeCrypto ??= process.getBuiltinModule("node:crypto") as typeof import("node:crypto");
}

/** A new incremental hasher (native where installed, else node:crypto). */
export function createHasher(alg: SyncHashAlgorithm): SyncHasher {
  if (native) return native.create(alg);
  const h = crypto().createHash(alg);
  return {
    update: (d) => void h.update(d),
    digest: () => new Uint8Array(h.digest()),
    digestHex: () => h.digest("hex"),
  };
}

/** The digest of `data` as lower-case hex, in one call. */
export function hashHex(alg: SyncHashAlgorithm, data: Uint8Array): string {
  if (native) return native.hex(alg, data);
  const c = crypto();
  // crypto.hash (Node 21.7+, Deno): one call, no Hash object.
  return typeof c.hash === "function"
    ? c.hash(alg, data, "hex")
    : c.createHash(alg).update(data).digest("hex");
}
