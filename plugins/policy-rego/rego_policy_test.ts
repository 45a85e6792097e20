import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isCosignError } from "../../core/errors.ts";
import { evaluateRegoPolicy } from "./rego_policy.ts";
import { REGO_STEP_BUDGET, RegoEvaluator } from "./rego_eval.ts";
import { parseRego } from "./rego_parser.ts";

const slsa = {
  _type: "https://in-toto.io/Statement/v0.1",
  predicateType: "https://slsa.dev/provenance/v0.2",
  subject: [
    { name: "reg/app", digest: { sha256: "a".repeat(64) } },
    { name: "reg/app-debug", digest: { sha256: "b".repeat(64) } },
  ],
  predicate: {
    builder: { id: "https://ci.example/builder@v1" },
    buildType: "x",
    metadata: { buildStartedOn: "2024-03-01T10:00:00Z" },
    materials: [{ uri: "git+https://example.com/app", digest: { sha1: "c0ffee" } }],
  },
};

function run(text: string, statements: unknown[] = [slsa]) {
  return evaluateRegoPolicy({ name: "p.rego", path: "/p.rego", text }, statements);
}

describe("Rego policies (cosign's data.signature.allow)", () => {
  // cosign's pkg/cosign/rego tests, same policies, same messages.
  it("passes when allow is true", () => {
    const r = run(`
      package signature

      allow {
        input.predicateType == "https://slsa.dev/provenance/v0.2"
      }
    `);
    assert.deepEqual(r, { allow: true, errors: [], warnings: [] });
  });
  it("is undefined when no rule matches", () => {
    const r = run(`package signature
      allow {
        input.predicateType == "https://slsa.dev/provenance/v99.9"
      }`);
    assert.deepEqual(r.errors, ["result is undefined for query 'data.signature.allow'"]);
    assert.equal(r.allow, false);
  });
  it("refuses a false default", () => {
    const r = run("package signature\n\ndefault allow = false\n");
    assert.deepEqual(r.errors, ["expression value, false, is not true"]);
  });
  it("prints a non-boolean value as Go does", () => {
    const r = run('package signature\nallow := {"a": [1, "x"]}');
    assert.deepEqual(r.errors, ["expression value, map[a:[1 x]], is not true"]);
  });
  it("is undefined for another package", () => {
    assert.deepEqual(run("package other\nallow = true").errors, [
      "result is undefined for query 'data.signature.allow'",
    ]);
  });
  it("iterates references with variables and wildcards, and negates", () => {
    const yes = run(`package signature
      allow {
        input.subject[i].name == "reg/app-debug"
        startswith(input.subject[i].digest.sha256, "bbb")
        input.predicate.materials[_].digest.sha1 == "c0ffee"
        not input.predicate.invocation
        count(input.subject) == 2
      }`);
    assert.equal(yes.allow, true, yes.errors.join());
    const no = run(`package signature
      allow {
        input.subject[i].name == "reg/app"
        startswith(input.subject[i].digest.sha256, "bbb")
      }`);
    assert.equal(no.allow, false);
  });
  it("evaluates v1 syntax: if, contains, in, some … in, every", () => {
    const r = run(`package signature
      import rego.v1

      trusted := {"https://ci.example/builder@v1", "https://other"}

      deny contains msg if {
        some s in input.subject
        not endswith(s.name, "app")
        not endswith(s.name, "debug")
        msg := sprintf("unexpected subject %s", [s.name])
      }

      allow if {
        input.predicate.builder.id in trusted
        count(deny) == 0
        every s in input.subject { startswith(s.name, "reg/") }
        some k, v in input.subject[0].digest
        k == "sha256"
        count(v) == 64
      }`);
    assert.equal(r.allow, true, r.errors.join());
    const r2 = run(`package signature
      import future.keywords.if
      import future.keywords.every
      allow if every s in input.subject { s.name == "reg/app" }`);
    assert.equal(r2.allow, false);
  });
  it("evaluates comprehensions, partial objects, functions, else and arithmetic", () => {
    const r = run(`package signature
      names := [s.name | s := input.subject[_]]
      by_name[s.name] = s.digest.sha256 { s := input.subject[_] }
      short := {n | n := names[_]; count(n) < 8}
      level(id) = "trusted" { startswith(id, "https://ci.example/") } else = "unknown" { true }
      started := time.parse_rfc3339_ns(input.predicate.metadata.buildStartedOn)
      limit := time.parse_rfc3339_ns("2025-01-01T00:00:00Z")
      allow {
        names == ["reg/app", "reg/app-debug"]
        by_name["reg/app"] == concat("", ["aaaa", substring(input.subject[0].digest.sha256, 0, 60)])
        short == {"reg/app"}
        level(input.predicate.builder.id) == "trusted"
        level("x") == "unknown"
        started < limit
        (count(names) * 3 + 1) % 5 == 2
        [a, b] := names
        b == "reg/app-debug"
        x = 7
        x == 7
        data.signature.names[0] == a
        regex.match("^reg/[a-z-]+$", b)
        object.get(input.predicate, ["builder", "id"], "none") != "none"
      }`);
    assert.equal(r.allow, true, r.errors.join());
  });
  it("continues an expression on the next line after an operator", () => {
    const r = run(`package signature
      allow {
        x :=
          count(input.subject)
        x ==
          2
      }`);
    assert.equal(r.allow, true, r.errors.join());
  });
  it("evaluates each statement on its own and says which one failed", () => {
    const other = { ...slsa, predicateType: "https://example.com/other" };
    const r = run(
      `package signature
       allow { input.predicateType == "https://slsa.dev/provenance/v0.2" }`,
      [slsa, other],
    );
    assert.equal(r.allow, false);
    assert.deepEqual(r.errors, [
      "attestation 2 of 2: result is undefined for query 'data.signature.allow'",
    ]);
  });
});

