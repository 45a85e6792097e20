import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CosignError, isCosignError } from "../core/errors.ts";
import { type Context, definePlugin, type Plugin, PluginRegistry } from "../core/plugin.ts";
import { currentRuntime } from "../runtime/mod.ts";
import { policyRegoPlugin } from "../plugins/policy-rego/plugin.ts";
import { policyTsPlugin } from "../plugins/policy-ts/plugin.ts";
import { checkPolicies, MAX_POLICY_BYTES, policyPaths } from "./policy_check.ts";

const statement = {
  _type: "https://in-toto.io/Statement/v1",
  predicateType: "https://slsa.dev/provenance/v1",
  subject: [{ name: "reg/app", digest: { sha256: "a".repeat(64) } }],
  predicate: { buildDefinition: { buildType: "https://ci.example/v1" } },
};

function context(extra: Plugin[] = []): { ctx: Context; lines: string[] } {
  const plugins = new PluginRegistry();
  plugins.register(policyRegoPlugin);
  plugins.register(policyTsPlugin);
  for (const p of extra) plugins.register(p, `test plugin ${p.name}`);
  const lines: string[] = [];
  const ctx: Context = {
    runtime: currentRuntime(),
    plugins,
    env: () => undefined,
    log: {
      info: (m) => lines.push(`info: ${m}`),
      warn: (m) => lines.push(`warn: ${m}`),
      debug() {},
    },
    password: () => Promise.reject(new CosignError("ABORTED", "no password in tests")),
    confirm: () => Promise.resolve(false),
  };
  return { ctx, lines };
}

