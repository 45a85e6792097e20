/**
 * Parses the Rego subset cosign-ts evaluates (v0 and v1 syntax):
 *
 * - `package a.b`; `import future.keywords…` and `import rego.v1` (other imports are refused);
 * - rules: `default r = v` / `:=`; `r { body }`, `r if { body }`, `r if expr`, `r = v { body }`,
 *   `r := v`, `r := v if { body }`; partial sets `r[x] { body }` / `r contains x if { body }`;
 *   partial objects `r[k] = v { body }`; functions `f(x) { body }` / `f(x) := v if { body }`;
 *   `else [= v] [if] { body }` chains;
 * - body literals (newline- or `;`-separated): expressions, `not expr`, `x := e`, `a = b`,
 *   `some x`, `some x in xs`, `some k, v in xs`, `every x in xs { body }`,
 *   `every k, v in xs { body }`;
 * - expressions: scalars, variables, references (`input.a.b`, `input.a[0]`, `xs[_]`, `xs[i]`),
 *   arrays, objects, sets, comprehensions (`[x | …]`, `{x | …}`, `{k: v | …}`), calls
 *   (`count(x)`, `time.parse_rfc3339_ns(s)`), `x in xs`, `|`, `&`, `==` `!=` `<` `<=` `>` `>=`,
 *   `+` `-` `*` `/` `%`, unary minus, parentheses.
 *
 * Anything else (`with`, rule references like `a.b := 1`, other imports) is a CosignError
 * ("UNSUPPORTED") naming the construct and line; malformed source is CosignError("INVALID_INPUT").
 *
 * @example
 * ```ts
 * const m = parseRego("package signature\nallow { input.predicateType == \"x\" }", "p.rego");
 * m.pkg; // ["signature"]
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { RegoElse, RegoExpr, RegoLiteral, RegoModule, RegoRule } from "./rego_ast.ts";
import { lexRego, regoSyntaxError, type RegoToken } from "./rego_lexer.ts";

/** Deepest expression nesting accepted (policies nest a handful of levels). */
export const MAX_NESTING = 100;

const BIN_LEVELS: string[][] = [
  ["|"],
  ["&"],
  ["==", "!=", "<", "<=", ">", ">="],
  ["+", "-"],
  ["*", "/", "%"],
];

/** A construct outside the supported subset. */
export function regoUnsupported(file: string, line: number, what: string): CosignError {
  return new CosignError(
    "UNSUPPORTED",
    `Cannot evaluate Rego policy "${file}": line ${line}: ${what} is not supported by cosign-ts's Rego evaluator`,
    {
      hint:
        "The README lists the Rego subset cosign-ts evaluates; write the check without it, or as a TypeScript policy.",
    },
  );
}

class Parser {
  #toks: RegoToken[];
  #i = 0;
  #nl = 0; // > 0: newlines are insignificant (inside brackets)
  #noPipe = false; // true: "|" ends the expression (a comprehension head), not a set union
  #depth = 0; // expression nesting, bounded so a hostile policy cannot exhaust the stack
  readonly file: string;

  constructor(src: string, file: string) {
    this.file = file;
    this.#toks = lexRego(src, file);
  }

