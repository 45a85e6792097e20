/**
 * Parses the CUE subset cosign-ts evaluates:
 *
 * - `package x`; `import "time"`, `import ( "strings"; l "list" )`;
 * - fields `a: e`, `"a-b": e`, `a?: e` (optional), `a!: e` (required), `#Def: e`, `_hidden: e`,
 *   the shorthand `a: b: c: e`, pattern constraints `[string]: e` / `[=~"re"]: e`, `let x = e`,
 *   `...` (open struct);
 * - expressions: `null`, booleans, numbers, strings (`"…"` with escapes and `\(e)`
 *   interpolation, `"""` multi-line), `_` (top), `_|_` (bottom), references and selectors
 *   (`a.b`), indexes (`a[0]`, `a["k"]`), calls (`time.Parse(…)`, `len(x)`), structs, lists with
 *   an open tail (`[...string]`, `[int, ...]`), unary bounds and operators (`<`, `<=`, `>`, `>=`,
 *   `!=`, `=~`, `!~`, `-`, `!`, `*` default), `&`, `|`, `||`, `&&`, `==`, `!=`, `<`, `<=`, `>`,
 *   `>=`, `=~`, `!~`, `+`, `-`, `*`, `/`, parentheses.
 *
 * Commas are inserted at line ends as CUE does (after a name, literal, `)`, `]`, `}`, `_|_`,
 * `...`). Anything else (`for` among fields, label aliases `[X=string]: T`, dynamic
 * labels, embeddings, raw `#"…"#` strings, attributes) is CosignError("UNSUPPORTED") naming the
 * construct and line; malformed source is CosignError("INVALID_INPUT") with line and column.
 *
 * @example
 * ```ts
 * parseCue('predicateType: "https://slsa.dev/provenance/v1"', "p.cue").root.decls.length; // 1
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { CueClause, CueDecl, CueExpr, CueFile } from "./cue_ast.ts";
import { HIDDEN_PREFIX } from "./cue_value.ts";

interface Tok {
  kind: "ident" | "number" | "string" | "op" | "eof";
  text: string;
  /** Strings: literal parts and interpolated sources. */
  parts?: (string | { src: string; line: number })[];
  line: number;
  col: number;
}

const OPS = [
  "...",
  "_|_",
  "&&",
  "||",
  "==",
  "!=",
  "<=",
  ">=",
  "=~",
  "!~",
  "{",
  "}",
  "[",
  "]",
  "(",
  ")",
  ".",
  ",",
  ":",
  "?",
  "!",
  "&",
  "|",
  "=",
  "<",
  ">",
  "+",
  "-",
  "*",
  "/",
  "@",
  "#",
];

/** A parse error in a CUE policy. */
export function cueSyntaxError(file: string, line: number, col: number, what: string): CosignError {
  return new CosignError(
    "INVALID_INPUT",
    `Cannot parse CUE policy "${file}": ${line}:${col}: ${what}`,
    {
      hint: "Check the policy with `cue vet`; cosign-ts evaluates the CUE subset its README lists.",
    },
  );
}

/** A construct outside the supported subset. */
export function cueUnsupported(file: string, line: number, what: string): CosignError {
  return new CosignError(
    "UNSUPPORTED",
    `Cannot evaluate CUE policy "${file}": line ${line}: ${what} is not supported by cosign-ts's CUE evaluator`,
    {
      hint:
        "The README lists the CUE subset cosign-ts evaluates; write the check without it, or as a TypeScript policy.",
    },
  );
}

