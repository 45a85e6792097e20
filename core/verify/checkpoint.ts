/**
 * Transparency-log checkpoints in the signed-note format
 * (`<origin>\n<size>\n<base64 root>\n[extra lines]\n\n— <name> <base64(keyhint4 ‖ sig)>\n…`),
 * as Rekor v1 and v2 (tiles) sign them. Extra signature lines (witness cosignatures) are
 * tolerated: one valid signature by the log's own key is required.
 *
 * @example
 * ```ts
 * const cp = parseCheckpoint(envelope); // throws CosignError("VERIFY") when malformed
 * ```
 * @module
 */
import { CosignError } from "../errors.ts";
import { base64Decode } from "../encoding.ts";

/** A parsed signed note. */
export interface Checkpoint {
  /** The signed text: header lines up to and including the newline before the blank line. */
  note: string;
  /** First line: the log's origin string. */
  origin: string;
  /** Tree size. */
  size: bigint;
  /** Root hash. */
  rootHash: Uint8Array;
  /** Signature lines. */
  signatures: { name: string; keyHint: Uint8Array; signature: Uint8Array }[];
}

function fail(what: string): never {
  throw new CosignError("VERIFY", `Cannot verify tlog inclusion proof: checkpoint ${what}`, {
    hint: "The bundle's checkpoint is malformed; obtain the bundle again from the log.",
  });
}

function b64(s: string): Uint8Array {
  try {
    return base64Decode(s);
  } catch {
    return fail(`has invalid base64 "${s.slice(0, 40)}"`);
  }
}

/** Parses a signed-note checkpoint. Throws CosignError("VERIFY") naming what is malformed. */
export function parseCheckpoint(envelope: string): Checkpoint {
  const sep = envelope.indexOf("\n\n");
  if (sep < 0) fail("has no blank line between note and signatures");
  const note = envelope.slice(0, sep + 1);
  const lines = note.slice(0, -1).split("\n");
  if (lines.length < 3) fail("has fewer than three header lines");
  if (!/^\d+$/.test(lines[1])) fail(`has an invalid tree size "${lines[1]}"`);
  const rootHash = b64(lines[2]);
  if (rootHash.length !== 32) fail("root hash is not 32 bytes");
  const signatures: Checkpoint["signatures"] = [];
  for (const line of envelope.slice(sep + 2).split("\n")) {
    if (line === "") continue;
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m) fail(`has a malformed signature line "${line.slice(0, 60)}"`);
    const raw = b64(m[2]);
    if (raw.length < 5) fail("has a signature shorter than its key hint");
    signatures.push({ name: m[1], keyHint: raw.subarray(0, 4), signature: raw.subarray(4) });
  }
  if (signatures.length === 0) fail("has no signatures");
  return { note, origin: lines[0], size: BigInt(lines[1]), rootHash, signatures };
}
