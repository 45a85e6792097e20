/**
 * PEM encoding and decoding (RFC 7468), written the way Go's `encoding/pem` writes it:
 * `-----BEGIN LABEL-----`, base64 in 64-character lines, `-----END LABEL-----`, newline.
 * Reading tolerates CRLF, surrounding text and Go-style `Key: value` headers.
 *
 * @example
 * ```ts
 * const text = pemEncode("PUBLIC KEY", spki);
 * const [block] = pemDecode(text); // { label: "PUBLIC KEY", bytes: spki }
 * ```
 * @module
 */
import { base64 } from "@scure/base";
import { CosignError } from "../errors.ts";

/** One PEM block. */
export interface PemBlock {
  /** The label, e.g. "PUBLIC KEY", "ENCRYPTED SIGSTORE PRIVATE KEY". */
  label: string;
  /** Headers (`Proc-Type: …`) if the block had any. */
  headers: Record<string, string>;
  /** The decoded body. */
  bytes: Uint8Array;
}

/** Encodes bytes as a PEM block with 64-character lines and a trailing newline. */
export function pemEncode(label: string, bytes: Uint8Array): string {
  const b64 = base64.encode(bytes);
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join("\n")}${
    lines.length ? "\n" : ""
  }-----END ${label}-----\n`;
}

const BLOCK = /-----BEGIN ([^\r\n\-]*)-----\r?\n([\s\S]*?)-----END ([^\r\n\-]*)-----/g;

/**
 * Decodes every PEM block in `text`, in order. `name` (e.g. a file name) is used in errors.
 * Throws CosignError("KEY") when there is no block, a BEGIN/END mismatch or a bad body.
 */
export function pemDecode(text: string, name = "input"): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    const [, label, body, endLabel] = m;
    if (label !== endLabel) {
      throw new CosignError(
        "KEY",
        `Cannot read PEM in "${name}": BEGIN ${label} ends with END ${endLabel}`,
      );
    }
    const headers: Record<string, string> = {};
    let content = body;
    const split = /^((?:[A-Za-z0-9-]+:[^\n]*\r?\n)+)\r?\n/.exec(body);
    if (split) {
      for (const line of split[1].split(/\r?\n/)) {
        const i = line.indexOf(":");
        if (i > 0) headers[line.slice(0, i).trim()] = line.slice(i + 1).trim();
      }
      content = body.slice(split[0].length);
    }
    const b64 = content.replace(/\s+/g, "");
    let bytes: Uint8Array;
    try {
      bytes = base64.decode(b64);
    } catch {
      throw new CosignError(
        "KEY",
        `Cannot read PEM in "${name}": the ${label} block is not valid base64`,
        { hint: "The file may be truncated or edited; use the original file." },
      );
    }
    blocks.push({ label, headers, bytes });
  }
  if (blocks.length === 0) {
    throw new CosignError("KEY", `Cannot read "${name}": it contains no PEM block`, {
      hint: 'Expected text starting with "-----BEGIN ...-----".',
    });
  }
  return blocks;
}

/**
 * The first block whose label is one of `labels`. Throws CosignError("KEY") naming the labels
 * found when none matches.
 */
export function pemFind(text: string, labels: readonly string[], name = "input"): PemBlock {
  const blocks = pemDecode(text, name);
  const b = blocks.find((x) => labels.includes(x.label));
  if (!b) {
    throw new CosignError(
      "KEY",
      `Cannot read "${name}": found PEM ${blocks.map((x) => `"${x.label}"`).join(", ")}, expected ${
        labels.map((l) => `"${l}"`).join(" or ")
      }`,
    );
  }
  return b;
}