function lex(src: string, file: string, lineBase = 1): Tok[] {
  const out: Tok[] = [];
  let i = 0, line = lineBase, lineStart = 0;
  const col = (at: number) => at - lineStart + 1;
  const needsComma = () => {
    const last = out[out.length - 1];
    if (!last) return false;
    if (last.kind !== "op") return true;
    return [")", "]", "}", "_|_", "..."].includes(last.text);
  };
  while (i < src.length) {
    const c = src[i];
    if (c === "\n") {
      if (needsComma()) out.push({ kind: "op", text: ",", line, col: col(i) });
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r") {
      i++;
      continue;
    }
    if (src.startsWith("//", i)) {
      while (i < src.length && src[i] !== "\n") i++;
      continue;
    }
    if (src.startsWith('#"', i)) throw cueUnsupported(file, line, 'a raw string (#"…"#)');
    if (/[A-Za-z_$#]/.test(c) && !src.startsWith("_|_", i)) {
      const s = i;
      i++;
      while (i < src.length && /[A-Za-z0-9_$]/.test(src[i])) i++;
      if (src.slice(s, i) === "#") {
        out.push({ kind: "op", text: "#", line, col: col(s) });
        continue;
      }
      out.push({ kind: "ident", text: src.slice(s, i), line, col: col(s) });
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^(0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+|[0-9][0-9_]*(\.[0-9_]+)?([eE][+-]?[0-9]+)?)/
        .exec(src.slice(i))!;
      if (/^[KMGTP]i?/.test(src.slice(i + m[0].length))) {
        throw cueUnsupported(file, line, "a number with a multiplier suffix");
      }
      out.push({ kind: "number", text: m[0].replace(/_/g, ""), line, col: col(i) });
      i += m[0].length;
      continue;
    }
    if (c === '"') {
      const s = i, sLine = line, sCol = col(i);
      const multi = src.startsWith('"""', i);
      i += multi ? 3 : 1;
      const parts: (string | { src: string; line: number })[] = [];
      let cur = "";
      for (;;) {
        if (i >= src.length || (!multi && src[i] === "\n")) {
          throw cueSyntaxError(file, sLine, sCol, "unterminated string");
        }
        if (multi ? src.startsWith('"""', i) : src[i] === '"') break;
        const ch = src[i];
        if (ch === "\n") {
          line++;
          lineStart = i + 1;
        }
        if (ch !== "\\") {
          cur += ch;
          i++;
          continue;
        }
        const e = src[i + 1];
        if (e === "(") {
          // Interpolation: find the matching ")".
          let depth = 1, j = i + 2;
          while (j < src.length && depth > 0) {
            if (src[j] === "(") depth++;
            else if (src[j] === ")") depth--;
            else if (src[j] === "\n") {
              throw cueSyntaxError(file, line, col(j), "unterminated interpolation");
            }
            j++;
          }
          if (depth !== 0) throw cueSyntaxError(file, line, col(i), "unterminated interpolation");
          if (cur) parts.push(cur);
          cur = "";
          parts.push({ src: src.slice(i + 2, j - 1), line });
          i = j;
          continue;
        }
        const simple: Record<string, string> = {
          n: "\n",
          t: "\t",
          r: "\r",
          '"': '"',
          "\\": "\\",
          "/": "/",
          b: "\b",
          f: "\f",
          a: "\x07",
          v: "\v",
          "'": "'",
        };
        if (e in simple) {
          cur += simple[e];
          i += 2;
          continue;
        }
        const u = /^u([0-9a-fA-F]{4})|^U([0-9a-fA-F]{8})/.exec(src.slice(i + 1));
        if (u) {
          cur += String.fromCodePoint(parseInt(u[1] ?? u[2], 16));
          i += 1 + u[0].length;
          continue;
        }
        throw cueSyntaxError(file, line, col(i), `unknown escape sequence \\${e}`);
      }
      i += multi ? 3 : 1;
      if (multi) {
        // Multi-line strings drop the first newline and the closing line's indentation.
        const text = parts.length === 0 ? cur : undefined;
        if (text === undefined) {
          throw cueUnsupported(file, sLine, "interpolation in a multi-line string");
        }
        const lines = text.split("\n");
        const indent = lines[lines.length - 1];
        cur = lines.slice(1, -1).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l))
          .join("\n");
      }
      if (cur || parts.length === 0) parts.push(cur);
      out.push({ kind: "string", text: src.slice(s, i), parts, line: sLine, col: sCol });
      continue;
    }
    if (c === "'") throw cueUnsupported(file, line, "a byte string ('…')");
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw cueSyntaxError(file, line, col(i), `unexpected character ${JSON.stringify(c)}`);
    out.push({ kind: "op", text: op, line, col: col(i) });
    i += op.length;
  }
  if (needsComma()) out.push({ kind: "op", text: ",", line, col: col(i) });
  out.push({ kind: "eof", text: "", line, col: col(i) });
  return out;
}

