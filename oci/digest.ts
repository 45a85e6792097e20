/**
 * Content digests (`sha256:<hex>`): computing them for bytes and streams, and checking them.
 *
 * @example
 * ```ts
 * const d = sha256Digest(new TextEncoder().encode("hi")); // "sha256:8f43…"
 * ```
 * @module
 */
import type { Hash } from "node:crypto";
import process from "node:process";
import { CosignError } from "../core/errors.ts";

const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

/** "sha256:<hex>" of `data`. */
export function sha256Digest(data: Uint8Array): string {
  const c = nodeCrypto();
  // crypto.hash (Node 21.7+, Bun): one call, no Hash object.
  return `sha256:${
    typeof c.hash === "function"
      ? c.hash("sha256", data, "hex")
      : c.createHash("sha256").update(data).digest("hex")
  }`;
}

/** True when `s` is a well-formed "sha256:<64 hex>" digest. */
export function isSha256Digest(s: string): boolean {
  return DIGEST_RE.test(s);
}

/**
 * Checks that `s` is a sha256 digest; throws CosignError("INVALID_INPUT") naming `what` if not.
 * (cosign and the registries we speak to produce sha256 only.)
 */
export function assertDigest(s: string, what = "digest"): string {
  if (!DIGEST_RE.test(s)) {
    throw new CosignError(
      "INVALID_INPUT",
      `Invalid ${what} "${s}": expected sha256: followed by 64 lower-case hex digits`,
      { hint: "Copy the digest exactly, e.g. from `cosign-ts triangulate` or the registry." },
    );
  }
  return s;
}

/** An incremental SHA-256 (native speed on Deno, Bun and Node through node:crypto). */
export interface DigestHasher {
  /** Adds bytes. */
  update(data: Uint8Array): void;
  /** "sha256:<hex>" of everything added. Call once. */
  digest(): string;
}

/**
 * node:crypto's `createHash(algorithm)`, with node:crypto loaded on first use: importing it at
 * start-up costs every command (even `version`) several milliseconds of CPU. Throws what
 * createHash throws for an unknown algorithm.
 *
 * @example
 * ```ts
 * const hex = createNodeHash("sha512").update(bytes).digest("hex");
 * ```
 */
export function createNodeHash(algorithm: string): Hash {
  return nodeCrypto().createHash(algorithm);
}

let crypto: typeof import("node:crypto") | undefined;

/** node:crypto, loaded on first use and kept. */
function nodeCrypto(): typeof import("node:crypto") {
  return crypto ??= process.getBuiltinModule("node:crypto") as typeof import("node:crypto");
}

/** Creates an incremental SHA-256 hasher. */
export function sha256Hasher(): DigestHasher {
  const h = createNodeHash("sha256");
  return {
    update: (d) => void h.update(d),
    digest: () => `sha256:${h.digest("hex")}`,
  };
}

/** The hex part of a digest ("sha256:abc" → "abc"). */
export function digestHex(digest: string): string {
  return digest.slice(digest.indexOf(":") + 1);
}
