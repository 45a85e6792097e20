/**
 * Flag parsing with cosign's (cobra's) conventions: `--flag v`, `--flag=v`, cosign 1.x's
 * `-flag v`, short flags (`-y`, `-a k=v`), boolean flags that take `=false`, repeatable flags,
 * `--` to end flags, and `-` as an ordinary argument (standard input).
 *
 * @example
 * ```ts
 * const p = parseArgs(["--key=cosign.key", "-a", "x=1", "file"], [
 *   { name: "key", type: "string", description: "key" },
 *   { name: "annotations", short: "a", type: "strings", description: "annotations" },
 * ]);
 * // p.flags.key === "cosign.key"; p.flags.annotations = ["x=1"]; p.args = ["file"]
 * ```
 * @module
 */
import { CosignError } from "../core/errors.ts";
import { parseGoDuration } from "../core/go_duration.ts";

import type { FlagSpec, FlagValues } from "../core/plugin.ts";
export type { FlagSpec, FlagValues } from "../core/plugin.ts";

/** The result of {@link parseArgs}. */
export interface ParsedArgs {
  /** Flag values by long name (defaults applied). */
  flags: FlagValues;
  /** Positional arguments. */
  args: string[];
}

function usage(message: string): CosignError {
  return new CosignError("USAGE", message, { hint: "Run with --help to see the accepted flags." });
}

/** Parses `argv` against `specs`. Throws CosignError("USAGE") for unknown or malformed flags. */
export function parseArgs(argv: string[], specs: FlagSpec[]): ParsedArgs {
  const byLong = new Map<string, FlagSpec>();
  const byShort = new Map<string, FlagSpec>();
  for (const s of specs) {
    byLong.set(s.name, s);
    for (const a of s.aliases ?? []) byLong.set(a, s);
    if (s.short) byShort.set(s.short, s);
  }
  const flags: FlagValues = {};
  for (const s of specs) {
    if (s.default !== undefined) flags[s.name] = s.default;
    else if (s.type === "strings") flags[s.name] = [];
  }
  const seenStrings = new Set<string>();
  const args: string[] = [];

  const assign = (spec: FlagSpec, shown: string, value: string | undefined, i: number): number => {
    if (spec.type === "boolean") {
      if (value === undefined) flags[spec.name] = true;
      else if (/^(true|1|t|yes)$/i.test(value)) flags[spec.name] = true;
      else if (/^(false|0|f|no)$/i.test(value)) flags[spec.name] = false;
      else throw usage(`Flag ${shown} takes true or false, not "${value}"`);
      return i;
    }
    let v = value;
    if (v === undefined) {
      if (i + 1 >= argv.length) throw usage(`Flag ${shown} needs a value`);
      v = argv[++i];
    }
    if (spec.type === "strings") {
      if (!seenStrings.has(spec.name)) {
        flags[spec.name] = [];
        seenStrings.add(spec.name);
      }
      (flags[spec.name] as string[]).push(v);
    } else {
      flags[spec.name] = v;
    }
    return i;
  };

  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a === "-" || !a.startsWith("-")) {
      args.push(a);
      continue;
    }
    const body = a.startsWith("--") ? a.slice(2) : a.slice(1);
    const eq = body.indexOf("=");
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const value = eq >= 0 ? body.slice(eq + 1) : undefined;
    const long = byLong.get(name);
    if (a.startsWith("--")) {
      if (!long) throw usage(`Unknown flag --${name}`);
      i = assign(long, `--${name}`, value, i);
      continue;
    }
    // Single dash: a long name (cosign 1.x style "-key k") or a short flag ("-y", "-a k=v", "-ofile").
    if (long && name.length > 1) {
      i = assign(long, `-${name}`, value, i);
      continue;
    }
    const short = byShort.get(body[0]);
    if (!short) throw usage(`Unknown flag -${name}`);
    if (short.type === "boolean") {
      if (body.length > 1 && body[1] !== "=") {
        // cluster of booleans like -yd
        for (const c of body) {
          const s = byShort.get(c);
          if (!s || s.type !== "boolean") throw usage(`Unknown flag -${body}`);
          flags[s.name] = true;
        }
      } else {
        i = assign(short, `-${body[0]}`, value, i);
      }
      continue;
    }
    const rest = body.slice(1);
    i = assign(short, `-${body[0]}`, rest === "" ? undefined : rest.replace(/^=/, ""), i);
  }
  return { flags, args };
}

/** A string flag's value, or undefined. */
export function str(flags: FlagValues, name: string): string | undefined {
  const v = flags[name];
  return typeof v === "string" ? v : undefined;
}

/** A boolean flag's value (false when absent). */
export function bool(flags: FlagValues, name: string): boolean {
  return flags[name] === true;
}

/** A repeatable flag's values (empty when absent). */
export function list(flags: FlagValues, name: string): string[] {
  const v = flags[name];
  return Array.isArray(v) ? v : typeof v === "string" ? [v] : [];
}

/**
 * Parses `-a key=value` annotations (or other key=value flags, named by `what`) into an object.
 * Throws CosignError("USAGE") for an entry without "=".
 */
export function parseAnnotations(values: string[], what = "Annotation"): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf("=");
    if (eq <= 0) throw usage(`${what} "${v}" is not of the form key=value`);
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

/**
 * Parses a Go duration (cosign's `--timeout`): `30s`, `2m`, `1h30m`, `1.5h`, `500ms`, or `0`.
 * Returns milliseconds. Throws CosignError("USAGE") naming `flag` and the value when it is not
 * a non-negative duration.
 *
 * @example
 * ```ts
 * parseDuration("1m30s"); // 90000
 * ```
 */
export function parseDuration(text: string, flag = "--timeout"): number {
  const bad = () =>
    new CosignError("USAGE", `Flag ${flag} takes a duration like 30s, 2m or 1h30m, not "${text}"`, {
      hint: 'Units are ns, us, ms, s, m and h; "0" means no limit.',
    });
  const t = text.trim();
  const ns = t.startsWith("-") ? undefined : parseGoDuration(t);
  if (ns === undefined) throw bad();
  return Number(ns) / 1e6;
}
