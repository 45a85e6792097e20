/**
 * Go durations (`time.ParseDuration` syntax: `1h30m`, `1.5s`, `500ms`, `-5m`, `0`) as exact
 * nanoseconds, and `time.Duration.String()`: what cosign's `--timeout` takes and what Go writes
 * for a `metav1.Duration` (Tekton's canonical form).
 *
 * @example
 * ```ts
 * parseGoDuration("1m30s"); // 90000000000n
 * goDuration("90m"); // "1h30m0s"
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
