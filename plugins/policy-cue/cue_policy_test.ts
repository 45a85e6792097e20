import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isCosignError } from "../../core/errors.ts";
import { evaluateCuePolicy } from "./cue_policy.ts";
import { CUE_STEP_BUDGET, validateCue } from "./cue_eval.ts";
import { parseCue } from "./cue_parser.ts";

function run(text: string, statements: unknown[]) {
  return evaluateCuePolicy({ name: "p.cue", path: "/p.cue", text }, statements);
}

// cosign's pkg/cosign/cue tests: same documents, same policies, same message.
const sample = {
  seq: [1, 2, 3, { a: 1, b: 2 }],
  a: { b: { c: 3 } },
  b: { x: 0, y: 1, z: 2 },
};
const authorities = {
  authorityMatches: {
    keyatt: {
      signatures: null,
      attestations: { "vuln-key": [{ subject: "PLACEHOLDER", issuer: "PLACEHOLDER" }] },
    },
    keysignature: {
      signatures: [{ subject: "PLACEHOLDER", issuer: "PLACEHOLDER" }],
      attestations: null,
    },
    keylessatt: {
      signatures: null,
      attestations: {
        key1: [{ subject: "PLACEHOLDER", issuer: "PLACEHOLDER" }],
        key2: [{ subject: "PLACEHOLDER", issuer: "PLACEHOLDER" }],
      },
    },
    keylesssignature: {
      signatures: [{ subject: "PLACEHOLDER", issuer: "PLACEHOLDER" }],
      attestations: null,
    },
  },
};

// cosign's e2e statements (cosign attest --type custom / vuln).
const custom = {
  _type: "https://in-toto.io/Statement/v0.1",
  predicateType: "https://cosign.sigstore.dev/attestation/v1",
  subject: [{ name: "reg/app", digest: { sha256: "a".repeat(64) } }],
  predicate: { Data: "foobar e2e test\n", Timestamp: "2022-04-07T19:22:25Z" },
};
const vuln = {
  _type: "https://in-toto.io/Statement/v0.1",
  predicateType: "https://cosign.sigstore.dev/attestation/vuln/v1",
  subject: [{ name: "reg/app", digest: { sha256: "a".repeat(64) } }],
  predicate: {
    invocation: {
      parameters: null,
      uri: "invocation.example.com/cosign-testing",
      event_id: "",
      "builder.id": "",
    },
    scanner: {
      uri: "fakescanner.example.com/cosign-testing",
      version: "",
      db: { uri: "", version: "" },
      result: null,
    },
    metadata: { scanStartedOn: "2022-04-12T00:00:00Z", scanFinishedOn: "2022-04-12T00:10:00Z" },
  },
};

