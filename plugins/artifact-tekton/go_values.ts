/**
 * Go value formats that Tekton resources carry and that its canonical JSON writes in Go's own
 * form: `metav1.Duration` (a `time.Duration` parsed by `time.ParseDuration`, written by
 * `Duration.String()`), and Kubernetes `resource.Quantity` (written in canonical form:
 * `"0.5"` → `"500m"`, `"1024Mi"` → `"1Gi"`, `"1000"` → `"1k"`).
 *
 * @example
 * ```ts
 * goDuration("90m"); // "1h30m0s"
 * canonicalQuantity("1024Mi"); // "1Gi"
 * ```
 * @module
 */

const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  "µs": 1000n,
  "μs": 1000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** Nanoseconds of a Go duration string (`time.ParseDuration`); undefined when malformed. */
export function parseGoDuration(text: string): bigint | undefined {
  let s = text;
  let neg = false;
  if (s.startsWith("-") || s.startsWith("+")) {
    neg = s[0] === "-";
    s = s.slice(1);
  }
  if (s === "0") return 0n;
  if (s === "") return undefined;
  let total = 0n;
  const re = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;
  while (s.length > 0) {
    const m = re.exec(s);
    if (!m || (m[1] === "" && (m[2] ?? "") === "")) return undefined;
    const unit = UNIT_NS[m[3]];
    const whole = BigInt(m[1] || "0");
    let frac = 0n;
    if (m[2]) {
      const scale = 10n ** BigInt(m[2].length);
      frac = (BigInt(m[2]) * unit) / scale;
    }
    total += whole * unit + frac;
    s = s.slice(m[0].length);
  }
  return neg ? -total : total;
}

function fracDigits(v: bigint, digits: number): string {
  // v has `digits` decimal places; Go prints the integer part, then the fraction without
  // trailing zeros (no dot when the fraction is zero).
  const scale = 10n ** BigInt(digits);
  const whole = v / scale;
  const frac = (v % scale).toString().padStart(digits, "0").replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : `${whole}`;
}

/** Go's `time.Duration.String()` of nanoseconds. */
export function formatGoDuration(ns: bigint): string {
  if (ns === 0n) return "0s";
  const neg = ns < 0n;
  let u = neg ? -ns : ns;
  let out: string;
  if (u < 1_000_000_000n) {
    // Under a second: ns, µs or ms with a fraction.
    if (u < 1000n) out = `${u}ns`;
    else if (u < 1_000_000n) out = `${fracDigits(u, 3)}µs`;
    else out = `${fracDigits(u, 6)}ms`;
  } else {
    const h = u / 3_600_000_000_000n;
    u -= h * 3_600_000_000_000n;
    const m = u / 60_000_000_000n;
    u -= m * 60_000_000_000n;
    const s = fracDigits(u, 9) + "s";
    out = h > 0n ? `${h}h${m}m${s}` : m > 0n ? `${m}m${s}` : s;
  }
  return neg ? "-" + out : out;
}

/** A duration string as metav1.Duration writes it back; undefined when malformed. */
export function goDuration(text: string): string | undefined {
  const ns = parseGoDuration(text);
  return ns === undefined ? undefined : formatGoDuration(ns);
}

const BINARY: [string, bigint][] = [
  ["Ei", 1n << 60n],
  ["Pi", 1n << 50n],
  ["Ti", 1n << 40n],
  ["Gi", 1n << 30n],
  ["Mi", 1n << 20n],
  ["Ki", 1n << 10n],
];
const DECIMAL: [string, number][] = [
  ["E", 18],
  ["P", 15],
  ["T", 12],
  ["G", 9],
  ["M", 6],
  ["k", 3],
  ["", 0],
  ["m", -3],
];

/**
 * A Kubernetes quantity in the canonical form `resource.Quantity` marshals to, for plain and
 * suffixed numbers (`m`, `k`…`E`, `Ki`…`Ei`) with at most millis of precision; undefined for
 * forms it does not handle (exponents, finer precision, negative binary), which callers refuse.
 */
export function canonicalQuantity(text: string): string | undefined {
  const m = /^([+-]?)(\d+)(?:\.(\d+))?(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$/.exec(text.trim());
  if (!m) return undefined;
  const neg = m[1] === "-";
  const frac = m[3] ?? "";
  const suffix = m[4] ?? "";
  const binary = BINARY.find(([s]) => s === suffix);
  if (binary) {
    // Value in bytes; must be whole for the binary form.
    const scale = 10n ** BigInt(frac.length);
    const num = BigInt(m[2] + frac) * binary[1];
    if (num % scale !== 0n || neg) return undefined;
    const bytes = num / scale;
    if (bytes === 0n) return "0";
    for (const [s, f] of BINARY) if (bytes % f === 0n) return `${bytes / f}${s}`;
    // Not a multiple of 1024: Go writes it as a decimal number of bytes.
    return decimal(bytes * 1000n, false);
  }
  const exp = DECIMAL.find(([s]) => s === suffix)![1];
  // Value in millis.
  const shift = exp + 3 - frac.length;
  if (shift < 0) return undefined;
  const millis = BigInt(m[2] + frac) * 10n ** BigInt(shift);
  return decimal(millis, neg);
}

function decimal(millis: bigint, neg: boolean): string {
  if (millis === 0n) return "0";
  for (const [s, e] of DECIMAL) {
    const f = 10n ** BigInt(e + 3);
    if (millis % f === 0n) return `${neg ? "-" : ""}${millis / f}${s}`;
  }
  return `${neg ? "-" : ""}${millis}m`;
}