const BINARY: string[][] = [
  ["|"],
  ["&"],
  ["||"],
  ["&&"],
  ["==", "!=", "<", "<=", ">", ">=", "=~", "!~"],
  ["+", "-"],
  ["*", "/"],
];
const UNARY = ["<", "<=", ">", ">=", "!=", "=~", "!~", "-", "+", "!", "*"];

/** Deepest expression nesting accepted (policies nest a handful of levels). */
export const MAX_NESTING = 100;

class Parser {
  #t: Tok[];
  #i = 0;
  #depth = 0; // expression nesting, bounded so a hostile policy cannot exhaust the stack
  readonly file: string;
  constructor(toks: Tok[], file: string) {
    this.#t = toks;
    this.file = file;
  }
  peek(k = 0): Tok {
    return this.#t[Math.min(this.#i + k, this.#t.length - 1)];
  }
  next(): Tok {
    const t = this.peek();
    if (t.kind !== "eof") this.#i++;
    return t;
  }
  isOp(text: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === "op" && t.text === text;
  }
  accept(text: string): boolean {
    if (this.isOp(text)) {
      this.next();
      return true;
    }
    return false;
  }
  expect(text: string): Tok {
    if (!this.isOp(text)) {
      this.fail(this.peek(), `expected "${text}", found ${describe(this.peek())}`);
    }
    return this.next();
  }
  fail(t: Tok, what: string): never {
    throw cueSyntaxError(this.file, t.line, t.col, what);
  }
  skipCommas(): void {
    while (this.accept(",")) { /* separators */ }
  }

  file_(): CueFile {
    const imports = new Map<string, string>();
    let pkg: string | undefined;
    this.skipCommas();
    if (this.peek().kind === "ident" && this.peek().text === "package") {
      this.next();
      pkg = this.ident();
    }
    this.skipCommas();
    while (this.peek().kind === "ident" && this.peek().text === "import") {
      this.next();
      const one = () => {
        let alias: string | undefined;
        if (this.peek().kind === "ident") alias = this.ident();
        const t = this.next();
        if (t.kind !== "string") this.fail(t, "expected an import path");
        const path = (t.parts ?? []).join("");
        imports.set(alias ?? path.split("/").pop()!.split(":")[0], path);
      };
      if (this.accept("(")) {
        this.skipCommas();
        while (!this.accept(")")) {
          one();
          this.skipCommas();
        }
      } else one();
      this.skipCommas();
    }
    const line = this.peek().line;
    const decls = this.decls("eof");
    return { pkg, imports, root: { t: "struct", decls, line } };
  }

  ident(): string {
    const t = this.next();
    if (t.kind !== "ident") this.fail(t, `expected a name, found ${describe(t)}`);
    return t.text;
  }

  decls(close: "}" | "eof"): CueDecl[] {
    const out: CueDecl[] = [];
    for (;;) {
      this.skipCommas();
      if (close === "}" ? this.accept("}") : this.peek().kind === "eof") return out;
      out.push(this.decl());
      if (!(this.isOp(",") || (close === "}" ? this.isOp("}") : this.peek().kind === "eof"))) {
        this.fail(
          this.peek(),
          `expected a new line or "," after a field, found ${describe(this.peek())}`,
        );
      }
    }
  }

