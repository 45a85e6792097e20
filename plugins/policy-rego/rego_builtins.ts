/**
 * The Rego built-in functions cosign-ts evaluates. As in OPA (without strict built-in errors),
 * a built-in given arguments of the wrong type is undefined rather than an error.
 *
 * Supported: count, sum, product, max, min, sort, abs, round, ceil, floor, to_number, numbers.range;
 * concat, contains, startswith, endswith, lower, upper, split, replace, substring, indexof,
 * trim, trim_left, trim_right, trim_prefix, trim_suffix, trim_space, sprintf, format_int,
 * strings.replace_n, strings.any_prefix_match, strings.any_suffix_match, regex.match, re_match,
 * regex.split, regex.find_n, glob.match (only `*`, `?` and literal text);
 * is_string, is_number, is_boolean, is_array, is_object, is_set, is_null, type_name;
 * array.concat, array.slice, array.reverse, object.get, object.keys, object.remove,
 * object.union, union, intersection, any, all; json.marshal, json.unmarshal, json.is_valid,
 * base64.encode, base64.decode, base64url.encode, base64url.decode, hex.encode, hex.decode;
 * time.now_ns, time.parse_rfc3339_ns, semver.is_valid, semver.compare.
 * @module
 */
import {
  isObject,
  regoCompare,
  RegoSet,
  type RegoValue,
  toJSONValue,
  typeName,
} from "./rego_value.ts";

/** A built-in: arguments in, a value out (undefined: the call is undefined). */
export type RegoBuiltin = (args: RegoValue[]) => RegoValue | undefined;

const str = (v: RegoValue): v is string => typeof v === "string";
const num = (v: RegoValue): v is number => typeof v === "number";

function collection(v: RegoValue): RegoValue[] | undefined {
  if (Array.isArray(v)) return v;
  if (v instanceof RegoSet) return v.values();
  return undefined;
}

function fromJSON(v: unknown): RegoValue {
  if (Array.isArray(v)) return v.map(fromJSON);
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromJSON(x)]));
  }
  return v as RegoValue;
}

/** Go's `%v` for sprintf (strings bare, numbers as JSON, composite values as JSON). */
function sprintfArg(v: RegoValue, verb: string): string {
  if (verb === "q") {
    return JSON.stringify(typeof v === "string" ? v : JSON.stringify(toJSONValue(v)));
  }
  if (verb === "d" && num(v)) return String(Math.trunc(v));
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || v === null) return String(v);
  return JSON.stringify(toJSONValue(v));
}

function sprintf(format: string, args: RegoValue[]): string {
  let i = 0;
  return format.replace(
    /%([-+# 0]*\d*(?:\.\d+)?)?([vsdqftxXeEgGbo%])/g,
    (_m, _flags, verb: string) => {
      if (verb === "%") return "%";
      if (i >= args.length) return `%!${verb}(MISSING)`;
      const v = args[i++];
      if ((verb === "f" || verb === "e" || verb === "g") && num(v)) return String(v);
      if ((verb === "x" || verb === "X") && num(v)) {
        const h = Math.trunc(v).toString(16);
        return verb === "X" ? h.toUpperCase() : h;
      }
      return sprintfArg(v, verb);
    },
  );
}

function globToRegExp(pattern: string): RegExp | undefined {
  if (/[[\]{}\\]/.test(pattern)) return undefined;
  const body = pattern.split("").map((c) =>
    c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")
  ).join("");
  return new RegExp(`^${body}$`, "s");
}

function regex(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern.replace(/^\(\?i\)/, ""), /^\(\?i\)/.test(pattern) ? "iu" : "u");
  } catch {
    return undefined;
  }
}

