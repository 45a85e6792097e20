/**
 * Evaluates a parsed Rego module (rego_parser.ts) over an input document, top-down with
 * backtracking, as OPA does: a body succeeds once per way its expressions can all be true;
 * references with unbound variables (`input.subject[i]`, `xs[_]`) iterate; a complete rule's
 * value comes from its bodies, `else` branches, then its `default`; partial rules collect every
 * solution; functions bind their arguments.
 *
 * Errors (CosignError "INVALID_INPUT", naming the policy and line): an unsafe variable (used before
 * it is bound), a complete rule or function with conflicting values, a partial object with two
 * values for one key, recursion, an unknown function, and evaluation past the step budget.
 *
 * @example
 * ```ts
 * const r = new RegoEvaluator(parseRego(src, "p.rego"), "p.rego", statement);
 * r.rule("allow"); // true, another value, or undefined
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { RegoExpr, RegoLiteral, RegoModule, RegoRule } from "./rego_ast.ts";
import { REGO_BUILTINS } from "./rego_builtins.ts";
import { regoUnsupported } from "./rego_parser.ts";
import {
  canonical,
  isObject,
  regoCompare,
  regoEqual,
  RegoSet,
  type RegoValue,
} from "./rego_value.ts";

/** Evaluation steps allowed for one query (a policy is a check, not a computation). */
export const REGO_STEP_BUDGET = 1_000_000;

const UNBOUND = Symbol("unbound");
type Slot = RegoValue | typeof UNBOUND;

/** Variable bindings: a persistent chain, so backtracking is free. */
class Env {
  constructor(
    readonly name?: string,
    readonly value?: Slot,
    readonly parent?: Env,
  ) {}
  lookup(name: string): Slot | undefined {
    return Env.find(this, name);
  }
  static find(start: Env, name: string): Slot | undefined {
    for (let e: Env | undefined = start; e; e = e.parent) if (e.name === name) return e.value;
    return undefined;
  }
  bind(name: string, value: Slot): Env {
    return new Env(name, value, this);
  }
}

type Sol = [RegoValue, Env];

/** Converts decoded JSON to a Rego value. */
export function regoValueOf(v: unknown): RegoValue {
  if (Array.isArray(v)) return v.map(regoValueOf);
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, regoValueOf(x)]));
  }
  if (v === undefined) return null;
  return v as RegoValue;
}

/** Evaluates rules of one module over one input. */
export class RegoEvaluator {
  readonly #module: RegoModule;
  readonly #file: string;
  readonly #input: RegoValue | undefined;
  readonly #rules = new Map<string, RegoRule[]>();
  readonly #memo = new Map<string, RegoValue | undefined>();
  readonly #active = new Set<string>();
  #steps = 0;
  readonly #budget: number;

  /**
   * An evaluator for `module` (from `file`, for messages) over `input`; `budget` caps evaluation
   * steps (default {@link REGO_STEP_BUDGET}).
   */
  constructor(
    module: RegoModule,
    file: string,
    input: unknown,
    options: { budget?: number } = {},
  ) {
    this.#budget = options.budget ?? REGO_STEP_BUDGET;
    this.#module = module;
    this.#file = file;
    this.#input = input === undefined ? undefined : regoValueOf(input);
    for (const r of module.rules) this.#rules.set(r.name, [...(this.#rules.get(r.name) ?? []), r]);
  }

  /** True when the module defines a rule with this name. */
  hasRule(name: string): boolean {
    return this.#rules.has(name);
  }

  /** The value of a rule (complete, partial set or partial object), or undefined. */
  rule(name: string): RegoValue | undefined {
    if (this.#memo.has(name)) return this.#memo.get(name);
    const defs = this.#rules.get(name);
    if (!defs) return undefined;
    if (this.#active.has(name)) throw this.#error(defs[0].line, `rule ${name} is recursive`);
    this.#active.add(name);
    try {
      const v = this.#evalRule(name, defs);
      this.#memo.set(name, v);
      return v;
    } finally {
      this.#active.delete(name);
    }
  }

  #error(line: number, what: string): CosignError {
    return new CosignError(
      "INVALID_INPUT",
      `Cannot evaluate Rego policy "${this.#file}": line ${line}: ${what}`,
      {
        hint: "Fix the policy (`opa check` reports the same problems).",
      },
    );
  }

  #tick(line: number): void {
    if (++this.#steps > this.#budget) {
      throw new CosignError(
        "TOO_LARGE",
        `Cannot evaluate Rego policy "${this.#file}": line ${line}: evaluation took more than ${this.#budget} steps`,
        { hint: "Simplify the policy; a policy should check attestations, not compute." },
      );
    }
  }

