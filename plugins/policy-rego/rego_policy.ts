/**
 * cosign's two ways of asking a Rego policy, over one in-toto statement as `input`:
 *
 * - `verify-attestation --policy p.rego` (cosign's pkg/cosign/rego ValidateJSON): the query
 *   `data.signature.allow`. `true` allows; another value refuses with "expression value, V, is
 *   not true"; no value refuses with "result is undefined for query 'data.signature.allow'".
 * - a module in `package sigstore` (cosign's ValidateJSONWithModuleInput, the policy-controller
 *   form, which carries the policy's own messages): the query
 *   `isCompliant = data.sigstore.isCompliant`. `true` allows; a set of
 *   `{"result": bool, "error": string, "warning": string}` objects allows when one has
 *   `result: true` (its warning is kept), else refuses with "policy is not compliant for query
 *   'isCompliant = data.sigstore.isCompliant' with errors: <error>".
 *
 * @example
 * ```ts
 * const r = evaluateRegoPolicy(source, [statement]);
 * // { allow: false, errors: ["expression value, false, is not true"], warnings: [] }
 * ```
 * @module
 */
import type { PolicyResult, PolicySource } from "../../core/plugin.ts";
import { RegoEvaluator } from "./rego_eval.ts";
import { parseRego } from "./rego_parser.ts";
import { goFormat, isObject, RegoSet, type RegoValue } from "./rego_value.ts";

/** cosign's query for verify-attestation policies. */
export const SIGNATURE_QUERY = "data.signature.allow";

/** cosign's query for `package sigstore` modules. */
export const COMPLIANCE_QUERY = "isCompliant = data.sigstore.isCompliant";

interface Verdict {
  allow: boolean;
  error?: string;
  warning?: string;
}

function signatureVerdict(ev: RegoEvaluator, pkg: string): Verdict {
  const v = pkg === "signature" ? ev.rule("allow") : undefined;
  if (v === true) return { allow: true };
  if (v === undefined) {
    return { allow: false, error: `result is undefined for query '${SIGNATURE_QUERY}'` };
  }
  return { allow: false, error: `expression value, ${goFormat(v)}, is not true` };
}

function complianceVerdict(ev: RegoEvaluator): Verdict {
  const v = ev.rule("isCompliant");
  if (v === true) return { allow: true };
  const items: RegoValue[] | undefined = v instanceof RegoSet
    ? v.values()
    : Array.isArray(v)
    ? v
    : undefined;
  if (!items) {
    return { allow: false, error: `policy is not compliant for query '${COMPLIANCE_QUERY}'` };
  }
  let verdict: Verdict = {
    allow: false,
    error: `policy is not compliant for query "${COMPLIANCE_QUERY}"`,
  };
  for (const r of items) {
    const o = isObject(r) ? r : {};
    const text = (k: string) => (typeof o[k] === "string" ? o[k] as string : "");
    if (o.result === true) {
      return text("warning")
        ? { allow: true, warning: `warning: ${text("warning")}` }
        : { allow: true };
    }
    verdict = {
      allow: false,
      warning: text("warning") || undefined,
      error: `policy is not compliant for query '${COMPLIANCE_QUERY}' with errors: ${
        text("error")
      }`,
    };
  }
  return verdict;
}

/**
 * Evaluates a Rego policy over each statement (cosign evaluates each attestation separately).
 * Throws CosignError for a policy that does not parse or cannot be evaluated.
 */
export function evaluateRegoPolicy(
  policy: PolicySource,
  statements: readonly unknown[],
): PolicyResult {
  const module = parseRego(policy.text, policy.name);
  const pkg = module.pkg.join(".");
  const errors: string[] = [], warnings: string[] = [];
  statements.forEach((statement, i) => {
    const ev = new RegoEvaluator(module, policy.name, statement);
    const v = pkg === "sigstore" ? complianceVerdict(ev) : signatureVerdict(ev, pkg);
    const which = statements.length > 1 ? `attestation ${i + 1} of ${statements.length}: ` : "";
    if (v.warning) warnings.push(which + v.warning);
    if (!v.allow) errors.push(which + v.error);
  });
  return { allow: errors.length === 0, errors, warnings };
}
