/**
 * Evaluates a TypeScript/JavaScript policy module: imports it by path with the runtime's module
 * loader and calls its default export (or `check`) with a deep copy of the statements, so a
 * policy cannot change what other policies see.
 *
 * Verdicts: `true` allows; `false` refuses ("the policy returned false"); `{ allow, errors?,
 * warnings? }` is taken as it is; a throw (or a rejected promise) refuses with its message.
 * Anything else is a broken policy: CosignError("INVALID_INPUT"). A module that fails to import
 * (syntax error, missing import) or exports no function: CosignError("INVALID_INPUT").
 *
 * @example
 * ```ts
 * const r = await evaluateTsPolicy({ name: "p.ts", path: "/abs/p.ts", text }, statements, ctx);
 * if (!r.allow) console.log(r.errors);
 * ```
 * @module
 */
import { pathToFileURL } from "node:url";
import { CosignError, describeError } from "../../core/errors.ts";
import type { Context, PolicyResult, PolicySource } from "../../core/plugin.ts";

type PolicyFunction = (statements: unknown[], info: { ctx: Context }) => unknown;

/**
 * Turns what a policy function returned into a {@link PolicyResult}; CosignError
 * ("INVALID_INPUT") naming the policy for anything but a boolean or `{ allow, … }`.
 */
export function policyResultOf(name: string, value: unknown): PolicyResult {
  if (value === true) return { allow: true, errors: [], warnings: [] };
  if (value === false) return { allow: false, errors: ["the policy returned false"], warnings: [] };
  if (
    typeof value === "object" && value !== null &&
    typeof (value as { allow?: unknown }).allow === "boolean"
  ) {
    const v = value as { allow: boolean; errors?: unknown; warnings?: unknown };
    const strings = (x: unknown, field: string): string[] => {
      if (x === undefined) return [];
      if (Array.isArray(x) && x.every((s) => typeof s === "string")) return x;
      if (typeof x === "string") return [x];
      throw new CosignError(
        "INVALID_INPUT",
        `Cannot evaluate policy "${name}": its "${field}" is not a list of strings`,
        { hint: "Return { allow: boolean, errors?: string[], warnings?: string[] }." },
      );
    };
    return {
      allow: v.allow,
      errors: strings(v.errors, "errors"),
      warnings: strings(v.warnings, "warnings"),
    };
  }
  throw new CosignError(
    "INVALID_INPUT",
    `Cannot evaluate policy "${name}": it returned ${describeValue(value)}, not a verdict`,
    { hint: "Return true, false, or { allow: boolean, errors?: string[], warnings?: string[] }." },
  );
}

function describeValue(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  return typeof v === "object"
    ? (Array.isArray(v) ? "an array" : "an object without a boolean allow")
    : `a ${typeof v}`;
}

/** Imports the policy module and evaluates it over the statements. */
export async function evaluateTsPolicy(
  policy: PolicySource,
  statements: readonly unknown[],
  ctx: Context,
): Promise<PolicyResult> {
  let mod: Record<string, unknown>;
  try {
    mod = await import(pathToFileURL(policy.path).href);
  } catch (e) {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot load policy "${policy.name}": ${describeError(e)}`,
      {
        cause: e,
        hint: 'Check that the module compiles; it may import node: modules and "cosign-ts".',
      },
    );
  }
  const fn = (typeof mod.default === "function" ? mod.default : mod.check) as
    | PolicyFunction
    | undefined;
  if (typeof fn !== "function") {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot evaluate policy "${policy.name}": it exports no function`,
      { hint: "Export the check: export default function (statements) { return true; }" },
    );
  }
  let value: unknown;
  try {
    value = await fn(structuredClone([...statements]), { ctx });
  } catch (e) {
    return { allow: false, errors: [describeError(e)], warnings: [] };
  }
  return policyResultOf(policy.name, value);
}
