/**
 * Example policy-engine plugin: "json-match" policies, files ending in `.match.json`, for
 * `verify-attestation --policy`. A policy is a JSON document every verified in-toto statement
 * must contain: objects match when each of the policy's keys matches the statement's value,
 * arrays when each policy element matches some element of the statement's array, and scalars
 * when they are equal. A string policy value `"re:<regexp>"` matches strings the regular
 * expression matches.
 *
 * ```json
 * { "predicateType": "https://slsa.dev/provenance/v1",
 *   "predicate": { "runDetails": { "builder": { "id": "re:^https://github\\.com/acme/" } } } }
 * ```
 *
 * Refusals name the path and both values (`predicate.runDetails.builder.id: expected
 * "re:^https://github\.com/acme/", found "https://evil.example/"`); `verify-attestation` then
 * exits 12. A policy that is not JSON, or holds an invalid regular expression, is a
 * CosignError("INVALID_INPUT") (exit 1). It imports only "cosign-ts".
 *
 * @example
 * ```sh
 * cosign-ts --plugin json_match_policy.ts verify-attestation --key cosign.pub \
 *     --type slsaprovenance1 --policy builder.match.json --insecure-ignore-tlog reg/app:1
 * ```
 * @module
 */
import { CosignError, definePlugin, type Plugin, type PolicyEngine } from "cosign-ts";

/** Where a policy value does not match the statement: the path and what differs. */
function mismatches(policy: unknown, value: unknown, path: string, name: string): string[] {
  const here = path || "(document)";
  if (typeof policy === "string" && policy.startsWith("re:")) {
    let re: RegExp;
    try {
      re = new RegExp(policy.slice(3), "u");
    } catch {
      throw new CosignError(
        "INVALID_INPUT",
        `Cannot evaluate policy "${name}": ${here}: invalid regular expression ${
          JSON.stringify(policy.slice(3))
        }`,
      );
    }
    return typeof value === "string" && re.test(value)
      ? []
      : [`${here}: expected ${JSON.stringify(policy)}, found ${JSON.stringify(value)}`];
  }
  if (Array.isArray(policy)) {
    if (!Array.isArray(value)) {
      return [`${here}: expected an array, found ${JSON.stringify(value)}`];
    }
    return policy.flatMap((p, i) =>
      value.some((v) => mismatches(p, v, `${path}[${i}]`, name).length === 0)
        ? []
        : [`${here}: no element matches ${JSON.stringify(p)}`]
    );
  }
  if (typeof policy === "object" && policy !== null) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return [`${here}: expected an object, found ${JSON.stringify(value)}`];
    }
    return Object.entries(policy).flatMap(([k, p]) =>
      mismatches(p, (value as Record<string, unknown>)[k], path ? `${path}.${k}` : k, name)
    );
  }
  return policy === value
    ? []
    : [`${here}: expected ${JSON.stringify(policy)}, found ${JSON.stringify(value)}`];
}

/** The "json-match" policy engine. */
export const jsonMatchPolicy: PolicyEngine = {
  name: "json-match",
  description: "JSON documents every statement must contain (.match.json)",
  handles: (path) => path.endsWith(".match.json"),
  evaluate(policy, statements) {
    let doc: unknown;
    try {
      doc = JSON.parse(policy.text);
    } catch (e) {
      return Promise.reject(
        new CosignError(
          "INVALID_INPUT",
          `Cannot parse policy "${policy.name}": ${(e as Error).message}`,
          {
            hint: "A .match.json policy is a JSON document.",
          },
        ),
      );
    }
    try {
      const errors = statements.flatMap((s, i) =>
        mismatches(doc, s, "", policy.name).map((
          m,
        ) => (statements.length > 1 ? `attestation ${i + 1}: ${m}` : m))
      );
      return Promise.resolve({ allow: errors.length === 0, errors, warnings: [] });
    } catch (e) {
      return Promise.reject(e);
    }
  },
};

/** The plugin. */
const plugin: Plugin = definePlugin({
  name: "json-match-policy",
  apiVersion: 1,
  description: "json-match policies for verify-attestation --policy (example)",
  policies: [jsonMatchPolicy],
});

export default plugin;
