/**
 * Content digests (`sha256:<hex>`): computing them for bytes and streams, and checking them.
 *
 * @example
 * ```ts
 * const d = sha256Digest(new TextEncoder().encode("hi")); // "sha256:8f43…"
 * ```
 * @module
 */
import { CosignError } from "../core/errors.ts";
import { createHasher, hashHex } from "../core/native_hash.ts";

const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

/** "sha256:<hex>" of `data`. */
export function sha256Digest(data: Uint8Array): string {
  return `sha256:${hashHex("sha256", data)}`;
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

/** Creates an incremental SHA-256 hasher. */
export function sha256Hasher(): DigestHasher {
  const h = createHasher("sha256");
  return {
    update: (d) => h.update(d),
    digest: () => `sha256:${h.digestHex()}`,
  };
}

/** The hex part of a digest ("sha256:abc" → "abc"). */
export function digestHex(digest: string): string {
  return digest.slice(digest.indexOf(":") + 1);
}