  #evalRule(name: string, defs: RegoRule[]): RegoValue | undefined {
    const kind = defs.find((d) => d.kind !== "default")?.kind ?? "default";
    if (kind === "function") throw this.#error(defs[0].line, `function ${name} is used as a value`);
    if (kind === "set") {
      const out = new RegoSet();
      for (const d of defs) {
        if (d.kind !== "set") {
          throw this.#error(d.line, `rule ${name} is defined as a set and as another kind`);
        }
        for (const env of this.#body(d.body, 0, new Env())) {
          for (const [k] of this.#expr(d.key!, env)) out.add(k);
        }
      }
      return out;
    }
    if (kind === "object") {
      const out: Record<string, RegoValue> = {};
      for (const d of defs) {
        if (d.kind !== "object") {
          throw this.#error(d.line, `rule ${name} is defined as an object and as another kind`);
        }
        for (const env of this.#body(d.body, 0, new Env())) {
          for (const [k, e2] of this.#expr(d.key!, env)) {
            if (typeof k !== "string") {
              throw this.#error(d.line, `rule ${name} has a key that is not a string`);
            }
            for (const [v] of this.#expr(d.value!, e2)) {
              if (Object.hasOwn(out, k) && !regoEqual(out[k], v)) {
                throw this.#error(
                  d.line,
                  `object keys must be unique: rule ${name} has two values for "${k}"`,
                );
              }
              out[k] = v;
            }
          }
        }
      }
      return out;
    }
    // Complete rule: all bodies that succeed must agree; else branches; then the default.
    let value: RegoValue | undefined;
    for (const d of defs) {
      if (d.kind === "default") continue;
      if (d.kind !== "complete") {
        throw this.#error(d.line, `rule ${name} is defined as a complete rule and as another kind`);
      }
      const v = this.#completeValue(d, new Env());
      if (v === undefined) continue;
      if (value !== undefined && !regoEqual(value, v)) {
        throw this.#error(
          d.line,
          `complete rules must not produce multiple outputs (rule ${name})`,
        );
      }
      value = v;
    }
    if (value !== undefined) return value;
    const dflt = defs.filter((d) => d.kind === "default");
    if (dflt.length > 1) throw this.#error(dflt[1].line, `multiple default rules ${name} found`);
    if (dflt.length === 1) return this.#first(dflt[0].value!, new Env());
    return undefined;
  }

  /** A complete rule's (or function's) value in `env`: its body, then its else branches. */
  #completeValue(d: RegoRule, env: Env): RegoValue | undefined {
    const branches = [{ value: d.value, body: d.body }, ...d.elses];
    for (const b of branches) {
      for (const e of this.#body(b.body, 0, env)) {
        if (!b.value) return true;
        const v = this.#first(b.value, e);
        if (v !== undefined) return v;
      }
    }
    return undefined;
  }

  #first(e: RegoExpr, env: Env): RegoValue | undefined {
    for (const [v] of this.#expr(e, env)) return v;
    return undefined;
  }

  *#body(lits: RegoLiteral[], i: number, env: Env): Generator<Env> {
    if (i === lits.length) {
      yield env;
      return;
    }
    for (const e of this.#literal(lits[i], env)) yield* this.#body(lits, i + 1, e);
  }

  *#literal(l: RegoLiteral, env: Env): Generator<Env> {
    this.#tick(l.line);
    switch (l.t) {
      case "expr": {
        if (l.not) {
          for (const [v] of this.#expr(l.e, env)) if (v !== false) return;
          yield env;
          return;
        }
        for (const [v, e] of this.#expr(l.e, env)) if (v !== false) yield e;
        return;
      }
      case "assign":
        for (const [v, e] of this.#expr(l.rhs, env)) yield* this.#bindPattern(l.lhs, v, e, l.line);
        return;
      case "unify": {
        if (this.#isPattern(l.lhs, env)) {
          for (const [v, e] of this.#expr(l.rhs, env)) {
            yield* this.#bindPattern(l.lhs, v, e, l.line);
          }
          return;
        }
        if (this.#isPattern(l.rhs, env)) {
          for (const [v, e] of this.#expr(l.lhs, env)) {
            yield* this.#bindPattern(l.rhs, v, e, l.line);
          }
          return;
        }
        for (const [a, e1] of this.#expr(l.lhs, env)) {
          for (const [b, e2] of this.#expr(l.rhs, e1)) if (regoEqual(a, b)) yield e2;
        }
        return;
      }
      case "some": {
        let e = env;
        for (const v of l.vars) e = e.bind(v, UNBOUND);
        yield e;
        return;
      }
      case "somein":
        for (const [c, e] of this.#expr(l.coll, env)) {
          for (const [k, v] of entries(c)) {
            for (const e2 of l.key ? this.#bindPattern(l.key, k, e, l.line) : [e]) {
              yield* this.#bindPattern(l.value, v, e2, l.line);
            }
          }
        }
        return;
      case "every":
        for (const [c, e] of this.#expr(l.coll, env)) {
          let all = true;
          for (const [k, v] of entries(c)) {
            let e2 = e.bind(l.value, v);
            if (l.key) e2 = e2.bind(l.key, k);
            if (this.#body(l.body, 0, e2).next().done) {
              all = false;
              break;
            }
          }
          if (all) yield e;
        }
        return;
    }
  }

  /** True when `p` contains a variable not yet bound (so `=` binds rather than compares). */
  #isPattern(p: RegoExpr, env: Env): boolean {
    if (p.t === "var") {
      const cur = env.lookup(p.name);
      return p.name === "_" || cur === UNBOUND || (cur === undefined && !this.#isGlobal(p.name));
    }
    if (p.t === "array") return p.items.some((x) => this.#isPattern(x, env));
    return false;
  }

  #isGlobal(name: string): boolean {
    return name === "input" || name === "data" || this.#rules.has(name);
  }

  /** Binds variables of a pattern (a variable or an array of patterns) to `v`, or compares. */
  *#bindPattern(p: RegoExpr, v: RegoValue, env: Env, line: number): Generator<Env> {
    if (p.t === "var") {
      if (p.name === "_") {
        yield env;
        return;
      }
      const cur = env.lookup(p.name);
      if (cur === undefined || cur === UNBOUND) {
        if (
          cur === undefined && this.#isGlobal(p.name) && p.name !== "input" && p.name !== "data"
        ) {
          // Comparing with a rule's value.
          const rv = this.rule(p.name);
          if (rv !== undefined && regoEqual(rv, v)) yield env;
          return;
        }
        yield env.bind(p.name, v);
        return;
      }
      if (regoEqual(cur, v)) yield env;
      return;
    }
    if (p.t === "array" && p.items.some((x) => this.#isPattern(x, env))) {
      if (!Array.isArray(v) || v.length !== p.items.length) return;
      const go = function* (this: RegoEvaluator, i: number, e: Env): Generator<Env> {
        if (i === p.items.length) {
          yield e;
          return;
        }
        for (const e2 of this.#bindPattern(p.items[i], (v as RegoValue[])[i], e, line)) {
          yield* go.call(this, i + 1, e2);
        }
      };
      yield* go.call(this, 0, env);
      return;
    }
    for (const [x, e] of this.#expr(p, env)) if (regoEqual(x, v)) yield e;
  }

  *#exprs(list: RegoExpr[], i: number, env: Env, acc: RegoValue[]): Generator<[RegoValue[], Env]> {
    if (i === list.length) {
      yield [acc, env];
      return;
    }
    for (const [v, e] of this.#expr(list[i], env)) yield* this.#exprs(list, i + 1, e, [...acc, v]);
  }

  *#expr(x: RegoExpr, env: Env): Generator<Sol> {
    switch (x.t) {
      case "scalar":
        yield [x.v, env];
        return;
      case "var":
        yield* this.#var(x.name, x.line, env);
        return;
      case "ref":
        yield* this.#ref(x, env);
        return;
      case "array":
        for (const [vs, e] of this.#exprs(x.items, 0, env, [])) yield [vs, e];
        return;
      case "set":
        for (const [vs, e] of this.#exprs(x.items, 0, env, [])) yield [new RegoSet(vs), e];
        return;
      case "object": {
        const flat = x.entries.flat();
        for (const [vs, e] of this.#exprs(flat, 0, env, [])) {
          const o: Record<string, RegoValue> = {};
          let ok = true;
          for (let i = 0; i < vs.length; i += 2) {
            if (typeof vs[i] !== "string") ok = false;
            else o[vs[i] as string] = vs[i + 1];
          }
          if (!ok) throw regoUnsupported(this.#file, 0, "an object key that is not a string");
          yield [o, e];
        }
        return;
      }
      case "compr": {
        const items: RegoValue[] = [];
        for (const e of this.#body(x.body, 0, env)) {
          for (const [v] of this.#expr(x.head, e)) items.push(v);
        }
        yield [x.kind === "array" ? items : new RegoSet(items), env];
        return;
      }
      case "ocompr": {
        const o: Record<string, RegoValue> = {};
        for (const e of this.#body(x.body, 0, env)) {
          for (const [k, e2] of this.#expr(x.key, e)) {
            if (typeof k !== "string") {
              throw regoUnsupported(this.#file, 0, "an object key that is not a string");
            }
            for (const [v] of this.#expr(x.value, e2)) {
              if (Object.hasOwn(o, k) && !regoEqual(o[k], v)) {
                throw this.#error(0, `object comprehension has two values for key "${k}"`);
              }
              o[k] = v;
            }
          }
        }
        yield [o, env];
        return;
      }
      case "call":
        yield* this.#call(x.fn, x.args, x.line, env);
        return;
      case "neg":
        for (const [v, e] of this.#expr(x.e, env)) if (typeof v === "number") yield [-v, e];
        return;
      case "in":
        for (const [v, e] of this.#expr(x.value, env)) {
          for (const [c, e2] of this.#expr(x.coll, e)) {
            yield [entries(c).some(([, m]) => regoEqual(m, v)), e2];
          }
        }
        return;
      case "binop":
        for (const [a, e] of this.#expr(x.l, env)) {
          for (const [b, e2] of this.#expr(x.r, e)) {
            const v = binop(x.op, a, b);
            if (v !== undefined) yield [v, e2];
          }
        }
        return;
    }
  }

  *#var(name: string, line: number, env: Env): Generator<Sol> {
    if (name === "_") throw this.#error(line, "var _ is unsafe (a wildcard cannot be read)");
    const v = env.lookup(name);
    if (v === UNBOUND) throw this.#error(line, `var ${name} is unsafe`);
    if (v !== undefined) {
      yield [v, env];
      return;
    }
    if (name === "input") {
      if (this.#input !== undefined) yield [this.#input, env];
      return;
    }
    if (name === "data") {
      yield [this.#data(), env];
      return;
    }
    if (this.#rules.has(name)) {
      const r = this.rule(name);
      if (r !== undefined) yield [r, env];
      return;
    }
    throw this.#error(line, `var ${name} is unsafe`);
  }

  /** `data` as a document: this module's rules under its package path. */
  #data(): RegoValue {
    const rules: Record<string, RegoValue> = {};
    for (const name of this.#rules.keys()) {
      if (this.#rules.get(name)!.some((d) => d.kind === "function")) continue;
      const v = this.rule(name);
      if (v !== undefined) rules[name] = v;
    }
    let doc: RegoValue = rules;
    for (const p of [...this.#module.pkg].reverse()) doc = { [p]: doc };
    return doc;
  }

  *#ref(x: Extract<RegoExpr, { t: "ref" }>, env: Env): Generator<Sol> {
    // data.<package>.<rule>…: evaluate only the rule named.
    if (x.head.t === "var" && x.head.name === "data" && env.lookup("data") === undefined) {
      const pkg = this.#module.pkg;
      const names = x.path.map((p) => (p.t === "scalar" ? p.v : undefined));
      if (
        names.length > pkg.length && pkg.every((p, i) => names[i] === p) &&
        typeof names[pkg.length] === "string"
      ) {
        const r = this.rule(names[pkg.length] as string);
        if (r === undefined) return;
        yield* this.#walk(r, x.path, pkg.length + 1, env, x.line);
        return;
      }
    }
    for (const [h, e] of this.#expr(x.head, env)) yield* this.#walk(h, x.path, 0, e, x.line);
  }

  *#walk(cur: RegoValue, path: RegoExpr[], i: number, env: Env, line: number): Generator<Sol> {
    this.#tick(line);
    if (i === path.length) {
      yield [cur, env];
      return;
    }
    const step = path[i];
    const free = step.t === "var" && (step.name === "_" || env.lookup(step.name) === UNBOUND ||
      (env.lookup(step.name) === undefined && !this.#isGlobal(step.name)));
    if (free) {
      const name = (step as { name: string }).name;
      for (const [k, v] of entries(cur)) {
        yield* this.#walk(v, path, i + 1, name === "_" ? env : env.bind(name, k), line);
      }
      return;
    }
    for (const [k, e] of this.#expr(step, env)) {
      const next = index(cur, k);
      if (next !== undefined) yield* this.#walk(next, path, i + 1, e, line);
    }
  }

  *#call(fn: string, args: RegoExpr[], line: number, env: Env): Generator<Sol> {
    const user = this.#rules.get(fn);
    if (user && user.every((d) => d.kind === "function")) {
      for (const [vs, e] of this.#exprs(args, 0, env, [])) {
        const v = this.#callUser(fn, user, vs, line);
        if (v !== undefined) yield [v, e];
      }
      return;
    }
    const b = REGO_BUILTINS[fn];
    if (!b) {
      if (user) throw this.#error(line, `${fn} is not a function`);
      throw regoUnsupported(this.#file, line, `the function ${fn}()`);
    }
    for (const [vs, e] of this.#exprs(args, 0, env, [])) {
      const v = b(vs);
      if (v !== undefined) yield [v, e];
    }
  }

  #callUser(fn: string, defs: RegoRule[], vs: RegoValue[], line: number): RegoValue | undefined {
    const key = `${fn}(${vs.map(canonical).join(",")})`;
    if (this.#active.has(key)) throw this.#error(line, `function ${fn} is recursive`);
    this.#active.add(key);
    try {
      let value: RegoValue | undefined;
      for (const d of defs) {
        if ((d.args ?? []).length !== vs.length) {
          throw this.#error(
            line,
            `function ${fn} takes ${(d.args ?? []).length} arguments, given ${vs.length}`,
          );
        }
        const bind = function* (this: RegoEvaluator, i: number, e: Env): Generator<Env> {
          if (i === vs.length) {
            yield e;
            return;
          }
          for (const e2 of this.#bindPattern(d.args![i], vs[i], e, d.line)) {
            yield* bind.call(this, i + 1, e2);
          }
        };
        for (const e of bind.call(this, 0, new Env())) {
          const v = this.#completeValue(d, e);
          if (v === undefined) continue;
          if (value !== undefined && !regoEqual(value, v)) {
            throw this.#error(
              d.line,
              `functions must not produce multiple outputs for same inputs (${fn})`,
            );
          }
          value = v;
          break;
        }
      }
      return value;
    } finally {
      this.#active.delete(key);
    }
  }
}

/** Keys (indexes, members) and values of a collection; nothing for scalars. */
function entries(c: RegoValue): [RegoValue, RegoValue][] {
  if (Array.isArray(c)) return c.map((v, i) => [i, v]);
  if (c instanceof RegoSet) return c.values().map((v) => [v, v]);
  if (isObject(c)) return Object.entries(c);
  return [];
}

function index(c: RegoValue, k: RegoValue): RegoValue | undefined {
  if (Array.isArray(c)) {
    return typeof k === "number" && Number.isInteger(k) && k >= 0 && k < c.length
      ? c[k]
      : undefined;
  }
  if (c instanceof RegoSet) return c.has(k) ? k : undefined;
  if (isObject(c)) return typeof k === "string" && Object.hasOwn(c, k) ? c[k] : undefined;
  return undefined;
}

function binop(op: string, a: RegoValue, b: RegoValue): RegoValue | undefined {
  switch (op) {
    case "==":
      return regoEqual(a, b);
    case "!=":
      return !regoEqual(a, b);
    case "<":
      return regoCompare(a, b) < 0;
    case "<=":
      return regoCompare(a, b) <= 0;
    case ">":
      return regoCompare(a, b) > 0;
    case ">=":
      return regoCompare(a, b) >= 0;
  }
  if (a instanceof RegoSet && b instanceof RegoSet) {
    if (op === "|") return new RegoSet([...a.values(), ...b.values()]);
    if (op === "&") return new RegoSet(a.values().filter((v) => b.has(v)));
    if (op === "-") return new RegoSet(a.values().filter((v) => !b.has(v)));
    return undefined;
  }
  if (typeof a !== "number" || typeof b !== "number") return undefined;
  switch (op) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "/":
      return b === 0 ? undefined : a / b;
    case "%":
      return b === 0 || !Number.isInteger(a) || !Number.isInteger(b) ? undefined : a % b;
  }
  return undefined;
}
