/**
 * cosign's CUE policies (`verify-attestation --policy p.cue`): each verified in-toto statement
 * is validated against the policy as cosign's pkg/cosign/cue ValidateJSON does (the policy's
 * value unified with the statement's JSON, then validated); every error is reported with its
 * path in CUE's words, e.g. `predicate.Timestamp: invalid value "2050-01-01T00:00:00Z" (out of
 * bound <"2049-10-09T17:10:27Z")`.
 *
 * @example
 * ```ts
 * evaluateCuePolicy({ name: "p.cue", path: "/p.cue", text: 'predicate: builder: id: "x"' }, [st]);
 * ```
 * @module
 */
import type { PolicyResult, PolicySource } from "../../core/plugin.ts";
import { formatCueError, validateCue } from "./cue_eval.ts";
import { parseCue } from "./cue_parser.ts";

/** Evaluates a CUE policy over each statement; throws CosignError for a broken policy. */
export function evaluateCuePolicy(
  policy: PolicySource,
  statements: readonly unknown[],
): PolicyResult {
  const file = parseCue(policy.text, policy.name);
  const errors: string[] = [];
  statements.forEach((statement, i) => {
    const which = statements.length > 1 ? `attestation ${i + 1} of ${statements.length}: ` : "";
    for (const e of validateCue(file, statement, policy.name)) {
      errors.push(which + formatCueError(e));
    }
  });
  return { allow: errors.length === 0, errors, warnings: [] };
}
