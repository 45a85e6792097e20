/**
 * CUE values for policy evaluation and their unification (`&`): concrete atoms, constraints
 * (types, bounds, validators), structs (open or closed), lists (with an open tail), disjunctions
 * (with defaults), top and bottom. Errors are CUE's: `conflicting values A and B (mismatched
 * types K and L)`, `invalid value V (out of bound B)`, `invalid value V (does not satisfy F)`,
 * `field not allowed`, `incompatible list lengths (N and M)`.
 * @module
 */

import { CosignError } from "../../core/errors.ts";

/** The kinds of concrete values. */
export type CueKind = "null" | "bool" | "int" | "float" | "string" | "bytes" | "struct" | "list";

/** One error with the path it occurred at. */
export interface CueErr {
  /** Field path (list indexes as numbers). */
  path: (string | number)[];
  /** CUE's message. */
  msg: string;
}

/** A bound such as `<5` or `=~"^a"`. */
export interface CueBound {
  /** The operator. */
  op: "<" | "<=" | ">" | ">=" | "!=" | "=~" | "!~";
  /** The operand. */
  v: number | string | boolean | null;
}

/** A validator such as `list.MinItems(2)`: a check over a concrete value. */
export interface CueValidator {
  /** How CUE prints it, e.g. `list.MinItems(2)`. */
  text: string;
  /** True when the value satisfies it; undefined when the value is not concrete enough yet. */
  check(v: CueValue): boolean | undefined;
}

/** A field of a struct. */
export interface CueField {
  /** Its value. */
  v: CueValue;
  /** `a?:` and not given by data. */
  optional: boolean;
}

/** A CUE value. */
export type CueValue =
  | { k: "top" }
  | { k: "bottom"; errs: CueErr[] }
  | { k: "atom"; v: null | boolean | number | string; int: boolean }
  | { k: "cons"; kinds: CueKind[] | null; bounds: CueBound[]; validators: CueValidator[] }
  | { k: "struct"; fields: Map<string, CueField>; closed: boolean; open?: boolean }
  | { k: "list"; items: CueValue[]; tail?: CueValue }
  | { k: "disj"; alts: CueValue[]; defaults: boolean[] }
  | { k: "pkg"; name: string }
  | { k: "fn"; name: string };

/** Most alternatives two disjunctions may combine into when unified. */
export const MAX_DISJUNCTION_PRODUCT = 10_000;

function formatPath(path: (string | number)[]): string {
  return path.map(String).join(".") || "(top level)";
}

/** Top (`_`). */
export const TOP: CueValue = { k: "top" };

/** Bottom with one error at `path`. */
export function bottom(path: (string | number)[], msg: string): CueValue {
  return { k: "bottom", errs: [{ path, msg }] };
}

/** Hidden fields (`_x`) and definitions (`#D`) are keyed apart from data fields. */
export const HIDDEN_PREFIX = "\u0000";

/** The kind of a concrete value, or undefined. */
export function kindOf(v: CueValue): CueKind | undefined {
  if (v.k === "struct") return "struct";
  if (v.k === "list") return "list";
  if (v.k !== "atom") return undefined;
  if (v.v === null) return "null";
  if (typeof v.v === "boolean") return "bool";
  if (typeof v.v === "string") return "string";
  return v.int ? "int" : "float";
}

const converted = new WeakMap<object, CueValue>();

/**
 * A value from decoded JSON. Objects and arrays are converted once (the same document is unified
 * at every level of a policy, and identical values unify at once).
 */
export function fromJSON(x: unknown): CueValue {
  if (typeof x === "object" && x !== null) {
    const seen = converted.get(x);
    if (seen) return seen;
    let v: CueValue;
    if (Array.isArray(x)) v = { k: "list", items: x.map(fromJSON) };
    else {
      const fields = new Map<string, CueField>();
      for (const [k, e] of Object.entries(x)) fields.set(k, { v: fromJSON(e), optional: false });
      v = { k: "struct", fields, closed: false };
    }
    converted.set(x, v);
    return v;
  }
  if (typeof x === "number") return { k: "atom", v: x, int: Number.isInteger(x) };
  return { k: "atom", v: (x ?? null) as null | boolean | string, int: false };
}

/** Concrete JSON of a value, or undefined when it is not concrete. */
export function toJSON(v: CueValue): unknown {
  const d = resolveDefault(v);
  if (d.k === "atom") return d.v;
  if (d.k === "list") {
    if (d.tail && d.tail.k !== "top") return undefined;
    const out = d.items.map(toJSON);
    return out.some((x) => x === undefined) ? undefined : out;
  }
  if (d.k === "struct") {
    const out: Record<string, unknown> = {};
    for (const [k, f] of d.fields) {
      if (f.optional || k.startsWith(HIDDEN_PREFIX)) continue;
      const j = toJSON(f.v);
      if (j === undefined) return undefined;
      out[k] = j;
    }
    return out;
  }
  return undefined;
}

