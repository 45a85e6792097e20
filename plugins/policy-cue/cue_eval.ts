/**
 * Evaluates a parsed CUE policy (cue_parser.ts) unified with a JSON document, as cosign's
 * `cuejson.Validate(statement, policy)` does: the policy's struct and the document are unified
 * field by field (structs are open unless they come from a definition `#D`), references resolve
 * lexically to the unified values of fields (so `before: time.Parse(…)` then `<before` works),
 * and validation collects every error (a field that is bottom) with its path. Values that stay
 * incomplete (`string`, `>3` with no data) are not errors, as with `Validate(cue.Final())`.
 *
 * Policies that do not evaluate (a reference to an unknown name, a call of an unknown function,
 * a structural cycle) are CosignError("INVALID_INPUT"/"UNSUPPORTED") naming the line.
 *
 * @example
 * ```ts
 * const errs = validateCue(parseCue("a: >3", "p.cue"), { a: 2 }, "p.cue");
 * // [{ path: ["a"], msg: "invalid value 2 (out of bound >3)" }]
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { CueDecl, CueExpr, CueFile } from "./cue_ast.ts";
import { CUE_BUILTINS, CUE_CONSTANTS, CueBuiltinError } from "./cue_builtins.ts";
import { cueUnsupported } from "./cue_parser.ts";
import {
  bottom,
  type CueBound,
  type CueErr,
  type CueField,
  type CueKind,
  type CueValue,
  formatCue,
  fromJSON,
  HIDDEN_PREFIX,
  resolveDefault,
  toJSON,
  TOP,
  unify,
} from "./cue_value.ts";

/** Evaluation steps allowed for one document. */
export const CUE_STEP_BUDGET = 2_000_000;

type Path = (string | number)[];

const TYPES: Record<string, CueKind[]> = {
  string: ["string"],
  int: ["int"],
  float: ["float"],
  number: ["int", "float"],
  bool: ["bool"],
  bytes: ["bytes"],
};

const IMPORTABLE = new Set(["strings", "list", "struct", "regexp", "time"]);

/** A struct literal being evaluated: its declarations, the data it unifies with, memoized fields. */
class Frame {
  readonly fields = new Map<string, CueDecl[]>();
  readonly lets = new Map<string, CueExpr>();
  /** `if c { fields }` clauses, and whether each holds (decided on first need). */
  readonly guards: Extract<CueDecl, { t: "guard" }>[] = [];
  readonly guardHolds = new Map<Extract<CueDecl, { t: "guard" }>, boolean>();
  /** Comprehension variables (`for k, v in …`), already evaluated. */
  readonly values = new Map<string, CueValue>();
  readonly patterns: { label: CueExpr; value: CueExpr; line: number }[] = [];
  readonly memo = new Map<string, CueValue | "busy">();
  constructor(
    readonly parent: Frame | undefined,
    decls: CueDecl[],
    readonly data: unknown,
    readonly path: Path,
  ) {
    for (const d of decls) {
      if (d.t === "field") this.fields.set(d.label, [...(this.fields.get(d.label) ?? []), d]);
      else if (d.t === "let") this.lets.set(d.name, d.value);
      else if (d.t === "pattern") this.patterns.push(d);
      else if (d.t === "guard") this.guards.push(d);
    }
  }
  dataField(key: string): unknown {
    if (key.startsWith(HIDDEN_PREFIX)) return undefined;
    const d = this.data;
    return typeof d === "object" && d !== null && !Array.isArray(d) && Object.hasOwn(d, key)
      ? (d as Record<string, unknown>)[key]
      : undefined;
  }
}

class Evaluator {
  #steps = 0;
  constructor(
    readonly file: CueFile,
    readonly name: string,
    readonly budget: number,
  ) {}

