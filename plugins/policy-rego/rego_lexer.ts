/**
 * Splits Rego source into tokens: identifiers and keywords, numbers, strings (`"…"` with JSON
 * escapes, raw `` `…` ``), operators and punctuation, and newlines (which separate body
 * expressions). Comments (`#` to the end of the line) are dropped.
 *
 * Throws CosignError("INVALID_INPUT") naming the policy, line and column for a character that
 * starts no token or an unterminated string.
 *
 * @example
 * ```ts
 * lexRego("allow { input.x == 1 }", "p.rego").map((t) => t.text);
 * // ["allow", "{", "input", ".", "x", "==", "1", "}"]
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";

/** Token kinds. */
export type RegoTokenKind = "ident" | "number" | "string" | "op" | "newline" | "eof";

/** One token with its position (1-based line and column). */
export interface RegoToken {
  /** What kind of token. */
  kind: RegoTokenKind;
  /** The source text (for strings: the decoded value). */
  text: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  col: number;
}

const OPS = [
  ":=",
  "==",
  "!=",
  "<=",
  ">=",
  "{",
  "}",
  "[",
  "]",
  "(",
  ")",
  ".",
  ",",
  ";",
  ":",
  "|",
  "&",
  "=",
  "<",
  ">",
  "+",
  "-",
  "*",
  "/",
  "%",
];

/** A parse error at a position of a policy file. */
export function regoSyntaxError(
  file: string,
  line: number,
  col: number,
  what: string,
): CosignError {
  return new CosignError(
    "INVALID_INPUT",
    `Cannot parse Rego policy "${file}": ${line}:${col}: ${what}`,
    {
      hint:
        "Check the policy with `opa check`; cosign-ts evaluates the Rego subset its README lists.",
    },
  );
}

/** Tokenizes Rego source; see the module documentation. */
export function lexRego(src: string, file: string): RegoToken[] {
  const out: RegoToken[] = [];
  let i = 0, line = 1, lineStart = 0;
  const push = (kind: RegoTokenKind, text: string, start: number) =>
    out.push({ kind, text, line, col: start - lineStart + 1 });
  while (i < src.length) {
    const c = src[i];
    if (c === "\n") {
      push("newline", "\n", i);
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r") {
      i++;
      continue;
    }
    if (c === "#") {
      while (i < src.length && src[i] !== "\n") i++;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const s = i;
      while (i < src.length && /[A-Za-z0-9_]/.test(src[i])) i++;
      push("ident", src.slice(s, i), s);
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(src.slice(i))!;
      push("number", m[0], i);
      i += m[0].length;
      continue;
    }
    if (c === '"') {
      const s = i;
      i++;
      while (i < src.length && src[i] !== '"') {
        if (src[i] === "\n") break;
        i += src[i] === "\\" ? 2 : 1;
      }
      if (src[i] !== '"') {
        throw regoSyntaxError(file, line, s - lineStart + 1, "unterminated string");
      }
      i++;
      let value: string;
      try {
        value = JSON.parse(src.slice(s, i));
      } catch {
        throw regoSyntaxError(file, line, s - lineStart + 1, "invalid escape in string");
      }
      push("string", value, s);
      continue;
    }
    if (c === "`") {
      const s = i, sLine = line, sCol = i - lineStart + 1;
      const end = src.indexOf("`", i + 1);
      if (end < 0) throw regoSyntaxError(file, sLine, sCol, "unterminated raw string");
      const value = src.slice(i + 1, end);
      out.push({ kind: "string", text: value, line: sLine, col: sCol });
      for (let k = s; k < end; k++) {
        if (src[k] === "\n") {
          line++;
          lineStart = k + 1;
        }
      }
      i = end + 1;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) {
      throw regoSyntaxError(
        file,
        line,
        i - lineStart + 1,
        `unexpected character ${JSON.stringify(c)}`,
      );
    }
    push("op", op, i);
    i += op.length;
  }
  out.push({ kind: "eof", text: "", line, col: i - lineStart + 1 });
  return out;
}
