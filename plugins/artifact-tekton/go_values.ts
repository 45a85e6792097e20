/**
 * Kubernetes `resource.Quantity` values as Tekton's canonical JSON writes them, in canonical form
 * (`"0.5"` → `"500m"`, `"1024Mi"` → `"1Gi"`, `"1000"` → `"1k"`). Durations: core/go_duration.ts.
 *
 * @example
 * ```ts
 * canonicalQuantity("1024Mi"); // "1Gi"
 * ```
 * @module
 */

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