  #tick(line: number): void {
    if (++this.#steps > this.budget) {
      throw new CosignError(
        "TOO_LARGE",
        `Cannot evaluate CUE policy "${this.name}": line ${line}: evaluation took more than ${this.budget} steps`,
        { hint: "Simplify the policy." },
      );
    }
  }

  #error(line: number, what: string): CosignError {
    return new CosignError(
      "INVALID_INPUT",
      `Cannot evaluate CUE policy "${this.name}": line ${line}: ${what}`,
      {
        hint: "Fix the policy (`cue vet` reports the same problems).",
      },
    );
  }

  /** The value of field `key` of `frame`: its declarations unified with the data there. */
  field(frame: Frame, key: string, line: number): CueValue {
    const m = frame.memo.get(key);
    if (m === "busy") throw this.#error(line, `structural cycle in field ${displayKey(key)}`);
    if (m) return m;
    frame.memo.set(key, "busy");
    const decls = [...(frame.fields.get(key) ?? []), ...this.guarded(frame, key)];
    const data = frame.dataField(key);
    const path = [...frame.path, key];
    let v: CueValue = TOP;
    for (const d of decls) {
      if (d.t !== "field") continue;
      let dv = this.expr(d.value, frame, data, path);
      if (key.startsWith(HIDDEN_PREFIX + "#")) dv = close(dv);
      v = unify(v, dv, path);
    }
    if (data !== undefined) v = unify(v, fromJSON(data), path);
    // Pattern constraints apply to every regular field whose label they match.
    if (!key.startsWith(HIDDEN_PREFIX) && (decls.length > 0 || data !== undefined)) {
      for (const p of frame.patterns) {
        const label = unify(this.expr(p.label, frame.parent, undefined, path), {
          k: "atom",
          v: key,
          int: false,
        });
        if (label.k !== "bottom") v = unify(v, this.expr(p.value, frame, data, path), path);
      }
    }
    frame.memo.set(key, v);
    return v;
  }

  struct(
    x: Extract<CueExpr, { t: "struct" }>,
    parent: Frame | undefined,
    data: unknown,
    path: Path,
  ): CueValue {
    const frame = new Frame(parent, x.decls, data, path);
    const keys = new Set(frame.fields.keys());
    for (const g of frame.guards) {
      for (const d of g.decls) if (d.t === "field" && this.holds(frame, g)) keys.add(d.label);
    }
    if (typeof data === "object" && data !== null && !Array.isArray(data)) {
      for (const k of Object.keys(data)) keys.add(k);
    }
    const fields = new Map<string, CueField>();
    for (const k of keys) {
      const decls = [...(frame.fields.get(k) ?? []), ...this.guarded(frame, k)];
      const optional = decls.length > 0 && decls.every((d) => d.t === "field" && d.optional) &&
        frame.dataField(k) === undefined;
      fields.set(k, { v: this.field(frame, k, x.line), optional });
    }
    const open = x.decls.some((d) => d.t === "ellipsis");
    return { k: "struct", fields, closed: false, open };
  }

  /** The fields named `key` that `if` clauses of `frame` add (only clauses that define `key`). */
  guarded(frame: Frame, key: string): CueDecl[] {
    const out: CueDecl[] = [];
    for (const g of frame.guards) {
      const mine = g.decls.filter((d) => d.t === "field" && d.label === key);
      if (mine.length > 0 && this.holds(frame, g)) out.push(...mine);
    }
    return out;
  }

  /** Whether every condition of an `if` clause holds; an incomplete condition does not. */
  holds(frame: Frame, g: Extract<CueDecl, { t: "guard" }>): boolean {
    const known = frame.guardHolds.get(g);
    if (known !== undefined) return known;
    let ok = true;
    for (const c of g.conds) {
      const v = resolveDefault(this.expr(c, frame, undefined, frame.path));
      if (v.k === "atom" && typeof v.v !== "boolean") {
        throw this.#error(g.line, `cannot use ${formatCue(v)} as a condition`);
      }
      if (!(v.k === "atom" && v.v === true)) {
        ok = false;
        break;
      }
    }
    frame.guardHolds.set(g, ok);
    return ok;
  }

  lookup(name: string, frame: Frame | undefined, line: number): CueValue {
    const key = name.startsWith("_") || name.startsWith("#") ? HIDDEN_PREFIX + name : name;
    for (let f = frame; f; f = f.parent) {
      if (f.values.has(name)) return f.values.get(name)!;
      if (f.lets.has(name)) return this.expr(f.lets.get(name)!, f, undefined, f.path);
      if (f.fields.has(key)) return this.field(f, key, line);
    }
    if (this.file.imports.has(name)) {
      const pkg = this.file.imports.get(name)!;
      if (!IMPORTABLE.has(pkg)) throw cueUnsupported(this.name, line, `the package "${pkg}"`);
      return { k: "pkg", name: pkg };
    }
    if (TYPES[name]) return { k: "cons", kinds: TYPES[name], bounds: [], validators: [] };
    if (name === "len") return { k: "fn", name };
    throw this.#error(line, `reference "${name}" not found`);
  }

  expr(x: CueExpr, frame: Frame | undefined, data: unknown, path: Path): CueValue {
    this.#tick((x as { line?: number }).line ?? 0);
    switch (x.t) {
      case "lit":
        return { k: "atom", v: x.v, int: typeof x.v === "number" && !!x.int };
      case "top":
        return TOP;
      case "bottom":
        return bottom(path, "explicit error (_|_ literal) in source");
      case "interp": {
        let s = "";
        for (const p of x.parts) {
          if (typeof p === "string") {
            s += p;
            continue;
          }
          const v = resolveDefault(this.expr(p, frame, undefined, path));
          if (v.k === "bottom") return v;
          if (v.k !== "atom") return TOP; // incomplete
          s += v.v === null ? "null" : String(v.v);
        }
        return { k: "atom", v: s, int: false };
      }
      case "ident":
        return this.lookup(x.name, frame, x.line);
      case "select": {
        const base = resolveDefault(this.expr(x.x, frame, undefined, path));
        if (base.k === "pkg") return this.member(`${base.name}.${x.name}`, x.line);
        if (base.k === "bottom") return base;
        if (base.k !== "struct") {
          return base.k === "top" || base.k === "cons"
            ? TOP
            : bottom(path, `invalid selector ${x.name} of ${formatCue(base)}`);
        }
        const f = base.fields.get(x.name) ?? base.fields.get(HIDDEN_PREFIX + x.name);
        if (!f || f.optional) return bottom(path, `undefined field: ${x.name}`);
        return f.v;
      }
      case "index": {
        const base = resolveDefault(this.expr(x.x, frame, undefined, path));
        const i = resolveDefault(this.expr(x.i, frame, undefined, path));
        if (base.k === "bottom") return base;
        if (i.k === "bottom") return i;
        if (i.k !== "atom" || (base.k !== "list" && base.k !== "struct")) return TOP;
        if (base.k === "list") {
          const n = i.v as number;
          if (typeof n !== "number" || !Number.isInteger(n)) {
            return bottom(path, `invalid list index ${formatCue(i)}`);
          }
          return base.items[n] ??
            bottom(path, `index out of range [${n}] with length ${base.items.length}`);
        }
        const f = base.fields.get(String(i.v));
        return f && !f.optional ? f.v : bottom(path, `undefined field: ${String(i.v)}`);
      }
      case "call":
        return this.call(x, frame, path);
      case "struct":
        return this.struct(x, frame, data, path);
      case "list": {
        const arr = Array.isArray(data) ? data : [];
        if (x.items.some((it) => it.t === "compr")) {
          const items: CueValue[] = [];
          for (const it of x.items) {
            if (it.t !== "compr") {
              items.push(this.expr(it, frame, undefined, [...path, items.length]));
              continue;
            }
            const produced = this.comprehension(it, frame, path, items.length);
            if (!produced) return TOP; // a source or condition is not concrete yet
            if (produced.k === "bottom") return produced;
            items.push(...produced.items);
          }
          const tail = x.tail ? this.expr(x.tail, frame, undefined, [...path, "..."]) : undefined;
          return { k: "list", items, tail };
        }
        const items = x.items.map((it, i) => this.expr(it, frame, arr[i], [...path, i]));
        const tail = x.tail ? this.expr(x.tail, frame, undefined, [...path, "..."]) : undefined;
        return { k: "list", items, tail };
      }
      case "compr": // only list literals hold comprehensions (see the list case)
        return bottom(path, "a comprehension outside a list");
      case "default":
        return this.expr(x.x, frame, data, path);
      case "unary":
        return this.unary(x, frame, path);
      case "binary":
        return this.binary(x, frame, data, path);
    }
  }

  /**
   * The items a list comprehension produces, bottom for an error, or undefined when a source or a
   * condition is not concrete yet.
   */
  comprehension(
    x: Extract<CueExpr, { t: "compr" }>,
    frame: Frame | undefined,
    path: Path,
    start: number,
  ): { k: "list"; items: CueValue[] } | Extract<CueValue, { k: "bottom" }> | undefined {
    const items: CueValue[] = [];
    const step = (i: number, scope: Frame): boolean | CueValue => {
      this.#tick(x.line);
      if (i === x.clauses.length) {
        items.push(this.expr(x.value, scope, undefined, [...path, start + items.length]));
        return true;
      }
      const c = x.clauses[i];
      const inner = new Frame(scope, [], undefined, scope.path);
      if (c.t === "let") {
        inner.values.set(c.name, this.expr(c.value, scope, undefined, path));
        return step(i + 1, inner);
      }
      if (c.t === "if") {
        const v = resolveDefault(this.expr(c.cond, scope, undefined, path));
        if (v.k === "bottom") return v;
        if (v.k !== "atom" || typeof v.v !== "boolean") {
          return v.k === "atom" ? bottom(path, `cannot use ${formatCue(v)} as a condition`) : false;
        }
        return v.v ? step(i + 1, inner) : true;
      }
      const src = resolveDefault(this.expr(c.source, scope, undefined, path));
      if (src.k === "bottom") return src;
      const entries: [CueValue, CueValue][] = src.k === "list"
        ? src.items.map((v, n) => [{ k: "atom", v: n, int: true }, v])
        : src.k === "struct"
        ? [...src.fields].filter(([k, f]) => !f.optional && !k.startsWith(HIDDEN_PREFIX))
          .map(([k, f]) => [{ k: "atom", v: k, int: false }, f.v])
        : [];
      if (src.k !== "list" && src.k !== "struct") {
        return src.k === "atom" ? bottom(path, `cannot range over ${formatCue(src)}`) : false;
      }
      for (const [k, v] of entries) {
        const each = new Frame(scope, [], undefined, scope.path);
        each.values.set(c.value, v);
        if (c.key) each.values.set(c.key, k);
        const r = step(i + 1, each);
        if (r !== true) return r;
      }
      return true;
    };
    const root = frame ?? new Frame(undefined, [], undefined, path);
    const r = step(0, root);
    if (r === false) return undefined;
    if (r !== true) return r as Extract<CueValue, { k: "bottom" }>;
    return { k: "list", items };
  }

  member(name: string, line: number): CueValue {
    if (Object.hasOwn(CUE_CONSTANTS, name)) {
      const c = CUE_CONSTANTS[name];
      return { k: "atom", v: c, int: typeof c === "number" };
    }
    if (Object.hasOwn(CUE_BUILTINS, name)) {
      const b = CUE_BUILTINS[name];
      // A validator used without arguments (`time.Time`).
      if (b.validator && b.arity === 1) return validatorOf(name, b, []);
      return { k: "fn", name };
    }
    throw cueUnsupported(this.name, line, `${name}`);
  }

  call(x: Extract<CueExpr, { t: "call" }>, frame: Frame | undefined, path: Path): CueValue {
    const fnv = this.expr(x.fn, frame, undefined, path);
    let name: string;
    if (fnv.k === "fn") name = fnv.name;
    else if (fnv.k === "cons" && fnv.validators.length === 1 && x.args.length === 0) return fnv;
    else throw this.#error(x.line, `cannot call non-function ${formatCue(fnv)}`);
    const b = CUE_BUILTINS[name];
    const args: unknown[] = [];
    for (const a of x.args) {
      const v = resolveDefault(this.expr(a, frame, undefined, path));
      if (v.k === "bottom") return v;
      const j = toJSON(v);
      if (j === undefined) return TOP; // incomplete argument
      args.push(j);
    }
    if (b.validator && args.length === b.arity - 1) return validatorOf(name, b, args);
    if (args.length !== b.arity) {
      throw this.#error(x.line, `${name} takes ${b.arity} arguments, given ${args.length}`);
    }
    try {
      return fromJSON(b.fn(args));
    } catch (e) {
      if (e instanceof CueBuiltinError) {
        return bottom(path, `error in call to ${name}: ${e.message}`);
      }
      throw e;
    }
  }

  unary(x: Extract<CueExpr, { t: "unary" }>, frame: Frame | undefined, path: Path): CueValue {
    const v = resolveDefault(this.expr(x.x, frame, undefined, path));
    if (v.k === "bottom") return v;
    if (v.k !== "atom") return TOP;
    switch (x.op) {
      case "-":
      case "+":
        if (typeof v.v !== "number") {
          return bottom(path, `invalid operation ${x.op}${formatCue(v)}`);
        }
        return { k: "atom", v: x.op === "-" ? -v.v : v.v, int: v.int };
      case "!":
        if (typeof v.v !== "boolean") return bottom(path, `invalid operation !${formatCue(v)}`);
        return { k: "atom", v: !v.v, int: false };
    }
    const op = x.op as CueBound["op"];
    if ((op === "=~" || op === "!~") && typeof v.v !== "string") {
      return bottom(path, `invalid operand ${formatCue(v)} for ${op}`);
    }
    if ((op === "=~" || op === "!~")) {
      try {
        new RegExp(v.v as string, "u");
      } catch {
        return bottom(path, `invalid regular expression ${formatCue(v)}`);
      }
    }
    let kinds: CueKind[] | null = null;
    if (op === "=~" || op === "!~") kinds = ["string"];
    else if (op !== "!=") {
      if (typeof v.v === "number") kinds = ["int", "float"];
      else if (typeof v.v === "string") kinds = ["string"];
      else return bottom(path, `invalid operand ${formatCue(v)} for bound ${op}`);
    }
    return { k: "cons", kinds, bounds: [{ op, v: v.v }], validators: [] };
  }

  binary(
    x: Extract<CueExpr, { t: "binary" }>,
    frame: Frame | undefined,
    data: unknown,
    path: Path,
  ): CueValue {
    if (x.op === "&") {
      return unify(this.expr(x.l, frame, data, path), this.expr(x.r, frame, data, path), path);
    }
    if (x.op === "|") {
      const alts: CueValue[] = [], defaults: boolean[] = [];
      const collect = (e: CueExpr) => {
        if (e.t === "binary" && e.op === "|") {
          collect(e.l);
          collect(e.r);
          return;
        }
        const v = this.expr(e, frame, data, path);
        if (v.k === "disj") {
          alts.push(...v.alts);
          defaults.push(...v.defaults.map((d) => d || e.t === "default"));
        } else {
          alts.push(v);
          defaults.push(e.t === "default");
        }
      };
      collect(x);
      const live = alts.map((v, i) => [v, defaults[i]] as const).filter(([v]) => v.k !== "bottom");
      if (live.length === 0) {
        const errs: CueErr[] = alts.flatMap((v) => (v.k === "bottom" ? v.errs : []));
        return bottom(
          path,
          `${errs.length} errors in empty disjunction: ${errs.map((e) => `(${e.msg})`).join(", ")}`,
        );
      }
      if (live.length === 1) return live[0][0];
      return { k: "disj", alts: live.map(([v]) => v), defaults: live.map(([, d]) => d) };
    }
    const l = resolveDefault(this.expr(x.l, frame, undefined, path));
    const r = resolveDefault(this.expr(x.r, frame, undefined, path));
    if (l.k === "bottom") return l;
    if (r.k === "bottom") return r;
    const lj = toJSON(l), rj = toJSON(r);
    if (lj === undefined || rj === undefined) return TOP; // incomplete
    const bool = (b: boolean): CueValue => ({ k: "atom", v: b, int: false });
    const bad = () => bottom(path, `invalid operation ${formatCue(l)} ${x.op} ${formatCue(r)}`);
    switch (x.op) {
      case "==":
        return bool(JSON.stringify(lj) === JSON.stringify(rj));
      case "!=":
        return bool(JSON.stringify(lj) !== JSON.stringify(rj));
      case "&&":
      case "||":
        if (typeof lj !== "boolean" || typeof rj !== "boolean") return bad();
        return bool(x.op === "&&" ? lj && rj : lj || rj);
      case "=~":
      case "!~":
        if (typeof lj !== "string" || typeof rj !== "string") return bad();
        return bool(new RegExp(rj, "u").test(lj) === (x.op === "=~"));
      case "<":
      case "<=":
      case ">":
      case ">=": {
        if (typeof lj !== typeof rj || (typeof lj !== "number" && typeof lj !== "string")) {
          return bad();
        }
        const [a, b] = [lj as number | string, rj as number | string];
        return bool(x.op === "<" ? a < b : x.op === "<=" ? a <= b : x.op === ">" ? a > b : a >= b);
      }
      case "+":
        if (typeof lj === "string" && typeof rj === "string") {
          return { k: "atom", v: lj + rj, int: false };
        }
        if (Array.isArray(lj) && Array.isArray(rj)) return fromJSON([...lj, ...rj]);
      // falls through
      case "-":
      case "*":
      case "/": {
        if (typeof lj !== "number" || typeof rj !== "number") return bad();
        const int = l.k === "atom" && r.k === "atom" && l.int && r.int && x.op !== "/";
        if (x.op === "/" && rj === 0) return bottom(path, "division by zero");
        const v = x.op === "+"
          ? lj + rj
          : x.op === "-"
          ? lj - rj
          : x.op === "*"
          ? lj * rj
          : lj / rj;
        return { k: "atom", v, int };
      }
    }
    return bad();
  }
}