/** A disjunction's value once defaults apply (the single remaining default or alternative). */
export function resolveDefault(v: CueValue): CueValue {
  if (v.k !== "disj") return v;
  if (v.alts.length === 1) return v.alts[0];
  const d = v.alts.filter((_, i) => v.defaults[i]);
  return d.length === 1 ? d[0] : v;
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Prints a value as CUE prints it in messages (`{a:1,"b-c":"x"}`, `[1,2]`, `>=3`). */
export function formatCue(v: CueValue): string {
  switch (v.k) {
    case "top":
      return "_";
    case "bottom":
      return "_|_";
    case "atom":
      if (typeof v.v === "string") return JSON.stringify(v.v);
      if (typeof v.v === "number" && !v.int && Number.isInteger(v.v)) return `${v.v}.0`;
      return String(v.v);
    case "cons": {
      const parts: string[] = [];
      if (v.kinds) {
        parts.push(
          v.kinds.length === 2 && v.kinds.includes("int") && v.kinds.includes("float")
            ? "number"
            : v.kinds.join(" | "),
        );
      }
      for (const b of v.bounds) {
        parts.push(
          `${b.op}${
            formatCue({ k: "atom", v: b.v, int: typeof b.v === "number" && Number.isInteger(b.v) })
          }`,
        );
      }
      for (const x of v.validators) parts.push(x.text);
      return parts.join(" & ") || "_";
    }
    case "struct":
      return `{${
        [...v.fields].filter(([k, f]) => !k.startsWith(HIDDEN_PREFIX) && !f.optional)
          .map(([k, f]) => `${IDENT.test(k) ? k : JSON.stringify(k)}:${formatCue(f.v)}`).join(",")
      }}`;
    case "list":
      return `[${
        [
          ...v.items.map(formatCue),
          ...(v.tail ? [v.tail.k === "top" ? "..." : `...${formatCue(v.tail)}`] : []),
        ].join(",")
      }]`;
    case "disj":
      return v.alts.map((a, i) => (v.defaults[i] ? "*" : "") + formatCue(a)).join(" | ");
    case "pkg":
      return v.name;
    case "fn":
      return v.name;
  }
}

function kindName(kinds: CueKind[]): string {
  return kinds.length === 2 && kinds.includes("int") && kinds.includes("float")
    ? "number"
    : kinds.join("|");
}

function mismatch(
  path: (string | number)[],
  a: CueValue,
  b: CueValue,
  ka: string,
  kb: string,
): CueValue {
  return bottom(
    path,
    `conflicting values ${formatCue(a)} and ${formatCue(b)} (mismatched types ${ka} and ${kb})`,
  );
}

function checkBound(b: CueBound, x: null | boolean | number | string): boolean {
  switch (b.op) {
    case "!=":
      return x !== b.v;
    case "=~":
      return typeof x === "string" && new RegExp(b.v as string, "u").test(x);
    case "!~":
      return typeof x === "string" && !new RegExp(b.v as string, "u").test(x);
  }
  if (typeof x !== typeof b.v || (typeof x !== "number" && typeof x !== "string")) return false;
  const [p, q] = [x as number | string, b.v as number | string];
  return b.op === "<" ? p < q : b.op === "<=" ? p <= q : b.op === ">" ? p > q : p >= q;
}

/** Checks a constraint against a concrete value. */
function applyCons(
  c: Extract<CueValue, { k: "cons" }>,
  x: CueValue,
  path: (string | number)[],
): CueValue {
  const kind = kindOf(x)!;
  if (c.kinds && !c.kinds.includes(kind)) return mismatch(path, c, x, kindName(c.kinds), kind);
  for (const b of c.bounds) {
    if (x.k !== "atom") {
      return bottom(
        path,
        `invalid operand ${formatCue(x)} (bound ${b.op}${
          formatCue({ k: "atom", v: b.v, int: false })
        } needs a number or string)`,
      );
    }
    if (!checkBound(b, x.v)) {
      return bottom(
        path,
        `invalid value ${formatCue(x)} (out of bound ${
          formatCue({ k: "cons", kinds: null, bounds: [b], validators: [] })
        })`,
      );
    }
  }
  for (const val of c.validators) {
    if (val.check(x) === false) {
      return bottom(path, `invalid value ${formatCue(x)} (does not satisfy ${val.text})`);
    }
  }
  // Validators that could not decide yet (a struct or list still incomplete) stay attached.
  return x;
}

/** Unifies two values (CUE's `&`); errors carry `path`. */
export function unify(a: CueValue, b: CueValue, path: (string | number)[] = []): CueValue {
  if (a === b) return a;
  if (a.k === "bottom" && b.k === "bottom") return { k: "bottom", errs: [...a.errs, ...b.errs] };
  if (a.k === "bottom") return a;
  if (b.k === "bottom") return b;
  if (a.k === "top") return b;
  if (b.k === "top") return a;
  if (a.k === "pkg" || a.k === "fn" || b.k === "pkg" || b.k === "fn") {
    return bottom(
      path,
      `cannot use ${formatCue(a.k === "pkg" || a.k === "fn" ? a : b)} as a value`,
    );
  }
  if (a.k === "disj" || b.k === "disj") return unifyDisj(a, b, path);
  if (a.k === "cons" && b.k === "cons") {
    let kinds = a.kinds;
    if (a.kinds && b.kinds) {
      kinds = a.kinds.filter((k) => b.kinds!.includes(k));
      if (kinds.length === 0) return mismatch(path, a, b, kindName(a.kinds), kindName(b.kinds));
    } else kinds = a.kinds ?? b.kinds;
    return {
      k: "cons",
      kinds,
      bounds: [...a.bounds, ...b.bounds],
      validators: [...a.validators, ...b.validators],
    };
  }
  if (a.k === "cons") return applyCons(a, b, path);
  if (b.k === "cons") return applyCons(b, a, path);
  const ka = kindOf(a)!, kb = kindOf(b)!;
  if (a.k === "atom" && b.k === "atom") {
    if (a.v === b.v && ka === kb) return a;
    if (ka !== kb && !(typeof a.v === "number" && typeof b.v === "number" && a.v === b.v)) {
      return mismatch(path, a, b, ka, kb);
    }
    if (a.v === b.v) return a.int ? a : b;
    return bottom(path, `conflicting values ${formatCue(a)} and ${formatCue(b)}`);
  }
  if (a.k === "struct" && b.k === "struct") return unifyStructs(a, b, path);
  if (a.k === "list" && b.k === "list") return unifyLists(a, b, path);
  return mismatch(path, a, b, ka, kb);
}

function unifyDisj(a: CueValue, b: CueValue, path: (string | number)[]): CueValue {
  const alts: CueValue[] = [], defaults: boolean[] = [], errs: CueErr[] = [];
  const left = a.k === "disj"
    ? a.alts.map((x, i) => [x, a.defaults[i]] as const)
    : [[a, false] as const];
  const right = b.k === "disj"
    ? b.alts.map((x, i) => [x, b.defaults[i]] as const)
    : [[b, false] as const];
  if (left.length * right.length > MAX_DISJUNCTION_PRODUCT) {
    throw new CosignError(
      "TOO_LARGE",
      `Cannot evaluate CUE policy: ${
        formatPath(path)
      }: unifying disjunctions of ${left.length} and ${right.length} alternatives`,
      { hint: `Keep disjunctions under ${MAX_DISJUNCTION_PRODUCT} combined alternatives.` },
    );
  }
  const leftHasDefault = left.some(([, d]) => d), rightHasDefault = right.some(([, d]) => d);
  for (const [x, dx] of left) {
    for (const [y, dy] of right) {
      const u = unify(x, y, path);
      if (u.k === "bottom") {
        errs.push(...u.errs);
        continue;
      }
      alts.push(u);
      defaults.push(
        (dx || !leftHasDefault) && (dy || !rightHasDefault) && (leftHasDefault || rightHasDefault),
      );
    }
  }
  if (alts.length === 0) {
    return bottom(
      path,
      `${errs.length} errors in empty disjunction: ${errs.map((e) => `(${e.msg})`).join(", ")}`,
    );
  }
  if (alts.length === 1) return alts[0];
  return { k: "disj", alts, defaults };
}

function unifyStructs(
  a: Extract<CueValue, { k: "struct" }>,
  b: Extract<CueValue, { k: "struct" }>,
  path: (string | number)[],
): CueValue {
  const fields = new Map<string, CueField>();
  for (const [k, f] of a.fields) fields.set(k, f);
  for (const [k, f] of b.fields) {
    const g = fields.get(k);
    const p = [...path, k];
    if (!g) {
      const allowed = !a.closed || k.startsWith(HIDDEN_PREFIX);
      fields.set(k, allowed ? f : { v: bottom(p, "field not allowed"), optional: false });
      continue;
    }
    fields.set(k, { v: unify(g.v, f.v, p), optional: g.optional && f.optional });
  }
  if (b.closed) {
    for (const [k, f] of a.fields) {
      if (!b.fields.has(k) && !k.startsWith(HIDDEN_PREFIX)) {
        fields.set(k, { v: bottom([...path, k], "field not allowed"), optional: f.optional });
      }
    }
  }
  return { k: "struct", fields, closed: a.closed || b.closed };
}

function unifyLists(
  a: Extract<CueValue, { k: "list" }>,
  b: Extract<CueValue, { k: "list" }>,
  path: (string | number)[],
): CueValue {
  const n = Math.max(a.items.length, b.items.length);
  if (
    (!a.tail && b.items.length > a.items.length) || (!b.tail && a.items.length > b.items.length)
  ) {
    const la = a.tail ? `>=${a.items.length}` : `${a.items.length}`;
    const lb = b.tail ? `>=${b.items.length}` : `${b.items.length}`;
    return bottom(path, `incompatible list lengths (${la} and ${lb})`);
  }
  const items: CueValue[] = [];
  for (let i = 0; i < n; i++) {
    const x = a.items[i] ?? a.tail!, y = b.items[i] ?? b.tail!;
    items.push(unify(x, y, [...path, i]));
  }
  const tail = a.tail && b.tail ? unify(a.tail, b.tail, [...path, "..."]) : undefined;
  return { k: "list", items, tail };
}
