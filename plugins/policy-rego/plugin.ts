/**
 * The built-in "policy-rego" plugin: cosign's Rego policies (`verify-attestation --policy
 * p.rego`), evaluated in-process by cosign-ts's own evaluator of the Rego subset cosign policies
 * use (rego_parser.ts lists it; constructs outside it are refused by name). No OPA engine that
 * runs Rego source ships for JavaScript: `@open-policy-agent/opa-wasm` only runs policies
 * compiled to WebAssembly by the `opa` binary. The evaluator loads on first use.
 * @module
 */
import { definePlugin, type Plugin, type PolicyEngine } from "../../core/plugin.ts";

/** The "rego" policy engine. */
export const regoPolicyEngine: PolicyEngine = {
  name: "rego",
  description: "Rego policies as cosign evaluates them (data.signature.allow; .rego)",
  handles: (path) => /\.rego$/i.test(path),
  async evaluate(policy, statements) {
    const { evaluateRegoPolicy } = await import("./rego_policy.ts");
    return evaluateRegoPolicy(policy, statements);
  },
};

/** The plugin. */
export const policyRegoPlugin: Plugin = definePlugin({
  name: "policy-rego",
  apiVersion: 1,
  description: "Rego policies for verify-attestation --policy",
  policies: [regoPolicyEngine],
});

export default policyRegoPlugin;