function validatorOf(name: string, b: (typeof CUE_BUILTINS)[string], args: unknown[]): CueValue {
  const text = args.length
    ? `${name}(${args.map((a) => formatCue(fromJSON(a))).join(", ")})`
    : name;
  return {
    k: "cons",
    kinds: null,
    bounds: [],
    validators: [{
      text,
      check(v: CueValue) {
        const j = toJSON(v);
        if (j === undefined) return undefined;
        try {
          return b.fn([j, ...args]) === true;
        } catch (e) {
          if (e instanceof CueBuiltinError) return false;
          throw e;
        }
      },
    }],
  };
}

/** A definition's structs are closed (recursively). */
function close(v: CueValue): CueValue {
  if (v.k === "struct") {
    return {
      ...v,
      closed: !v.open,
      fields: new Map([...v.fields].map(([k, f]) => [k, { ...f, v: close(f.v) }])),
    };
  }
  if (v.k === "disj") return { ...v, alts: v.alts.map(close) };
  return v;
}

function displayKey(k: string): string {
  return k.startsWith(HIDDEN_PREFIX) ? k.slice(1) : k;
}

/** Collects the errors of a final value (bottoms anywhere, optional fields skipped). */
function collect(v: CueValue, out: CueErr[]): void {
  const d = resolveDefault(v);
  if (d.k === "bottom") {
    out.push(...d.errs);
    return;
  }
  if (d.k === "struct") { for (const f of d.fields.values()) collect(f.v, out); }
  if (d.k === "list") { for (const x of d.items) collect(x, out); }
}