describe("CUE policies (cosign's ValidateJSON)", () => {
  it("passes a policy that matches the document", () => {
    const r = run(
      `package test

      seq: [
        1, 2, 3, {
          a: 1
          b: 2
        }
      ]
      a: b: c: 3
      b: {
        x: 0
        y: 1
        z: 2
      }`,
      [sample],
    );
    assert.deepEqual(r, { allow: true, errors: [], warnings: [] });
  });
  it("evaluates struct and list validators", () => {
    const ok = run(
      `package test
      import "struct"
      import "list"

      authorityMatches: {
        keyatt: {
          attestations: struct.MaxFields(1) & struct.MinFields(1)
        },
        keysignature: {
          signatures: list.MaxItems(1) & list.MinItems(1)
        },
        keylessatt: {
          attestations: struct.MinFields(2) & struct.MaxFields(2)
        },
        keylesssignature: {
          signatures: list.MaxItems(1) & list.MinItems(1)
        }
      }`,
      [authorities],
    );
    assert.equal(ok.allow, true, ok.errors.join());
    const bad = run(
      `package test
      import "list"

      authorityMatches: {
        keysignature: {
          signatures: list.MaxItems(2) & list.MinItems(2)
        }
      }`,
      [authorities],
    );
    assert.deepEqual(bad.errors, [
      'authorityMatches.keysignature.signatures: invalid value [{subject:"PLACEHOLDER",issuer:"PLACEHOLDER"}] (does not satisfy list.MinItems(2))',
    ]);
  });
  it("runs cosign's e2e policies: time.Parse bounds and predicate types", () => {
    const works = `import "time"

before: time.Parse(time.RFC3339, "2049-10-09T17:10:27Z")

// The predicateType field must match this string
predicateType: "https://cosign.sigstore.dev/attestation/v1"

// The predicate must match the following constraints.
predicate: {
    Timestamp: <before
}
`;
    assert.equal(run(works, [custom]).allow, true);
    const late = {
      ...custom,
      predicate: { ...custom.predicate, Timestamp: "2050-01-01T00:00:00Z" },
    };
    assert.deepEqual(run(works, [late]).errors, [
      'predicate.Timestamp: invalid value "2050-01-01T00:00:00Z" (out of bound <"2049-10-09T17:10:27Z")',
    ]);
    const fails = works.replace(
      'predicateType: "https://cosign.sigstore.dev/attestation/v1"',
      'predicateType: "cosignnotreally.sigstore.dev/attestation/v1"',
    );
    assert.deepEqual(run(fails, [custom]).errors, [
      'predicateType: conflicting values "cosignnotreally.sigstore.dev/attestation/v1" and "https://cosign.sigstore.dev/attestation/v1"',
    ]);
  });
  it("runs cosign's vuln policies", () => {
    const policy = (uri: string, before: string) =>
      `import "time"

before: time.Parse(time.RFC3339, "${before}")
after: time.Parse(time.RFC3339, "2022-03-09T17:10:27Z")

predicateType: "https://cosign.sigstore.dev/attestation/vuln/v1"

predicate: {
  invocation: {
    uri: "${uri}"
  }
  scanner: {
    uri: "fakescanner.example.com/cosign-testing"
  }
  metadata: {
    scanStartedOn: <before
    scanStartedOn: >after
    scanFinishedOn: <before
    scanFinishedOn: >after
  }
}`;
    assert.equal(
      run(policy("invocation.example.com/cosign-testing", "2022-04-15T17:10:27Z"), [vuln]).allow,
      true,
    );
    const r = run(policy("invocation.example.com/cosign-testing-invalid", "2022-04-01T17:10:27Z"), [
      vuln,
    ]);
    assert.deepEqual(r.errors, [
      'predicate.invocation.uri: conflicting values "invocation.example.com/cosign-testing-invalid" and "invocation.example.com/cosign-testing"',
      'predicate.metadata.scanStartedOn: invalid value "2022-04-12T00:00:00Z" (out of bound <"2022-04-01T17:10:27Z")',
      'predicate.metadata.scanFinishedOn: invalid value "2022-04-12T00:10:00Z" (out of bound <"2022-04-01T17:10:27Z")',
    ]);
  });
  it("runs cosign's e2e one-liners (slsa, spdx, cyclonedx, custom URI)", () => {
    const slsa = {
      ...custom,
      predicateType: "https://slsa.dev/provenance/v0.2",
      predicate: { builder: { id: "2" }, buildType: "x" },
    };
    assert.equal(run('predicate: builder: id: "2"', [slsa]).allow, true);
    assert.deepEqual(run('predicate: builder: id: "1"', [slsa]).errors, [
      'predicate.builder.id: conflicting values "1" and "2"',
    ]);
    const result = { ...custom, predicate: { passed: true } };
    assert.equal(run("predicate: passed: true", [result]).allow, true);
    assert.deepEqual(run("predicate: passed: false", [result]).errors, [
      "predicate.passed: conflicting values false and true",
    ]);
  });
  it("evaluates types, bounds, regexps, disjunctions, definitions, hidden fields and strings", () => {
    const doc = {
      _type: "https://in-toto.io/Statement/v1",
      predicateType: "https://slsa.dev/provenance/v1",
      subject: [{ name: "reg/app", digest: { sha256: "ab".repeat(32) } }],
      predicate: { builder: { id: "https://ci.example/builder" }, level: 3, tags: ["a", "b"] },
    };
    const ok = run(
      `import "strings"
      #Subject: {name: string, digest: sha256: =~"^[0-9a-f]{64}$"}
      _prefix: "https://"
      "_type": "https://in-toto.io/Statement/v1" | "https://in-toto.io/Statement/v0.1"
      subject: [...#Subject]
      predicateType: strings.HasPrefix("https://slsa.dev/")
      predicate: {
        builder: id: =~"^\\(_prefix)ci\\\\.example/"
        level: int & >=2 & <=4
        tags: [...string] & [_, ...]
        missing?: string
        mode: *"strict" | "lenient"
      }
      let n = len(subject)
      count: n
      count: 1`,
      [doc],
    );
    assert.equal(ok.allow, true, ok.errors.join("\n"));
    const bad = run(
      `#Subject: {name: string}
      subject: [...#Subject]
      predicate: level: string
      predicate: tags: [string]
      predicateType: "a" | "b"`,
      [doc],
    );
    assert.deepEqual(bad.errors, [
      "subject.0.digest: field not allowed",
      "predicate.level: conflicting values string and 3 (mismatched types string and int)",
      "predicate.tags: incompatible list lengths (1 and 2)",
      'predicateType: 2 errors in empty disjunction: (conflicting values "a" and "https://slsa.dev/provenance/v1"), (conflicting values "b" and "https://slsa.dev/provenance/v1")',
    ]);
  });
  it("applies pattern constraints to every matching field", () => {
    const doc = { predicate: { env: { CI: "true", HOME: "/root", "X-TOKEN": 3 } } };
    assert.equal(
      run('predicate: env: [string]: string & !=""', [{ predicate: { env: { CI: "true" } } }])
        .allow,
      true,
    );
    assert.deepEqual(run("predicate: env: [string]: string", [doc]).errors, [
      'predicate.env."X-TOKEN": conflicting values string and 3 (mismatched types string and int)',
    ]);
    assert.deepEqual(run('predicate: env: [=~"^X-"]: string & =~"^t"', [doc]).errors, [
      'predicate.env."X-TOKEN": conflicting values string & =~"^t" and 3 (mismatched types string and int)',
    ]);
  });
  it("evaluates list comprehensions", () => {
    const doc = {
      predicate: {
        packages: [
          { name: "a", license: "MIT" },
          { name: "b", license: "GPL-3.0" },
          { name: "c", license: "GPL-2.0" },
        ],
        env: { CI: "true", HOME: "/root" },
      },
    };
    // As in CUE, references name the policy's own fields: declare predicate to reach its data.
    const policy = (max: number) =>
      `import "strings"
      predicate: _
      _gpl: [for p in predicate.packages if strings.HasPrefix(p.license, "GPL") {p.name}]
      _keys: [for k, _ in predicate.env {k}]
      _pairs: [for i, p in predicate.packages let n = p.name if i > 0 {name: n, index: i}]
      gplCount: len(_gpl) & <=${max}
      keys: _keys & ["CI", "HOME"]
      pairs: _pairs & [{name: "b", index: 1}, {name: "c", index: 2}]`;
    const ok = run(policy(2), [doc]);
    assert.equal(ok.allow, true, ok.errors.join("\n"));
    assert.deepEqual(run(policy(0), [doc]).errors, [
      "gplCount: invalid value 2 (out of bound <=0)",
    ]);
  });
  it("adds fields under if clauses when their conditions hold", () => {
    // A condition may not read a field its own clause adds (a structural cycle here).
    const slsa = {
      ...custom,
      predicateType: "https://slsa.dev/provenance/v0.2",
      predicate: { builder: { id: "2" } },
    };
    const policy = `predicateType: string
      subject: _
      predicate: _
      if predicateType == "https://slsa.dev/provenance/v0.2" {
        predicate: builder: id: "1"
      }
      if predicateType == "https://cosign.sigstore.dev/attestation/v1" if len(subject) > 0 {
        predicate: Data: =~"e2e"
      }`;
    assert.deepEqual(run(policy, [slsa]).errors, [
      'predicate.builder.id: conflicting values "1" and "2"',
    ]);
    assert.equal(run(policy, [custom]).allow, true);
    assert.deepEqual(run(policy, [{ ...custom, predicate: { Data: "prod" } }]).errors, [
      'predicate.Data: invalid value "prod" (out of bound =~"e2e")',
    ]);
  });
  it("does not report values the document leaves incomplete (cue.Final, not Concrete)", () => {
    assert.equal(run("predicate: notThere: string\nextra: >3", [custom]).allow, true);
  });
  it("evaluates each statement on its own and says which one failed", () => {
    const r = run('predicateType: "https://cosign.sigstore.dev/attestation/v1"', [custom, vuln]);
    assert.deepEqual(r.errors, [
      'attestation 2 of 2: predicateType: conflicting values "https://cosign.sigstore.dev/attestation/v1" and "https://cosign.sigstore.dev/attestation/vuln/v1"',
    ]);
  });
});

