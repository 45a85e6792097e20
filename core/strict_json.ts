/**
 * Strict JSON for everything that is signed or verified (issue 13 item 6): `JSON.parse` keeps the
 * last of two equal keys, while other readers (Go's encoding/json keeps the last too, but many
 * keep the first) may see the other value, so a signed document with a repeated key can mean two
 * things. {@link rejectDuplicateKeys}, called on text `JSON.parse` accepted, refuses any object
 * that repeats a key (compared after unescaping, so `"a"` and `"\u0061"` are the same key),
 * naming the key and where it is (`$.signatures[0].sig`).
 *
 * No npm package made for this fits the rules here (runtime-neutral, no dependencies, exact
 * JSON.parse semantics otherwise), so this is a small scanner over text that JSON.parse has
 * already accepted: it only tracks strings, objects and arrays, with an explicit stack (no
 * recursion limit).
 *
 * @example
 * ```ts
 * const doc = JSON.parse(text);
 * rejectDuplicateKeys(text, "bundle \"artifact.sigstore.json\"");
 * // '{"a":1,"a":2}' → CosignError INVALID_INPUT:
 * //   Cannot accept bundle "artifact.sigstore.json": the key "a" appears twice in $
 * ```
 * @module
 */
import { CosignError, type ErrorCode, type FailedCheck } from "./errors.ts";

/** Options for {@link rejectDuplicateKeys}. */
export interface StrictJsonOptions {
  /** Error code for a repeated key (default "INVALID_INPUT"). */
  code?: ErrorCode;
  /** The failed check, for code "VERIFY". */
  check?: FailedCheck;
}

interface Frame {
  obj: boolean;
  path: string;
  keys?: Set<string>;
  expectKey: boolean;
  key: string;
  index: number;
}

function childPath(f: Frame): string {
  return f.obj
    ? `${f.path}${/^[A-Za-z_$][\w$]*$/.test(f.key) ? "." + f.key : `[${JSON.stringify(f.key)}]`}`
    : `${f.path}[${f.index}]`;
}

/**
 * The first repeated key in `text` (which must be valid JSON), or undefined when every object's
 * keys are distinct.
 */
export function findDuplicateKey(text: string): { key: string; path: string } | undefined {
  const stack: Frame[] = [];
  const n = text.length;
  let i = 0;
  // The next backslash at or after a position, found once per backslash (searching for it from
  // every string scanned the rest of the text each time: quadratic in documents without one).
  let backslash = -2;
  const backslashFrom = (j: number): number => {
    if (backslash !== -1 && backslash < j) backslash = text.indexOf("\\", j);
    return backslash;
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // A string: find its closing quote, skipping escapes.
      let j = i + 1;
      let escaped = false;
      while (j < n) {
        const q = text.indexOf('"', j);
        const b = backslashFrom(j);
        if (b !== -1 && b < q) {
          escaped = true;
          j = b + 2;
          continue;
        }
        j = q;
        break;
      }
      const top = stack[stack.length - 1];
      if (top?.obj && top.expectKey) {
        const raw = text.slice(i, j + 1);
        const key = escaped ? JSON.parse(raw) as string : raw.slice(1, -1);
        if (top.keys!.has(key)) return { key, path: top.path };
        top.keys!.add(key);
        top.key = key;
        top.expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const parent = stack[stack.length - 1];
      const path = parent ? childPath(parent) : "$";
      stack.push(
        c === 0x7b
          ? { obj: true, path, keys: new Set(), expectKey: true, key: "", index: 0 }
          : { obj: false, path, expectKey: false, key: "", index: 0 },
      );
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top.obj) top.expectKey = true;
      else top.index++;
    }
    i++;
  }
  return undefined;
}

/**
 * Throws CosignError (`options.code`, default "INVALID_INPUT") naming the key and its place when
 * `text`, JSON that `JSON.parse` has already accepted, repeats a key in an object. `what` names
 * the document (e.g. `bundle "x.sigstore.json"`). For parse sites that keep their own wording
 * for malformed JSON: call it right after their `JSON.parse`.
 */
export function rejectDuplicateKeys(
  text: string | Uint8Array,
  what: string,
  options: StrictJsonOptions = {},
): void {
  const s = typeof text === "string" ? text : new TextDecoder().decode(text);
  const dup = findDuplicateKey(s);
  if (dup) {
    throw new CosignError(
      options.code ?? "INVALID_INPUT",
      `Cannot accept ${what}: the key ${JSON.stringify(dup.key)} appears twice in ${dup.path}`,
      {
        hint: "Signed JSON must not repeat a key (readers disagree on which value counts); " +
          "the document may have been tampered with. Ask its producer for a clean copy.",
        check: options.check,
      },
    );
  }
}
