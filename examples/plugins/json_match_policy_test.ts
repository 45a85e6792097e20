/**
 * The json-match example policy engine against its contract, in process: registered as a
 * third-party plugin it is chosen for `.match.json` files, allows a statement that contains the
 * policy, refuses one that does not with the path and both values, and refuses a broken policy.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type Context, isCosignError, PluginRegistry } from "cosign-ts";
import plugin from "./json_match_policy.ts";

const statement = {
  _type: "https://in-toto.io/Statement/v1",
  predicateType: "https://slsa.dev/provenance/v1",
  subject: [{ name: "reg/app", digest: { sha256: "a".repeat(64) } }, {
    name: "reg/app-debug",
    digest: { sha256: "b".repeat(64) },
  }],
  predicate: { runDetails: { builder: { id: "https://github.com/acme/ci" } } },
};

function engineFor(path: string) {
  const plugins = new PluginRegistry();
  plugins.register(plugin, '"json_match_policy.ts"');
  const e = plugins.policyEngineFor(path);
  assert.ok(e, `no engine for ${path}`);
  return e;
}

const ctx = {} as Context; // the engine never uses its context
const source = (text: string) => ({ name: "p.match.json", path: "/p.match.json", text });

describe("json-match policy example", () => {
  it("handles .match.json files only", () => {
    assert.equal(engineFor("x/p.match.json").name, "json-match");
    const plugins = new PluginRegistry();
    plugins.register(plugin, '"json_match_policy.ts"');
    assert.equal(plugins.policyEngineFor("p.json"), undefined);
  });
  it("allows statements that contain the policy (objects, arrays, regexps)", async () => {
    const r = await engineFor("p.match.json").evaluate(
      source(JSON.stringify({
        predicateType: "https://slsa.dev/provenance/v1",
        subject: [{ name: "reg/app-debug" }],
        predicate: { runDetails: { builder: { id: "re:^https://github\\.com/acme/" } } },
      })),
      [statement],
      ctx,
    );
    assert.deepEqual(r, { allow: true, errors: [], warnings: [] });
  });
  it("refuses with the path and both values", async () => {
    const r = await engineFor("p.match.json").evaluate(
      source(JSON.stringify({
        predicate: { runDetails: { builder: { id: "re:^https://gitlab\\.com/" } } },
        subject: [{ name: "reg/other" }],
      })),
      [statement],
      ctx,
    );
    assert.equal(r.allow, false);
    assert.deepEqual(r.errors, [
      'predicate.runDetails.builder.id: expected "re:^https://gitlab\\\\.com/", found "https://github.com/acme/ci"',
      'subject: no element matches {"name":"reg/other"}',
    ]);
  });
  it("refuses a policy that is not JSON or has a bad regexp", async () => {
    const e = engineFor("p.match.json");
    await assert.rejects(
      e.evaluate(source("{nope"), [statement], ctx),
      (x) => isCosignError(x, "INVALID_INPUT"),
    );
    await assert.rejects(
      e.evaluate(source('{"predicateType": "re:("}'), [statement], ctx),
      (x) => isCosignError(x, "INVALID_INPUT") && /invalid regular expression/.test(x.message),
    );
  });
});
