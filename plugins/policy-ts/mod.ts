/**
 * The "policy-ts" plugin's public face.
 * @module
 */
export { policyTsPlugin, TS_POLICY_FILE, typescriptPolicyEngine } from "./plugin.ts";
export { evaluateTsPolicy, policyResultOf } from "./ts_policy.ts";
