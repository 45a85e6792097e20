/**
 * The CUE standard-library functions cosign-ts evaluates, by qualified name. A function whose
 * result is a bool can be used as a validator with its first argument left out, as in CUE
 * (`list.MinItems(2)`, `strings.HasPrefix("sha256:")`, `time.Time`).
 *
 * Supported: `len`; `strings`: Contains, HasPrefix, HasSuffix, Index, Join, Split, ToLower,
 * ToUpper, TrimSpace, TrimPrefix, TrimSuffix, Replace, MinRunes, MaxRunes; `list`: MinItems,
 * MaxItems, UniqueItems, Contains, Concat; `struct`: MinFields, MaxFields; `regexp`: Match;
 * `time`: Parse, Time, Format (layouts RFC3339, RFC3339Nano, DateOnly, DateTime) and the
 * constants RFC3339, RFC3339Nano, DateOnly, DateTime, Nanosecond … Hour.
 * @module
 */

/** A builtin: arity, whether it returns a bool (usable as a validator), and its function. */
export interface CueBuiltin {
  /** Number of arguments. */
  arity: number;
  /** True when the result is a bool (a validator with the first argument left out). */
  validator: boolean;
  /** The function over concrete JSON arguments; a string result from `fail` is an error. */
  fn(args: unknown[]): unknown;
}

/** Thrown by builtins for bad arguments; the evaluator turns it into a CUE error. */
export class CueBuiltinError extends Error {}

const LAYOUTS: Record<string, RegExp> = {
  "2006-01-02T15:04:05Z07:00":
    /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(Z|[+-]\d{2}:\d{2})$/,
  "2006-01-02T15:04:05.999999999Z07:00":
    /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/,
  "2006-01-02": /^(\d{4})-(\d{2})-(\d{2})$/,
  "2006-01-02 15:04:05": /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/,
};