  decl(): CueDecl {
    const t = this.peek();
    if (this.accept("...")) return { t: "ellipsis", line: t.line };
    if (this.isOp("@")) throw cueUnsupported(this.file, t.line, "an attribute (@…)");
    if (t.kind === "ident" && t.text === "let" && this.peek(1).kind === "ident") {
      this.next();
      const name = this.ident();
      this.expect("=");
      return { t: "let", name, value: this.expr(), line: t.line };
    }
    if (
      t.kind === "ident" && (t.text === "for" || t.text === "if") && !this.isOp(":", 1) &&
      !this.isOp("?", 1) && !this.isOp("!", 1)
    ) {
      // `if c1 if c2 { fields }` adds its fields when every condition holds.
      if (t.text === "for") {
        throw cueUnsupported(this.file, t.line, "a field comprehension (for …)");
      }
      const conds: CueExpr[] = [];
      while (this.peek().kind === "ident" && this.peek().text === "if") {
        this.next();
        conds.push(this.expr());
      }
      if (this.peek().kind === "ident" && this.peek().text === "for") {
        throw cueUnsupported(this.file, t.line, "a field comprehension (for …)");
      }
      this.expect("{");
      const decls = this.decls("}");
      for (const d of decls) {
        if (d.t !== "field") {
          throw cueUnsupported(
            this.file,
            d.line,
            "a declaration other than a field in an if clause",
          );
        }
      }
      return { t: "guard", conds, decls, line: t.line };
    }
    if (this.isOp("[")) {
      // A pattern constraint: `[string]: T`, `[=~"^x-"]: T` applies T to every matching field.
      this.next();
      if (this.peek().kind === "ident" && this.isOp("=", 1)) {
        throw cueUnsupported(this.file, t.line, "a label alias in a pattern constraint ([X=…]: …)");
      }
      const label = this.expr();
      this.expect("]");
      this.expect(":");
      return { t: "pattern", label, value: this.fieldValue(), line: t.line };
    }
    if (this.isOp("(")) throw cueUnsupported(this.file, t.line, "a dynamic label ((…): …)");
    // A field needs a label followed by ":" (or "?:"/"!:"); anything else is an embedding.
    const isLabel = (t.kind === "ident" || t.kind === "string") &&
      (this.isOp(":", 1) || ((this.isOp("?", 1) || this.isOp("!", 1)) && this.isOp(":", 2)));
    if (!isLabel) {
      if (t.kind === "eof" || (t.kind === "op" && t.text === "}")) {
        this.fail(t, `unexpected ${describe(t)}`);
      }
      if (t.kind === "string" || t.kind === "ident" || t.kind === "op") {
        // Make the common mistakes readable; a bare expression is an embedding.
        if (
          t.kind === "op" &&
          !["{", "[", "(", "<", ">", "<=", ">=", "!=", "=~", "!~", "-", "*", "_|_"].includes(t.text)
        ) {
          this.fail(t, `unexpected ${describe(t)}`);
        }
      }
      throw cueUnsupported(
        this.file,
        t.line,
        "an embedded expression (a value without a field name)",
      );
    }
    const label = this.label();
    const optional = this.accept("?");
    const required = !optional && this.accept("!");
    this.expect(":");
    const value = this.fieldValue();
    return { t: "field", label, optional, required, value, line: t.line };
  }

