/**
 * RFC 6962 / RFC 9162 Merkle tree hashing and inclusion-proof verification, as transparency
 * logs (Rekor v1 and v2) use them.
 *
 * @example
 * ```ts
 * const root = await rootFromInclusionProof(index, size, await leafHash(body), proofHashes);
 * ```
 * @module
 */
import { sha256 } from "./public_key.ts";

/**
 * A synchronous SHA-256 (e.g. `Runtime.digestSync` bound to "sha256"); without one, hashing goes
 * through WebCrypto. Same bytes either way.
 */
export type SyncSha256 = (data: Uint8Array) => Uint8Array;

/** The leaf hash: SHA-256(0x00 ‖ data), with `hash` when given. */
export async function leafHash(data: Uint8Array, hash?: SyncSha256): Promise<Uint8Array> {
  const b = new Uint8Array(data.length + 1);
  b.set(data, 1);
  return hash ? hash(b) : await sha256(b);
}

/** The interior node hash: SHA-256(0x01 ‖ left ‖ right), with `hash` when given. */
export async function nodeHash(
  left: Uint8Array,
  right: Uint8Array,
  hash?: SyncSha256,
): Promise<Uint8Array> {
  const b = new Uint8Array(1 + left.length + right.length);
  b[0] = 1;
  b.set(left, 1);
  b.set(right, 1 + left.length);
  return hash ? hash(b) : await sha256(b);
}

/**
 * Computes the tree root implied by an inclusion proof (RFC 9162 section 2.1.3.2), hashing with
 * `hash` when given (a synchronous SHA-256), else WebCrypto.
 * Returns null when the proof is malformed for this index and size (wrong number of hashes,
 * index outside the tree).
 */
export async function rootFromInclusionProof(
  index: bigint,
  size: bigint,
  leaf: Uint8Array,
  proof: Uint8Array[],
  hash?: SyncSha256,
): Promise<Uint8Array | null> {
  if (index < 0n || size <= 0n || index >= size) return null;
  let fn = index;
  let sn = size - 1n;
  let r = leaf;
  for (const p of proof) {
    if (p.length !== 32) return null;
    if (sn === 0n) return null;
    if ((fn & 1n) === 1n || fn === sn) {
      r = await nodeHash(p, r, hash);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = await nodeHash(r, p, hash);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n ? r : null;
}

/**
 * Builds a tree over `leaves` (raw entries) and returns its root and the audit path of `index`.
 * Used by tests to make real proofs, and handy for tools.
 */
export async function buildTree(
  leaves: Uint8Array[],
  index: number,
): Promise<{ root: Uint8Array; proof: Uint8Array[] }> {
  const hashes = await Promise.all(leaves.map((l) => leafHash(l)));
  const proof: Uint8Array[] = [];
  const mth = async (lo: number, hi: number, target: number): Promise<Uint8Array> => {
    if (hi - lo === 1) return hashes[lo];
    let k = 1;
    while (k * 2 < hi - lo) k *= 2;
    const mid = lo + k;
    const left = await mth(lo, mid, target);
    const right = await mth(mid, hi, target);
    if (target >= lo && target < hi) {
      // record sibling of the subtree that holds target (collected deepest first below)
      proof.push(target < mid ? right : left);
    }
    return await nodeHash(left, right);
  };
  const root = await mth(0, leaves.length, index);
  return { root, proof };
}