describe("Rego policies (cosign's package sigstore isCompliant)", () => {
  it("carries the policy's own error and warning", () => {
    const policy = (pt: string) =>
      `package sigstore
      isCompliant[response] {
        result = (input.predicateType == "${pt}")
        errorMsg = "predicate type is not SLSA 0.2"
        warnMsg = "WARNING: checked only the predicate type"
        response := {"result": result, "error": errorMsg, "warning": warnMsg}
      }`;
    const ok = run(policy("https://slsa.dev/provenance/v0.2"));
    assert.deepEqual(ok, {
      allow: true,
      errors: [],
      warnings: ["warning: WARNING: checked only the predicate type"],
    });
    const bad = run(policy("https://slsa.dev/provenance/v1"));
    assert.equal(bad.allow, false);
    assert.deepEqual(bad.errors, [
      "policy is not compliant for query 'isCompliant = data.sigstore.isCompliant' with errors: predicate type is not SLSA 0.2",
    ]);
    assert.deepEqual(bad.warnings, ["WARNING: checked only the predicate type"]);
  });
  it("accepts a boolean isCompliant", () => {
    assert.equal(
      run(
        'package sigstore\ndefault isCompliant = false\nisCompliant { input.predicate.buildType == "x" }',
      ).allow,
      true,
    );
    assert.deepEqual(run("package sigstore\ndefault isCompliant = false").errors, [
      "policy is not compliant for query 'isCompliant = data.sigstore.isCompliant'",
    ]);
  });
});

describe("Rego policies: bad input", () => {
  const refuses = (text: string, code: string, re: RegExp) =>
    assert.throws(
      () => run(text),
      (e) =>
        isCosignError(e) && e.code === code && re.test(e.message) && /"p\.rego"/.test(e.message),
    );
  it("reports syntax errors with line and column", () => {
    refuses(
      "package signature\nallow {\n  input.x == \n}",
      "INVALID_INPUT",
      /4:1: unexpected "}"/,
    );
    refuses(
      'package signature\nallow { input.x == "open }',
      "INVALID_INPUT",
      /2:20: unterminated string/,
    );
    refuses("allow { true }", "INVALID_INPUT", /expected "package"/);
    refuses(
      "package signature\nallow { input.x ^ 2 }",
      "INVALID_INPUT",
      /unexpected character "\^"/,
    );
  });
  it("refuses nesting deep enough to exhaust the stack", () => {
    refuses(
      `package signature\nallow = ${"[".repeat(100_000)}${"]".repeat(100_000)}`,
      "INVALID_INPUT",
      /nest deeper than 100 levels/,
    );
    refuses(
      `package signature\nallow = ${"-".repeat(100_000)}1`,
      "INVALID_INPUT",
      /nest deeper than 100 levels/,
    );
    refuses(
      `package signature\nallow { ${"every x in [1] { ".repeat(50_000)}true${
        " }".repeat(50_000)
      } }`,
      "INVALID_INPUT",
      /nest deeper than 100 levels/,
    );
  });
  it("names unsupported constructs", () => {
    refuses(
      "package signature\nimport data.lib\nallow { true }",
      "UNSUPPORTED",
      /line 2: import data\.lib is not supported/,
    );
    refuses(
      "package signature\nallow { input.x with input as {} }",
      "UNSUPPORTED",
      /line 2: with is not supported/,
    );
    refuses(
      "package signature\nallow { http.send({}) }",
      "UNSUPPORTED",
      /the function http\.send\(\) is not supported/,
    );
    refuses("package signature\na.b := 1", "UNSUPPORTED", /rule reference/);
  });
  it("refuses unsafe variables, conflicts and recursion", () => {
    refuses("package signature\nallow { x == 1 }", "INVALID_INPUT", /line 2: var x is unsafe/);
    refuses(
      "package signature\nallow = 1 { true }\nallow = 2 { true }",
      "INVALID_INPUT",
      /multiple outputs/,
    );
    refuses("package signature\nallow { a }\na { allow }", "INVALID_INPUT", /recursive/);
  });
  it("stops a policy that runs too long", () => {
    // The default budget (REGO_STEP_BUDGET) takes a second or two to exhaust; a small one shows
    // the same stop.
    const m = parseRego(
      "package signature\nallow { xs := numbers.range(1, 300); count([1 | xs[_]; xs[_]; xs[_]]) > 0 }",
      "p.rego",
    );
    assert.throws(
      () => new RegoEvaluator(m, "p.rego", {}, { budget: 20_000 }).rule("allow"),
      (e) =>
        isCosignError(e, "TOO_LARGE") &&
        /line 2: evaluation took more than 20000 steps/.test(e.message),
    );
    assert.ok(REGO_STEP_BUDGET >= 1_000_000);
  });
});