/** Formats an error as CUE does: `a.b.0: message` (labels that are not names quoted). */
export function formatCueError(e: CueErr): string {
  const p = e.path.filter((s) => s !== "...").map((s) =>
    typeof s === "number"
      ? String(s)
      : /^[A-Za-z_$#][A-Za-z0-9_$]*$/.test(displayKey(s))
      ? displayKey(s)
      : JSON.stringify(s)
  ).join(".");
  return p ? `${p}: ${e.msg}` : e.msg;
}

/**
 * Unifies the policy with the document and returns every error, deduplicated, in order. `budget`
 * caps evaluation steps (default {@link CUE_STEP_BUDGET}; CosignError "TOO_LARGE" beyond).
 */
export function validateCue(
  file: CueFile,
  document: unknown,
  name: string,
  options: { budget?: number } = {},
): CueErr[] {
  const ev = new Evaluator(file, name, options.budget ?? CUE_STEP_BUDGET);
  let v: CueValue;
  try {
    v = ev.struct(file.root, undefined, document, []);
  } catch (e) {
    // Limits hit inside unification do not know the file: name it.
    if (e instanceof CosignError && e.message.startsWith("Cannot evaluate CUE policy: ")) {
      throw new CosignError(
        e.code,
        e.message.replace("CUE policy: ", `CUE policy "${name}": `),
        { hint: e.hint },
      );
    }
    throw e;
  }
  const errs: CueErr[] = [];
  collect(v, errs);
  const seen = new Set<string>();
  return errs.filter((e) => {
    const key = formatCueError(e);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