  label(): string {
    const t = this.next();
    // Hidden fields (_x) and definitions (#D) never unify with data fields ("_type" quoted does).
    if (t.kind === "ident") return /^[_#]/.test(t.text) ? HIDDEN_PREFIX + t.text : t.text;
    if (t.kind === "string") {
      if ((t.parts ?? []).some((p) => typeof p !== "string")) {
        throw cueUnsupported(this.file, t.line, "an interpolated label");
      }
      return (t.parts ?? []).join("");
    }
    this.fail(t, `expected a field name, found ${describe(t)}`);
  }

  /** True when the tokens ahead are `[ … ]:` (a pattern constraint, not a list). */
  patternAhead(): boolean {
    if (!this.isOp("[")) return false;
    let depth = 0;
    for (let k = 0;; k++) {
      const t = this.peek(k);
      if (t.kind === "eof") return false;
      if (t.kind !== "op") continue;
      if (t.text === "[" || t.text === "(" || t.text === "{") depth++;
      else if (t.text === "]" || t.text === ")" || t.text === "}") {
        if (--depth === 0) return t.text === "]" && this.isOp(":", k + 1);
      }
    }
  }

  /** `b: c: e` shorthand nests structs. */
  fieldValue(): CueExpr {
    const t = this.peek();
    const isLabel = (t.kind === "ident" || t.kind === "string") &&
      (this.isOp(":", 1) || ((this.isOp("?", 1) || this.isOp("!", 1)) && this.isOp(":", 2)));
    if (isLabel || this.patternAhead()) return { t: "struct", decls: [this.decl()], line: t.line };
    return this.expr();
  }

  expr(level = 0): CueExpr {
    if (level >= BINARY.length) return this.unary();
    let l = this.expr(level + 1);
    for (;;) {
      const t = this.peek();
      if (t.kind !== "op" || !BINARY[level].includes(t.text)) return l;
      this.next();
      l = { t: "binary", op: t.text, l, r: this.expr(level + 1), line: t.line };
    }
  }

  unary(): CueExpr {
    if (++this.#depth > MAX_NESTING) {
      this.fail(this.peek(), `expressions nest deeper than ${MAX_NESTING} levels`);
    }
    try {
      return this.unaryInner();
    } finally {
      this.#depth--;
    }
  }

  unaryInner(): CueExpr {
    const t = this.peek();
    if (t.kind === "op" && UNARY.includes(t.text)) {
      this.next();
      const x = this.unary();
      if (t.text === "*") return { t: "default", x };
      return { t: "unary", op: t.text, x, line: t.line };
    }
    return this.postfix(this.primary());
  }

  postfix(x: CueExpr): CueExpr {
    for (;;) {
      const t = this.peek();
      if (this.isOp(".")) {
        this.next();
        const n = this.next();
        if (n.kind === "ident") x = { t: "select", x, name: n.text, line: n.line };
        else if (n.kind === "string") {
          x = { t: "select", x, name: (n.parts ?? []).join(""), line: n.line };
        } else this.fail(n, `expected a name after ".", found ${describe(n)}`);
        continue;
      }
      if (this.isOp("(")) {
        this.next();
        const args: CueExpr[] = [];
        this.skipCommas();
        while (!this.accept(")")) {
          args.push(this.expr());
          if (!this.accept(",") && !this.isOp(")")) {
            this.fail(this.peek(), `expected "," or ")", found ${describe(this.peek())}`);
          }
          this.skipCommas();
        }
        x = { t: "call", fn: x, args, line: t.line };
        continue;
      }
      if (this.isOp("[") && t.line === this.#t[this.#i - 1]?.line) {
        this.next();
        const i = this.expr();
        if (this.isOp(":")) throw cueUnsupported(this.file, t.line, "a slice expression");
        this.expect("]");
        x = { t: "index", x, i, line: t.line };
        continue;
      }
      return x;
    }
  }

  /**
   * A list comprehension item: clauses (`for k, v in e`, `if e`, `let x = e`) and a body, either a
   * struct or `{ e }` (one embedded value, the usual `[for x in xs if … {x}]`).
   */
  comprehension(): CueExpr {
    const line = this.peek().line;
    const clauses: CueClause[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind !== "ident") break;
      if (t.text === "for") {
        this.next();
        let value = this.ident();
        let key: string | undefined;
        if (this.accept(",")) {
          key = value;
          value = this.ident();
        }
        const kw = this.next();
        if (kw.kind !== "ident" || kw.text !== "in") {
          this.fail(kw, `expected "in", found ${describe(kw)}`);
        }
        clauses.push({ t: "for", key, value, source: this.expr() });
      } else if (t.text === "if") {
        this.next();
        clauses.push({ t: "if", cond: this.expr() });
      } else if (t.text === "let") {
        this.next();
        const name = this.ident();
        this.expect("=");
        clauses.push({ t: "let", name, value: this.expr() });
      } else break;
    }
    const open = this.expect("{");
    const isField = (this.peek().kind === "ident" || this.peek().kind === "string") &&
      (this.isOp(":", 1) || ((this.isOp("?", 1) || this.isOp("!", 1)) && this.isOp(":", 2)));
    if (!isField && !this.isOp("}") && !this.isOp("...") && !this.isOp("[")) {
      this.skipCommas();
      const value = this.expr();
      this.skipCommas();
      this.expect("}");
      return { t: "compr", clauses, value, line };
    }
    return {
      t: "compr",
      clauses,
      value: { t: "struct", decls: this.decls("}"), line: open.line },
      line,
    };
  }

