import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { definePlugin, PluginRegistry, type PolicyEngine } from "./plugin.ts";
import { isCosignError } from "./errors.ts";

function engine(name: string, ext: string): PolicyEngine {
  return {
    name,
    description: name,
    handles: (path) => path.endsWith(ext),
    evaluate: () => Promise.resolve({ allow: true, errors: [], warnings: [name] }),
  };
}

describe("PluginRegistry policy engines", () => {
  it("dispatches policy files by handles(), third-party engines first", () => {
    const r = new PluginRegistry();
    r.register(definePlugin({ name: "b", apiVersion: 1, policies: [engine("rego", ".rego")] }));
    assert.equal(r.policyEngineFor("p.rego")?.name, "rego");
    assert.equal(r.policyEngineFor("p.cue"), undefined);
    r.register(
      definePlugin({ name: "t", apiVersion: 1, policies: [engine("my-rego", ".rego")] }),
      '"./t.ts"',
    );
    assert.equal(r.policyEngineFor("p.rego")?.name, "my-rego");
    assert.deepEqual(r.policyEngines().map((e) => e.name), ["my-rego", "rego"]);
  });
  it("refuses an engine name registered twice, naming both plugins", () => {
    const r = new PluginRegistry();
    r.register(definePlugin({ name: "b", apiVersion: 1, policies: [engine("cue", ".cue")] }));
    assert.throws(
      () => r.register({ name: "x", apiVersion: 1, policies: [engine("cue", ".x")] }, '"x.ts"'),
      (e) =>
        isCosignError(e, "PLUGIN") && /policy engine "cue"/.test(e.message) &&
        /plugin "b"/.test(e.message),
    );
  });
  it("refuses a malformed engine and a non-array policies field", () => {
    assert.throws(
      () => definePlugin({ name: "m", apiVersion: 1, policies: [{ name: "n" } as PolicyEngine] }),
      (e) => isCosignError(e, "PLUGIN") && /policy engine lacks/.test(e.message),
    );
    assert.throws(
      () =>
        definePlugin({
          name: "m",
          apiVersion: 1,
          policies: engine("n", ".n") as unknown as PolicyEngine[],
        }),
      (e) => isCosignError(e, "PLUGIN") && /"policies" is not an array/.test(e.message),
    );
  });
});