/** Parses `value` with a Go layout; returns UTC RFC3339Nano text (as CUE's time.Parse does). */
function parseTime(layout: string, value: string): string {
  const re = LAYOUTS[layout];
  if (!re) {
    throw new CueBuiltinError(
      `time layout ${
        JSON.stringify(layout)
      } is not supported (use time.RFC3339, time.RFC3339Nano, time.DateOnly or time.DateTime)`,
    );
  }
  const m = re.exec(value);
  if (!m) {
    throw new CueBuiltinError(
      `parsing time ${JSON.stringify(value)} as ${JSON.stringify(layout)}: cannot parse`,
    );
  }
  const [y, mo, d] = [m[1], m[2], m[3]];
  const [h, mi, s] = [m[4] ?? "00", m[5] ?? "00", m[6] ?? "00"];
  const frac = layout.includes(".999") ? (m[7] ?? "") : "";
  const zone = (layout.includes("Z07:00") ? m[layout.includes(".999") ? 8 : 7] : "Z") ?? "Z";
  const ms = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${zone}`);
  if (Number.isNaN(ms) || new Date(`${y}-${mo}-${d}T00:00:00Z`).getUTCDate() !== Number(d)) {
    throw new CueBuiltinError(`parsing time ${JSON.stringify(value)}: day out of range`);
  }
  const base = new Date(ms).toISOString().slice(0, 19);
  const f = frac.replace(/0+$/, "");
  return `${base}${f ? "." + f : ""}Z`;
}

const str = (x: unknown, what = "string"): string => {
  if (typeof x !== "string") {
    throw new CueBuiltinError(`expected ${what}, found ${JSON.stringify(x)}`);
  }
  return x;
};
const int = (x: unknown): number => {
  if (typeof x !== "number" || !Number.isInteger(x)) {
    throw new CueBuiltinError(`expected int, found ${JSON.stringify(x)}`);
  }
  return x;
};
const list = (x: unknown): unknown[] => {
  if (!Array.isArray(x)) throw new CueBuiltinError(`expected list, found ${JSON.stringify(x)}`);
  return x;
};
const struct = (x: unknown): Record<string, unknown> => {
  if (typeof x !== "object" || x === null || Array.isArray(x)) {
    throw new CueBuiltinError(`expected struct`);
  }
  return x as Record<string, unknown>;
};
const b = (arity: number, fn: (a: unknown[]) => unknown): CueBuiltin => ({
  arity,
  validator: true,
  fn,
});
const f = (arity: number, fn: (a: unknown[]) => unknown): CueBuiltin => ({
  arity,
  validator: false,
  fn,
});

/** Package constants by qualified name. */
export const CUE_CONSTANTS: Readonly<Record<string, string | number>> = {
  "time.RFC3339": "2006-01-02T15:04:05Z07:00",
  "time.RFC3339Nano": "2006-01-02T15:04:05.999999999Z07:00",
  "time.DateOnly": "2006-01-02",
  "time.DateTime": "2006-01-02 15:04:05",
  "time.Nanosecond": 1,
  "time.Microsecond": 1e3,
  "time.Millisecond": 1e6,
  "time.Second": 1e9,
  "time.Minute": 60e9,
  "time.Hour": 3600e9,
};

/** Builtins by qualified name (`len` unqualified). */
export const CUE_BUILTINS: Readonly<Record<string, CueBuiltin>> = {
  len: f(1, ([x]) => {
    if (typeof x === "string") return new TextEncoder().encode(x).length;
    if (Array.isArray(x)) return x.length;
    return Object.keys(struct(x)).length;
  }),
  "strings.Contains": b(2, ([s, t]) => str(s).includes(str(t))),
  "strings.HasPrefix": b(2, ([s, t]) => str(s).startsWith(str(t))),
  "strings.HasSuffix": b(2, ([s, t]) => str(s).endsWith(str(t))),
  "strings.Index": f(
    2,
    ([s, t]) =>
      new TextEncoder().encode(str(s).slice(0, Math.max(0, str(s).indexOf(str(t))))).length *
        (str(s).includes(str(t)) ? 1 : 0) - (str(s).includes(str(t)) ? 0 : 1),
  ),
  "strings.Join": f(2, ([l, sep]) => list(l).map((x) => str(x)).join(str(sep))),
  "strings.Split": f(2, ([s, sep]) => str(s).split(str(sep))),
  "strings.ToLower": f(1, ([s]) => str(s).toLowerCase()),
  "strings.ToUpper": f(1, ([s]) => str(s).toUpperCase()),
  "strings.TrimSpace": f(1, ([s]) => str(s).trim()),
  "strings.TrimPrefix": f(
    2,
    ([s, p]) => (str(s).startsWith(str(p)) ? str(s).slice(str(p).length) : str(s)),
  ),
  "strings.TrimSuffix": f(
    2,
    ([s, p]) => (str(p) && str(s).endsWith(str(p)) ? str(s).slice(0, -str(p).length) : str(s)),
  ),
  "strings.Replace": f(4, ([s, o, n, c]) => {
    let out = str(s), count = int(c);
    if (count < 0) return out.split(str(o)).join(str(n));
    const parts = out.split(str(o));
    out = parts.shift()!;
    for (const p of parts) out += (count-- > 0 ? str(n) : str(o)) + p;
    return out;
  }),
  "strings.MinRunes": b(2, ([s, n]) => [...str(s)].length >= int(n)),
  "strings.MaxRunes": b(2, ([s, n]) => [...str(s)].length <= int(n)),
  "list.MinItems": b(2, ([l, n]) => list(l).length >= int(n)),
  "list.MaxItems": b(2, ([l, n]) => list(l).length <= int(n)),
  "list.UniqueItems": b(
    1,
    ([l]) => new Set(list(l).map((x) => JSON.stringify(x))).size === list(l).length,
  ),
  "list.Contains": b(2, ([l, x]) => list(l).some((y) => JSON.stringify(y) === JSON.stringify(x))),
  "list.Concat": f(1, ([ls]) => list(ls).flatMap((l) => list(l))),
  "struct.MinFields": b(2, ([s, n]) => Object.keys(struct(s)).length >= int(n)),
  "struct.MaxFields": b(2, ([s, n]) => Object.keys(struct(s)).length <= int(n)),
  "regexp.Match": f(2, ([p, s]) => {
    try {
      return new RegExp(str(p), "u").test(str(s));
    } catch {
      throw new CueBuiltinError(`invalid regular expression ${JSON.stringify(p)}`);
    }
  }),
  "time.Parse": f(2, ([layout, value]) => parseTime(str(layout), str(value))),
  "time.Time": b(1, ([s]) => {
    parseTime("2006-01-02T15:04:05.999999999Z07:00", str(s));
    return true;
  }),
  "time.Format": b(2, ([s, layout]) => {
    parseTime(str(layout), str(s));
    return true;
  }),
};