let dir = "";
const file = async (name: string, text: string | Uint8Array) => {
  const p = join(dir, name);
  await writeFile(p, text);
  return p;
};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "policy-check-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("checkPolicies", () => {
  it("splits --policy values as cosign's string slice does", () => {
    assert.deepEqual(policyPaths(["a.cue,b.rego", " c.ts ", ""]), ["a.cue", "b.rego", "c.ts"]);
    assert.deepEqual(policyPaths(undefined), []);
  });
  it("passes when every policy allows, printing cosign's lines", async () => {
    const rego = await file(
      "ok.rego",
      'package signature\nallow { input.predicateType == "https://slsa.dev/provenance/v1" }\n',
    );
    const ts = await file(
      "ok.ts",
      "export default (s: { subject: unknown[] }[]) => s.every((x) => x.subject.length === 1);\n",
    );
    const { ctx, lines } = context();
    await checkPolicies([rego, ts], [statement], ctx);
    assert.deepEqual(lines, [
      `info: will be validating against Rego policies: [${rego}]`,
      `info: will be validating against TypeScript policies: [${ts}]`,
    ]);
  });
  it("refuses with exit 12 and the policies' own messages", async () => {
    const rego = await file("no.rego", "package signature\ndefault allow = false\n");
    const ts = await file(
      "no.ts",
      'export default function () { return { allow: false, errors: ["builder not trusted"], warnings: ["checked twice"] }; }\n',
    );
    const { ctx, lines } = context();
    await assert.rejects(
      checkPolicies([rego, ts], [statement], ctx, { subject: "reg/app:1" }),
      (e) => {
        assert.ok(isCosignError(e, "VERIFY"));
        assert.equal(e.check, "policy");
        assert.equal(
          e.message,
          `2 validation errors occurred for "reg/app:1": policy "${rego}": expression value, false, is not true; ` +
            `policy "${ts}": builder not trusted`,
        );
        return true;
      },
    );
    assert.ok(lines.includes(`warn: policy "${ts}": checked twice`));
    assert.ok(
      lines.includes("info: There are 2 number of errors occurred during the validation:\n"),
    );
    assert.ok(lines.includes(`info: - policy "${rego}": expression value, false, is not true`));
  });
  it("takes a TypeScript policy's throw as a refusal with its message, false as a refusal", async () => {
    const thrower = await file(
      "throw.ts",
      'export default async () => { throw new Error("SBOM lists a GPL package"); };\n',
    );
    const falsy = await file("false.mjs", "export function check() { return false; }\n");
    const { ctx } = context();
    await assert.rejects(
      checkPolicies([thrower], [statement], ctx),
      (e) => isCosignError(e, "VERIFY") && /: SBOM lists a GPL package$/.test(e.message),
    );
    await assert.rejects(
      checkPolicies([falsy], [statement], ctx),
      (e) => isCosignError(e, "VERIFY") && /the policy returned false/.test(e.message),
    );
  });
  it("gives TypeScript policies a copy of the statements", async () => {
    const mutate = await file(
      "mutate.ts",
      "export default (s: any[]) => { s[0].predicateType = 'x'; return true; };\n",
    );
    const { ctx } = context();
    const st = structuredClone(statement);
    await checkPolicies([mutate], [st], ctx);
    assert.equal(st.predicateType, statement.predicateType);
  });
  it("refuses broken TypeScript policies clearly (exit 1)", async () => {
    const { ctx } = context();
    const cases: [string, string, RegExp][] = [
      ["noexport.ts", "export const x = 1;\n", /exports no function/],
      ["syntax.ts", "export default function ( {\n", /Cannot load policy/],
      ["undef.ts", "export default () => {};\n", /returned nothing, not a verdict/],
      [
        "badobj.ts",
        "export default () => ({ allow: false, errors: [1] });\n",
        /"errors" is not a list of strings/,
      ],
    ];
    for (const [name, text, re] of cases) {
      const p = await file(name, text);
      await assert.rejects(
        checkPolicies([p], [statement], ctx),
        (e) => isCosignError(e, "INVALID_INPUT") && re.test(e.message),
        name,
      );
    }
  });
  it("refuses a missing, unknown, huge or binary policy before evaluating any", async () => {
    const { ctx } = context();
    const ok = await file("fine.rego", "package signature\nallow = true\n");
    await assert.rejects(
      checkPolicies([ok, join(dir, "missing.rego")], [statement], ctx),
      (e) =>
        isCosignError(e, "IO") &&
        /Cannot read policy ".*missing\.rego": no such file/.test(e.message),
    );
    const yaml = await file("p.yaml", "allow: true\n");
    await assert.rejects(
      checkPolicies([yaml], [statement], ctx),
      (e) =>
        isCosignError(e, "INVALID_INPUT") &&
        /invalid policy format, expected \.cue or \.rego/.test(e.message) &&
        /Known policy engines: rego .*typescript/.test(e.hint ?? ""),
    );
    const huge = await file("huge.rego", "#".repeat(MAX_POLICY_BYTES + 1));
    await assert.rejects(
      checkPolicies([huge], [statement], ctx),
      (e) => isCosignError(e, "TOO_LARGE"),
    );
    const bin = await file("bin.rego", new Uint8Array([0xff, 0xfe, 0x00]));
    await assert.rejects(
      checkPolicies([bin], [statement], ctx),
      (e) => isCosignError(e, "INVALID_INPUT") && /not UTF-8/.test(e.message),
    );
  });
  it("asks a third-party engine first and wraps its non-CosignError failures", async () => {
    const seen: unknown[] = [];
    const mine = definePlugin({
      name: "mine",
      apiVersion: 1,
      policies: [{
        name: "my-rego",
        description: "test",
        handles: (p) => p.endsWith(".rego"),
        evaluate: (policy, statements) => {
          seen.push(policy.text, statements);
          if (policy.text.includes("boom")) throw new TypeError("boom");
          return Promise.resolve({ allow: true, errors: [], warnings: [] });
        },
      }],
    });
    const { ctx } = context([mine]);
    const p = await file("any.rego", "not rego at all");
    await checkPolicies([p], [statement], ctx);
    assert.deepEqual(seen, ["not rego at all", [statement]]);
    const boom = await file("boom.rego", "boom");
    await assert.rejects(
      checkPolicies([boom], [statement], ctx),
      (e) => isCosignError(e, "PLUGIN") && /"my-rego" policy engine failed: boom/.test(e.message),
    );
  });
});
