/**
 * The "policy-rego" plugin's public face.
 * @module
 */
export { policyRegoPlugin, regoPolicyEngine } from "./plugin.ts";
export { COMPLIANCE_QUERY, evaluateRegoPolicy, SIGNATURE_QUERY } from "./rego_policy.ts";
export { parseRego } from "./rego_parser.ts";
export { RegoEvaluator } from "./rego_eval.ts";
