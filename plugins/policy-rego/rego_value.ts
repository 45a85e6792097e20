/**
 * Rego values: JSON values plus sets, with Rego's equality, ordering and Go-style printing.
 * @module
 */

/** A Rego value. Objects have string keys (what JSON documents give). */
export type RegoValue =
  | null
  | boolean
  | number
  | string
  | RegoValue[]
  | RegoSet
  | { [key: string]: RegoValue };

/** A Rego set: members keyed by their canonical form. */
export class RegoSet {
  /** Members by canonical key. */
  readonly members: Map<string, RegoValue> = new Map();
  /** A set of the given values. */
  constructor(values: Iterable<RegoValue> = []) {
    for (const v of values) this.add(v);
  }
  /** Adds a member. */
  add(v: RegoValue): void {
    this.members.set(canonical(v), v);
  }
  /** True when `v` is a member. */
  has(v: RegoValue): boolean {
    return this.members.has(canonical(v));
  }
  /** Members in canonical order. */
  values(): RegoValue[] {
    return [...this.members.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map((
      [, v],
    ) => v);
  }
  /** Number of members. */
  get size(): number {
    return this.members.size;
  }
}

/** True for plain objects (not arrays, not sets, not null). */
export function isObject(v: unknown): v is { [key: string]: RegoValue } {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof RegoSet);
}

/** A canonical text for equality and set membership (object keys and set members sorted). */
export function canonical(v: RegoValue): string {
  if (v instanceof RegoSet) return `set(${v.values().map(canonical).join(",")})`;
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (isObject(v)) {
    return `{${
      Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(",")
    }}`;
  }
  return JSON.stringify(v);
}

/** Rego equality. */
export function regoEqual(a: RegoValue, b: RegoValue): boolean {
  return canonical(a) === canonical(b);
}

const TYPE_ORDER = ["null", "boolean", "number", "string", "array", "object", "set"];

/** The Rego type name of a value (as `type_name` returns it). */
export function typeName(v: RegoValue): string {
  if (v === null) return "null";
  if (v instanceof RegoSet) return "set";
  if (Array.isArray(v)) return "array";
  return typeof v === "object" ? "object" : typeof v;
}

/** Rego's total order: by type (null < boolean < number < string < array < object < set), then value. */
export function regoCompare(a: RegoValue, b: RegoValue): number {
  const ta = TYPE_ORDER.indexOf(typeName(a)), tb = TYPE_ORDER.indexOf(typeName(b));
  if (ta !== tb) return ta - tb;
  if (typeof a === "number" || typeof a === "string" || typeof a === "boolean") {
    return a < (b as typeof a) ? -1 : a > (b as typeof a) ? 1 : 0;
  }
  if (Array.isArray(a)) {
    const bb = b as RegoValue[];
    for (let i = 0; i < Math.min(a.length, bb.length); i++) {
      const c = regoCompare(a[i], bb[i]);
      if (c !== 0) return c;
    }
    return a.length - bb.length;
  }
  const ca = canonical(a), cb = canonical(b);
  return ca < cb ? -1 : ca > cb ? 1 : 0;
}

/** Prints a value as Go's `fmt` prints the decoded JSON OPA returns (`map[a:1]`, `[1 2]`). */
export function goFormat(v: RegoValue): string {
  if (v === null) return "<nil>";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (v instanceof RegoSet) return `[${v.values().map(goFormat).join(" ")}]`;
  if (Array.isArray(v)) return `[${v.map(goFormat).join(" ")}]`;
  return `map[${Object.keys(v).sort().map((k) => `${k}:${goFormat(v[k])}`).join(" ")}]`;
}

/** Converts a value to JSON-compatible data (sets become sorted arrays). */
export function toJSONValue(v: RegoValue): unknown {
  if (v instanceof RegoSet) return v.values().map(toJSONValue);
  if (Array.isArray(v)) return v.map(toJSONValue);
  if (isObject(v)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJSONValue(x)]));
  }
  return v;
}
