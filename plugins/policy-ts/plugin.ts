/**
 * The built-in "policy-ts" plugin: policies written in TypeScript or JavaScript (our extension
 * to cosign's CUE and Rego), for `verify-attestation --policy check.ts`. A policy module's
 * default export (or its `check` export) is a function over the verified in-toto statements:
 *
 * ```ts
 * export default function (statements: { predicateType: string; predicate: any }[]) {
 *   const ok = statements.every((s) => s.predicate.builder?.id === "https://ci.example/builder");
 *   return ok ? true : { allow: false, errors: ["built by an unknown builder"] };
 * }
 * ```
 *
 * It may be async and return `true`/`false`, or `{ allow, errors?, warnings? }`; a thrown error
 * refuses with its message. Modules load with the runtime's module loader, as `--plugin`
 * modules do (the compiled binary provides `cosign-ts` to import); loading is lazy (ts_policy.ts).
 * @module
 */
import { definePlugin, type Plugin, type PolicyEngine } from "../../core/plugin.ts";

/** File names the TypeScript engine evaluates. */
export const TS_POLICY_FILE: RegExp = /\.(m?ts|m?js)$/i;

/** The "typescript" policy engine. */
export const typescriptPolicyEngine: PolicyEngine = {
  name: "typescript",
  description: "TypeScript/JavaScript modules exporting a check over the statements (.ts, .js)",
  handles: (path) => TS_POLICY_FILE.test(path),
  async evaluate(policy, statements, ctx) {
    const { evaluateTsPolicy } = await import("./ts_policy.ts");
    return await evaluateTsPolicy(policy, statements, ctx);
  },
};

/** The plugin. */
export const policyTsPlugin: Plugin = definePlugin({
  name: "policy-ts",
  apiVersion: 1,
  description: "TypeScript policies for verify-attestation --policy",
  policies: [typescriptPolicyEngine],
});

export default policyTsPlugin;