const b64 = {
  encode(s: string, url: boolean): string {
    const bin = String.fromCharCode(...new TextEncoder().encode(s));
    const out = btoa(bin);
    return url ? out.replace(/\+/g, "-").replace(/\//g, "_") : out;
  },
  decode(s: string, url: boolean): string | undefined {
    try {
      let t = url ? s.replace(/-/g, "+").replace(/_/g, "/") : s;
      while (url && t.length % 4 !== 0) t += "=";
      const bin = atob(t);
      return new TextDecoder("utf-8", { fatal: true }).decode(
        Uint8Array.from(bin, (c) => c.charCodeAt(0)),
      );
    } catch {
      return undefined;
    }
  },
};

function parseRfc3339Ns(s: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/
    .exec(s);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[8].toUpperCase()}`);
  if (Number.isNaN(ms)) return undefined;
  const frac = m[7] ? Number((m[7].slice(1) + "000000000").slice(0, 9)) : 0;
  return ms * 1e6 + frac;
}

function semver(s: string): [number, number, number, string] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(s);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] ?? ""] : undefined;
}

const trimChars = (s: string, cut: string, left: boolean, right: boolean): string => {
  let a = 0, b = s.length;
  while (left && a < b && cut.includes(s[a])) a++;
  while (right && b > a && cut.includes(s[b - 1])) b--;
  return s.slice(a, b);
};

/** The built-ins by name. */
export const REGO_BUILTINS: Readonly<Record<string, RegoBuiltin>> = {
  count: ([v]) => {
    if (typeof v === "string") return [...v].length;
    const c = collection(v);
    if (c) return c.length;
    return isObject(v) ? Object.keys(v).length : undefined;
  },
  sum: ([v]) => {
    const c = collection(v);
    return c && c.every(num) ? (c as number[]).reduce((a, b) => a + b, 0) : undefined;
  },
  product: ([v]) => {
    const c = collection(v);
    return c && c.every(num) ? (c as number[]).reduce((a, b) => a * b, 1) : undefined;
  },
  max: ([v]) => {
    const c = collection(v);
    return c && c.length ? [...c].sort(regoCompare)[c.length - 1] : undefined;
  },
  min: ([v]) => {
    const c = collection(v);
    return c && c.length ? [...c].sort(regoCompare)[0] : undefined;
  },
  sort: ([v]) => {
    const c = collection(v);
    return c ? [...c].sort(regoCompare) : undefined;
  },
  abs: ([v]) => (num(v) ? Math.abs(v) : undefined),
  round: ([v]) => (num(v) ? Math.sign(v) * Math.round(Math.abs(v)) : undefined),
  ceil: ([v]) => (num(v) ? Math.ceil(v) : undefined),
  floor: ([v]) => (num(v) ? Math.floor(v) : undefined),
  to_number: ([v]) => {
    if (num(v)) return v;
    if (typeof v === "boolean") return v ? 1 : 0;
    if (v === null) return 0;
    if (str(v) && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(v.trim())) return Number(v);
    return undefined;
  },
  "numbers.range": ([a, b]) => {
    if (!num(a) || !num(b) || Math.abs(b - a) > 1e6) return undefined;
    const out: number[] = [];
    for (let i = a; a <= b ? i <= b : i >= b; i += a <= b ? 1 : -1) out.push(i);
    return out;
  },
  concat: ([sep, v]) => {
    const c = collection(v);
    return str(sep) && c && c.every(str) ? (c as string[]).join(sep) : undefined;
  },
  contains: ([s, sub]) => (str(s) && str(sub) ? s.includes(sub) : undefined),
  startswith: ([s, p]) => (str(s) && str(p) ? s.startsWith(p) : undefined),
  endswith: ([s, p]) => (str(s) && str(p) ? s.endsWith(p) : undefined),
  lower: ([s]) => (str(s) ? s.toLowerCase() : undefined),
  upper: ([s]) => (str(s) ? s.toUpperCase() : undefined),
  split: ([s, sep]) => (str(s) && str(sep) ? s.split(sep) : undefined),
  replace: ([s, old, neu]) => (str(s) && str(old) && str(neu) ? s.split(old).join(neu) : undefined),
  "strings.replace_n": ([pairs, s]) => {
    if (!isObject(pairs) || !str(s)) return undefined;
    let out = s;
    for (const [k, v] of Object.entries(pairs)) if (str(v)) out = out.split(k).join(v);
    return out;
  },
  substring: ([s, start, len]) => {
    if (!str(s) || !num(start) || !num(len)) return undefined;
    const cps = [...s];
    return cps.slice(start, len < 0 ? undefined : start + len).join("");
  },
  indexof: ([s, sub]) => {
    if (!str(s) || !str(sub)) return undefined;
    const i = s.indexOf(sub);
    return i < 0 ? -1 : [...s.slice(0, i)].length;
  },
  trim: ([s, cut]) => (str(s) && str(cut) ? trimChars(s, cut, true, true) : undefined),
  trim_left: ([s, cut]) => (str(s) && str(cut) ? trimChars(s, cut, true, false) : undefined),
  trim_right: ([s, cut]) => (str(s) && str(cut) ? trimChars(s, cut, false, true) : undefined),
  trim_prefix: (
    [s, p],
  ) => (str(s) && str(p) ? (s.startsWith(p) ? s.slice(p.length) : s) : undefined),
  trim_suffix: (
    [s, p],
  ) => (str(s) && str(p) ? (s.endsWith(p) && p ? s.slice(0, -p.length) : s) : undefined),
  trim_space: ([s]) => (str(s) ? s.trim() : undefined),
  sprintf: ([f, args]) => (str(f) && Array.isArray(args) ? sprintf(f, args) : undefined),
  format_int: (
    [n, base],
  ) => (num(n) && num(base) && [2, 8, 10, 16].includes(base)
    ? Math.trunc(n).toString(base)
    : undefined),
  "strings.any_prefix_match": ([s, p]) => anyMatch(s, p, (a, b) => a.startsWith(b)),
  "strings.any_suffix_match": ([s, p]) => anyMatch(s, p, (a, b) => a.endsWith(b)),
  "regex.match": ([p, s]) => (str(p) && str(s) ? regex(p)?.test(s) : undefined),
  re_match: ([p, s]) => (str(p) && str(s) ? regex(p)?.test(s) : undefined),
  "regex.split": (
    [p, s],
  ) => (str(p) && str(s) ? (regex(p) ? s.split(regex(p)!) : undefined) : undefined),
  "regex.find_n": ([p, s, n]) => {
    if (!str(p) || !str(s) || !num(n)) return undefined;
    const r = regex(p);
    if (!r) return undefined;
    const all = [...s.matchAll(new RegExp(r.source, r.flags + "g"))].map((m) => m[0]);
    return n < 0 ? all : all.slice(0, n);
  },
  "glob.match": ([p, delims, s]) => {
    if (!str(p) || !str(s) || (delims !== null && !Array.isArray(delims))) return undefined;
    return globToRegExp(p)?.test(s);
  },
  is_string: ([v]) => str(v),
  is_number: ([v]) => num(v),
  is_boolean: ([v]) => typeof v === "boolean",
  is_array: ([v]) => Array.isArray(v),
  is_object: ([v]) => isObject(v),
  is_set: ([v]) => v instanceof RegoSet,
  is_null: ([v]) => v === null,
  type_name: ([v]) => typeName(v),
  "array.concat": ([a, b]) => (Array.isArray(a) && Array.isArray(b) ? [...a, ...b] : undefined),
  "array.slice": (
    [a, s, e],
  ) => (Array.isArray(a) && num(s) && num(e) ? a.slice(Math.max(0, s), Math.max(0, e)) : undefined),
  "array.reverse": ([a]) => (Array.isArray(a) ? [...a].reverse() : undefined),
  "object.get": ([o, k, d]) => {
    if (!isObject(o)) return undefined;
    if (Array.isArray(k)) {
      let cur: RegoValue = o;
      for (const step of k) {
        if (isObject(cur) && str(step) && Object.hasOwn(cur, step)) cur = cur[step];
        else if (Array.isArray(cur) && num(step) && step >= 0 && step < cur.length) cur = cur[step];
        else return d;
      }
      return cur;
    }
    return str(k) && Object.hasOwn(o, k) ? o[k] : d;
  },
  "object.keys": ([o]) => (isObject(o) ? new RegoSet(Object.keys(o)) : undefined),
  "object.remove": ([o, keys]) => {
    const ks = collection(keys) ?? (isObject(keys) ? Object.keys(keys) : undefined);
    if (!isObject(o) || !ks) return undefined;
    return Object.fromEntries(Object.entries(o).filter(([k]) => !ks.includes(k)));
  },
  "object.union": ([a, b]) => (isObject(a) && isObject(b) ? { ...a, ...b } : undefined),
  union: ([v]) => {
    const c = collection(v);
    if (!c || !c.every((x) => x instanceof RegoSet)) return undefined;
    return new RegoSet((c as RegoSet[]).flatMap((s) => s.values()));
  },
  intersection: ([v]) => {
    const c = collection(v);
    if (!c || !c.every((x) => x instanceof RegoSet)) return undefined;
    const sets = c as RegoSet[];
    if (sets.length === 0) return new RegoSet();
    return new RegoSet(sets[0].values().filter((x) => sets.every((s) => s.has(x))));
  },
  any: ([v]) => collection(v)?.some((x) => x === true),
  all: ([v]) => collection(v)?.every((x) => x === true),
  "json.marshal": ([v]) => JSON.stringify(toJSONValue(v)),
  "json.unmarshal": ([s]) => {
    if (!str(s)) return undefined;
    try {
      return fromJSON(JSON.parse(s));
    } catch {
      return undefined;
    }
  },
  "json.is_valid": ([s]) => {
    if (!str(s)) return false;
    try {
      JSON.parse(s);
      return true;
    } catch {
      return false;
    }
  },
  "base64.encode": ([s]) => (str(s) ? b64.encode(s, false) : undefined),
  "base64.decode": ([s]) => (str(s) ? b64.decode(s, false) : undefined),
  "base64url.encode": ([s]) => (str(s) ? b64.encode(s, true) : undefined),
  "base64url.decode": ([s]) => (str(s) ? b64.decode(s, true) : undefined),
  "hex.encode": (
    [s],
  ) => (str(s)
    ? [...new TextEncoder().encode(s)].map((b) => b.toString(16).padStart(2, "0")).join("")
    : undefined),
  "hex.decode": ([s]) => {
    if (!str(s) || !/^([0-9a-fA-F]{2})*$/.test(s)) return undefined;
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(
        Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16)),
      );
    } catch {
      return undefined;
    }
  },
  "time.now_ns": () => Date.now() * 1e6,
  "time.parse_rfc3339_ns": ([s]) => (str(s) ? parseRfc3339Ns(s) : undefined),
  "semver.is_valid": ([s]) => str(s) && semver(s) !== undefined,
  "semver.compare": ([a, b]) => {
    if (!str(a) || !str(b)) return undefined;
    const x = semver(a), y = semver(b);
    if (!x || !y) return undefined;
    for (let i = 0; i < 3; i++) {
      if (x[i] !== y[i]) {
        return (x[i] as number) < (y[i] as number) ? -1 : 1;
      }
    }
    if (x[3] === y[3]) return 0;
    if (x[3] === "") return 1;
    if (y[3] === "") return -1;
    return x[3] < y[3] ? -1 : 1;
  },
};

function anyMatch(
  s: RegoValue,
  p: RegoValue,
  f: (a: string, b: string) => boolean,
): boolean | undefined {
  const ss = str(s) ? [s] : collection(s);
  const ps = str(p) ? [p] : collection(p);
  if (!ss || !ps || !ss.every(str) || !ps.every(str)) return undefined;
  return (ss as string[]).some((a) => (ps as string[]).some((b) => f(a, b)));
}