  peek(): RegoToken {
    if (this.#nl > 0) { while (this.#toks[this.#i].kind === "newline") this.#i++; }
    return this.#toks[this.#i];
  }
  next(): RegoToken {
    const t = this.peek();
    if (t.kind !== "eof") this.#i++;
    return t;
  }
  is(text: string, kind?: RegoToken["kind"]): boolean {
    const t = this.peek();
    return t.text === text && (kind ? t.kind === kind : t.kind === "op" || t.kind === "ident");
  }
  accept(text: string): boolean {
    if (this.is(text)) {
      this.next();
      return true;
    }
    return false;
  }
  expect(text: string): RegoToken {
    const t = this.peek();
    if (!this.is(text)) this.fail(t, `expected "${text}", found ${describe(t)}`);
    return this.next();
  }
  fail(t: RegoToken, what: string): never {
    throw regoSyntaxError(this.file, t.line, t.col, what);
  }
  skipSeparators(): void {
    while (this.peek().kind === "newline" || this.is(";")) this.next();
  }
  /** An expression may continue on the next line after an operator (`a ==\n b`). */
  skipNewlines(): void {
    while (this.#toks[this.#i].kind === "newline") this.#i++;
  }
  afterOperator(): RegoExpr {
    this.skipNewlines();
    return this.expr();
  }
  /** Runs `f` with newlines insignificant (inside brackets). */
  bracketed<T>(f: () => T): T {
    this.#nl++;
    try {
      return f();
    } finally {
      this.#nl--;
    }
  }
  /** Runs `f` with newlines significant again (a body inside brackets). */
  lined<T>(f: () => T): T {
    const saved = this.#nl;
    this.#nl = 0;
    try {
      return f();
    } finally {
      this.#nl = saved;
    }
  }

  module(): RegoModule {
    this.skipSeparators();
    this.expect("package");
    const pkg = [this.ident()];
    while (this.accept(".")) pkg.push(this.ident());
    const rules: RegoRule[] = [];
    for (;;) {
      this.skipSeparators();
      const t = this.peek();
      if (t.kind === "eof") break;
      if (t.text === "import" && t.kind === "ident") {
        this.importDecl();
        continue;
      }
      rules.push(this.rule());
    }
    return { pkg, rules };
  }

  importDecl(): void {
    const t = this.next();
    const path = [this.ident()];
    while (this.accept(".")) path.push(this.ident());
    if (this.is("as")) throw regoUnsupported(this.file, t.line, "import … as");
    const p = path.join(".");
    if (p === "rego.v1" || p === "future.keywords" || p.startsWith("future.keywords.")) return;
    throw regoUnsupported(this.file, t.line, `import ${p}`);
  }

  ident(): string {
    const t = this.next();
    if (t.kind !== "ident") this.fail(t, `expected a name, found ${describe(t)}`);
    return t.text;
  }

  rule(): RegoRule {
    const head = this.peek();
    if (head.kind !== "ident") this.fail(head, `expected a rule, found ${describe(head)}`);
    if (head.text === "default") {
      this.next();
      const name = this.ident();
      if (!this.accept("=") && !this.accept(":=")) {
        this.fail(this.peek(), `expected "=" or ":=" after default ${name}`);
      }
      const value = this.expr();
      return { name, kind: "default", value, body: [], elses: [], line: head.line };
    }
    const name = this.ident();
    if (this.is(".")) throw regoUnsupported(this.file, head.line, `the rule reference "${name}.…"`);
    const rule: RegoRule = { name, kind: "complete", body: [], elses: [], line: head.line };
    if (this.is("(")) {
      this.next();
      rule.kind = "function";
      rule.args = this.bracketed(() => {
        const args: RegoExpr[] = [];
        if (!this.is(")")) {
          do args.push(this.expr()); while (this.accept(","));
        }
        this.expect(")");
        return args;
      });
    } else if (this.is("[")) {
      this.next();
      rule.key = this.bracketed(() => {
        const k = this.expr();
        this.expect("]");
        return k;
      });
      rule.kind = "set";
    } else if (this.is("contains")) {
      this.next();
      rule.key = this.expr();
      rule.kind = "set";
    }
    if (this.accept("=") || this.accept(":=")) {
      rule.value = this.expr();
      if (rule.kind === "set") rule.kind = "object";
    }
    rule.body = this.ruleBody(true) ?? [];
    while (this.peekElse()) {
      this.next();
      if (rule.kind !== "complete" && rule.kind !== "function") {
        this.fail(this.peek(), "else is only allowed on complete rules and functions");
      }
      const e: RegoElse = { body: [] };
      if (this.accept("=") || this.accept(":=")) e.value = this.expr();
      e.body = this.ruleBody(false) ?? [];
      rule.elses.push(e);
    }
    return rule;
  }

  /** `else` possibly on the next line. */
  peekElse(): boolean {
    let j = this.#i;
    while (this.#toks[j].kind === "newline") j++;
    if (this.#toks[j].text === "else" && this.#toks[j].kind === "ident") {
      this.#i = j;
      return true;
    }
    return false;
  }

  /** `[if] { body }`, `if literal`, or nothing (constant rule). */
  ruleBody(allowNone: boolean): RegoLiteral[] | undefined {
    const hasIf = this.accept("if");
    if (this.is("{")) return this.body();
    if (hasIf) return [this.literal()];
    const t = this.peek();
    if (allowNone && (t.kind === "newline" || t.kind === "eof" || this.is(";"))) return undefined;
    this.fail(t, `expected a rule body, found ${describe(t)}`);
  }

  body(): RegoLiteral[] {
    return this.nested(() => this.bodyInner());
  }

  bodyInner(): RegoLiteral[] {
    this.expect("{");
    return this.lined(() => {
      const out: RegoLiteral[] = [];
      for (;;) {
        this.skipSeparators();
        if (this.accept("}")) return out;
        out.push(this.literal());
        const t = this.peek();
        if (!(t.kind === "newline" || this.is(";") || this.is("}"))) {
          this.fail(t, `expected a new line, ";" or "}" after an expression, found ${describe(t)}`);
        }
      }
    });
  }

  literal(): RegoLiteral {
    const t = this.peek();
    if (t.kind === "ident" && t.text === "not") {
      this.next();
      return { t: "expr", e: this.expr(), not: true, line: t.line };
    }
    if (t.kind === "ident" && t.text === "some") {
      this.next();
      const first = this.expr();
      if (this.accept(",")) {
        const value = this.binary(0);
        this.expect("in");
        return { t: "somein", key: first, value, coll: this.binary(0), line: t.line };
      }
      if (first.t === "in") {
        return { t: "somein", value: first.value, key: first.key, coll: first.coll, line: t.line };
      }
      const vars: RegoExpr[] = [first];
      while (this.accept(",")) vars.push(this.expr());
      return {
        t: "some",
        vars: vars.map((v) => {
          if (v.t !== "var") this.fail(t, "some declares variables");
          return v.name;
        }),
        line: t.line,
      };
    }
    if (t.kind === "ident" && t.text === "every") {
      this.next();
      let key: string | undefined;
      let value = this.ident();
      if (this.accept(",")) {
        key = value;
        value = this.ident();
      }
      this.expect("in");
      const coll = this.binary(0);
      return { t: "every", key, value, coll, body: this.body(), line: t.line };
    }
    const lhs = this.expr();
    if (this.is("with")) throw regoUnsupported(this.file, t.line, "with");
    if (this.accept(":=")) return { t: "assign", lhs, rhs: this.afterOperator(), line: t.line };
    if (this.accept("=")) return { t: "unify", lhs, rhs: this.afterOperator(), line: t.line };
    if (this.is("with")) throw regoUnsupported(this.file, t.line, "with");
    return { t: "expr", e: lhs, not: false, line: t.line };
  }

  /** Membership (`x in xs`, `k, v in xs`) is the loosest operator. */
  expr(): RegoExpr {
    const e = this.binary(0);
    if (this.is("in")) {
      this.next();
      return { t: "in", value: e, coll: this.binary(0) };
    }
    return e;
  }

  binary(level: number): RegoExpr {
    if (level >= BIN_LEVELS.length) return this.unary();
    let l = this.binary(level + 1);
    for (;;) {
      const t = this.peek();
      if (t.kind !== "op" || !BIN_LEVELS[level].includes(t.text)) return l;
      if (t.text === "|" && this.#noPipe) return l;
      this.next();
      this.skipNewlines();
      l = { t: "binop", op: t.text, l, r: this.binary(level + 1), line: t.line };
    }
  }

  unary(): RegoExpr {
    return this.nested(() => this.unaryInner());
  }

  /** Runs `f` one nesting level deeper; past {@link MAX_NESTING} levels, a parse error. */
  nested<T>(f: () => T): T {
    if (++this.#depth > MAX_NESTING) {
      this.fail(this.peek(), `expressions nest deeper than ${MAX_NESTING} levels`);
    }
    try {
      return f();
    } finally {
      this.#depth--;
    }
  }

  unaryInner(): RegoExpr {
    if (this.is("-")) {
      this.next();
      return { t: "neg", e: this.unary() };
    }
    return this.postfix(this.primary());
  }

  postfix(head: RegoExpr): RegoExpr {
    let e = head;
    for (;;) {
      const t = this.#toks[this.#i]; // no newline skipping: a "[" on the next line is not an index
      if (t.kind === "op" && t.text === "." && (e.t === "var" || e.t === "ref")) {
        this.next();
        const name = this.ident();
        e = appendRef(e, { t: "scalar", v: name });
        continue;
      }
      if (t.kind === "op" && t.text === "[" && (e.t === "var" || e.t === "ref" || e.t === "call")) {
        this.next();
        const idx = this.bracketed(() => {
          const x = this.expr();
          this.expect("]");
          return x;
        });
        e = appendRef(e, idx);
        continue;
      }
      if (t.kind === "op" && t.text === "(" && (e.t === "var" || e.t === "ref")) {
        const fn = refName(e);
        if (fn === undefined) this.fail(t, "only named functions can be called");
        this.next();
        const args = this.bracketed(() => {
          const a: RegoExpr[] = [];
          if (!this.is(")")) {
            do a.push(this.expr()); while (this.accept(","));
          }
          this.expect(")");
          return a;
        });
        e = { t: "call", fn, args, line: t.line };
        continue;
      }
      return e;
    }
  }

  primary(): RegoExpr {
    const t = this.peek();
    if (t.kind === "op" && (t.text === "(" || t.text === "[" || t.text === "{")) {
      const saved = this.#noPipe;
      this.#noPipe = false;
      try {
        return this.primaryTerm();
      } finally {
        this.#noPipe = saved;
      }
    }
    return this.primaryTerm();
  }

  /** A comprehension head or collection item: "|" ends it. */
  head(): RegoExpr {
    const saved = this.#noPipe;
    this.#noPipe = true;
    try {
      return this.expr();
    } finally {
      this.#noPipe = saved;
    }
  }

  primaryTerm(): RegoExpr {
    const t = this.next();
    if (t.kind === "number") return { t: "scalar", v: Number(t.text) };
    if (t.kind === "string") return { t: "scalar", v: t.text };
    if (t.kind === "ident") {
      if (t.text === "true" || t.text === "false") return { t: "scalar", v: t.text === "true" };
      if (t.text === "null") return { t: "scalar", v: null };
      if (
        [
          "not",
          "some",
          "every",
          "import",
          "package",
          "default",
          "else",
          "with",
          "as",
          "if",
          "contains",
          "in",
        ].includes(t.text)
      ) {
        this.fail(t, `unexpected keyword "${t.text}"`);
      }
      if (t.text === "set" && this.is("(")) {
        this.next();
        this.expect(")");
        return { t: "set", items: [] };
      }
      return { t: "var", name: t.text, line: t.line };
    }
    if (t.kind === "op" && t.text === "(") {
      return this.bracketed(() => {
        const e = this.expr();
        this.expect(")");
        return e;
      });
    }
    if (t.kind === "op" && t.text === "[") return this.bracketed(() => this.arrayRest());
    if (t.kind === "op" && t.text === "{") return this.bracketed(() => this.braceRest());
    this.fail(t, `unexpected ${describe(t)}`);
  }

  arrayRest(): RegoExpr {
    if (this.accept("]")) return { t: "array", items: [] };
    const first = this.head();
    if (this.accept("|")) {
      const body = this.comprBody("]");
      return { t: "compr", kind: "array", head: first, body };
    }
    const items = [first];
    while (this.accept(",")) {
      if (this.is("]")) break;
      items.push(this.expr());
    }
    this.expect("]");
    return { t: "array", items };
  }

  braceRest(): RegoExpr {
    if (this.accept("}")) return { t: "object", entries: [] };
    const first = this.head();
    if (this.accept(":")) {
      const v = this.head();
      if (this.accept("|")) return { t: "ocompr", key: first, value: v, body: this.comprBody("}") };
      const entries: [RegoExpr, RegoExpr][] = [[first, v]];
      while (this.accept(",")) {
        if (this.is("}")) break;
        const k = this.expr();
        this.expect(":");
        entries.push([k, this.expr()]);
      }
      this.expect("}");
      return { t: "object", entries };
    }
    if (this.accept("|")) {
      return { t: "compr", kind: "set", head: first, body: this.comprBody("}") };
    }
    const items = [first];
    while (this.accept(",")) {
      if (this.is("}")) break;
      items.push(this.expr());
    }
    this.expect("}");
    return { t: "set", items };
  }

  /** A comprehension body up to `close`; literals separated by `;` or newlines. */
  comprBody(close: string): RegoLiteral[] {
    return this.lined(() => {
      const out: RegoLiteral[] = [];
      for (;;) {
        this.skipSeparators();
        if (this.accept(close)) return out;
        out.push(this.literal());
      }
    });
  }
}

function appendRef(e: RegoExpr, step: RegoExpr): RegoExpr {
  if (e.t === "ref") return { ...e, path: [...e.path, step] };
  return { t: "ref", head: e, path: [step], line: (e as { line?: number }).line ?? 0 };
}

/** `a.b.c` as a dotted name, or undefined when the reference has computed parts. */
function refName(e: RegoExpr): string | undefined {
  if (e.t === "var") return e.name;
  if (e.t !== "ref" || e.head.t !== "var") return undefined;
  const parts = [e.head.name];
  for (const p of e.path) {
    if (p.t !== "scalar" || typeof p.v !== "string") return undefined;
    parts.push(p.v);
  }
  return parts.join(".");
}

function describe(t: RegoToken): string {
  if (t.kind === "eof") return "the end of the file";
  if (t.kind === "newline") return "a new line";
  if (t.kind === "string") return `the string ${JSON.stringify(t.text)}`;
  return `"${t.text}"`;
}

/** Parses a Rego module; see the module documentation. */
export function parseRego(src: string, file: string): RegoModule {
  return new Parser(src, file).module();
}