  primary(): CueExpr {
    const t = this.next();
    if (t.kind === "number") {
      const isInt = !/[.eE]/.test(t.text) || /^0[xob]/.test(t.text);
      return { t: "lit", v: Number(t.text), int: isInt };
    }
    if (t.kind === "string") {
      const parts = t.parts ?? [""];
      if (parts.every((p) => typeof p === "string")) return { t: "lit", v: parts.join("") };
      return {
        t: "interp",
        parts: parts.map((
          p,
        ) => (typeof p === "string"
          ? p
          : new Parser(lex(p.src, this.file, p.line), this.file).expr())
        ),
      };
    }
    if (t.kind === "ident") {
      if (t.text === "null") return { t: "lit", v: null };
      if (t.text === "true" || t.text === "false") return { t: "lit", v: t.text === "true" };
      if (t.text === "_") return { t: "top" };
      if (t.text === "for" || t.text === "if") {
        throw cueUnsupported(this.file, t.line, `a comprehension (${t.text} …)`);
      }
      return { t: "ident", name: t.text, line: t.line };
    }
    if (t.kind === "op") {
      if (t.text === "_|_") return { t: "bottom" };
      if (t.text === "(") {
        const x = this.expr();
        this.expect(")");
        return x;
      }
      if (t.text === "{") return { t: "struct", decls: this.decls("}"), line: t.line };
      if (t.text === "[") {
        const items: CueExpr[] = [];
        let tail: CueExpr | undefined;
        for (;;) {
          this.skipCommas();
          if (this.accept("]")) break;
          if (this.accept("...")) {
            tail = this.isOp("]") || this.isOp(",") ? { t: "top" } : this.expr();
            this.skipCommas();
            this.expect("]");
            break;
          }
          const first = this.peek();
          if (first.kind === "ident" && (first.text === "for" || first.text === "if")) {
            items.push(this.comprehension());
          } else items.push(this.expr());
          if (!this.isOp(",") && !this.isOp("]")) {
            this.fail(this.peek(), `expected "," or "]", found ${describe(this.peek())}`);
          }
        }
        return { t: "list", items, tail, line: t.line };
      }
    }
    this.fail(t, `unexpected ${describe(t)}`);
  }
}

function describe(t: Tok): string {
  if (t.kind === "eof") return "the end of the file";
  if (t.kind === "string") return `the string ${t.text}`;
  if (t.kind === "op" && t.text === ",") return 'a new line or ","';
  return `"${t.text}"`;
}

/** Parses a CUE file; see the module documentation. */
export function parseCue(src: string, file: string): CueFile {
  return new Parser(lex(src, file), file).file_();
}