describe("CUE policies: bad input", () => {
  const refuses = (text: string, code: string, re: RegExp) =>
    assert.throws(
      () => run(text, [custom]),
      (e) =>
        isCosignError(e) && e.code === code && re.test(e.message) && /"p\.cue"/.test(e.message),
    );
  it("reports syntax errors with line and column", () => {
    refuses('a: "open', "INVALID_INPUT", /1:4: unterminated string/);
    refuses("a: {\n b: 1\n", "INVALID_INPUT", /unexpected the end of the file/);
    refuses("a: 1 +", "INVALID_INPUT", /1:\d+: unexpected/);
    refuses("a: b ^ c", "INVALID_INPUT", /unexpected character "\^"/);
  });
  it("refuses nesting deep enough to exhaust the stack", () => {
    refuses(
      `a: ${"(".repeat(100_000)}1${")".repeat(100_000)}`,
      "INVALID_INPUT",
      /nest deeper than 100 levels/,
    );
    refuses(
      `a: ${"{b: ".repeat(100_000)}1${"}".repeat(100_000)}`,
      "INVALID_INPUT",
      /nest deeper than 100 levels/,
    );
  });
  it("names unsupported constructs", () => {
    refuses("[X=string]: {name: X}", "UNSUPPORTED", /line 1: a label alias/);
    refuses(
      'a: 1\nfor k, v in {x: 1} { "\\(k)": v }',
      "UNSUPPORTED",
      /a field comprehension \(for …\)/,
    );
    refuses(
      'import "encoding/json"\na: json.Marshal(1)',
      "UNSUPPORTED",
      /the package "encoding\/json"/,
    );
    refuses('import "time"\na: time.Unix(1, 0)', "UNSUPPORTED", /time\.Unix is not supported/);
    refuses("#Def\n", "UNSUPPORTED", /an embedded expression/);
  });
  it("refuses disjunctions that would combine into too many alternatives", () => {
    const alts = Array.from({ length: 200 }, (_, i) => i).join(" | ");
    refuses(
      `a: (${alts}) & (${alts})`,
      "TOO_LARGE",
      /a: unifying disjunctions of 200 and 200 alternatives/,
    );
  });
  it("stops evaluation past the step budget", () => {
    const file = parseCue(
      Array.from({ length: 600 }, (_, i) => `f${i}: >=${i}`).join("\n"),
      "p.cue",
    );
    assert.deepEqual(validateCue(file, { f1: 5 }, "p.cue"), []);
    assert.throws(
      () => validateCue(file, { f1: 5 }, "p.cue", { budget: 500 }),
      (e) =>
        isCosignError(e, "TOO_LARGE") &&
        /"p\.cue": line \d+: evaluation took more than 500 steps/.test(e.message),
    );
    assert.ok(CUE_STEP_BUDGET >= 1_000_000);
  });
  it("refuses unknown references and cycles", () => {
    refuses("a: nothere", "INVALID_INPUT", /line 1: reference "nothere" not found/);
    refuses("a: b\nb: a", "INVALID_INPUT", /structural cycle/);
    refuses(
      "a: _\nif a.x == 1 { a: y: 2 }",
      "INVALID_INPUT",
      /line 2: structural cycle in field a/,
    );
  });
});
