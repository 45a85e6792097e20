/**
 * Tekton's canonical form against Tekton's own outputs: the checksums its unit tests expect
 * (tektoncd/pipeline pkg/apis/pipeline/v1 and v1beta1 task_types_test.go, TestTask_Checksum), and
 * two files `tkn task sign` signed (tests/fixtures/tekton, with the key derived from them as the
 * README there explains). Go value formats against what Go writes.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { verifierFromPem } from "../../core/keys/verifier.ts";
import { signerFromPrivateKeyPem } from "../../core/keys/signer.ts";
import { isCosignError } from "../../core/errors.ts";
import { canonicalResource } from "./canonical.ts";
import { canonicalQuantity } from "./go_values.ts";
import { insertAnnotation, signResourceText, verifyResourceText } from "./trusted.ts";

const FIXTURES = join(
  fileURLToPath(new URL(".", import.meta.url)),
  "..",
  "..",
  "tests",
  "fixtures",
  "tekton",
);
const fixture = (name: string) => readFileSync(join(FIXTURES, name), "utf8");
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

function checksumTask(apiVersion: string, extraAnnotations: Record<string, string> = {}) {
  return canonicalResource({
    apiVersion,
    kind: "Task",
    metadata: {
      name: "task",
      namespace: "task-ns",
      uid: "abc",
      labels: { label: "foo" },
      annotations: { foo: "bar", ...extraAnnotations },
    },
    spec: { steps: [{ image: "ubuntu", name: "echo" }] },
  }, "test");
}

describe("Tekton canonical form", () => {
  it("matches Tekton's Task.Checksum() test vectors (v1 and v1beta1), system fields left out", async () => {
    const system = {
      "kubectl-client-side-apply": "client",
      "kubectl.kubernetes.io/last-applied-configuration": "config",
      "tekton.dev/signature": "MEUCIQ==",
    };
    for (const extra of [{}, system]) {
      assert.equal(
        hex((await checksumTask("tekton.dev/v1", extra)).checksum),
        "0cf41a775529eaaa55ff115eebe5db01a3b6bf2f4b924606888736274ceb267a",
      );
      assert.equal(
        hex((await checksumTask("tekton.dev/v1beta1", extra)).checksum),
        "c913fb33ce186f8a98e77eb2885495da71103de323a1dc420d1df1809a10dfd4",
      );
    }
    const { json } = await checksumTask("tekton.dev/v1");
    assert.equal(
      json,
      '{"kind":"Task","apiVersion":"tekton.dev/v1","metadata":{"name":"task","namespace":"task-ns",' +
        '"creationTimestamp":null,"labels":{"label":"foo"},"annotations":{"foo":"bar"}},' +
        '"spec":{"steps":[{"name":"echo","image":"ubuntu","computeResources":{}}]}}',
    );
  });

  it("matches Tekton's Pipeline.Checksum() test vector (TestPipelineChecksum)", async () => {
    // The vector's object says apiVersion tekton.dev/v1beta1 (and Checksum keeps it); the spec is
    // empty, so the v1 and v1beta1 types write the same JSON.
    for (const extra of [{}, { "kubectl-client-side-apply": "client" }]) {
      const { checksum } = await canonicalResource({
        apiVersion: "tekton.dev/v1beta1",
        kind: "Pipeline",
        metadata: {
          name: "pipeline",
          namespace: "pipeline-ns",
          uid: "abc",
          labels: { label: "foo" },
          annotations: { foo: "bar", ...extra },
        },
        spec: {},
      }, "test");
      assert.equal(
        hex(checksum),
        "ef400089e645c69a588e71fe629ce2a989743e303c058073b0829c6c6338ab8a",
      );
    }
  });

  it("verifies the files tkn task sign signed (v1beta1 and v1) and rejects them altered", async () => {
    const verifier = verifierFromPem(fixture("tkn-testdata.pub"));
    for (const name of ["tkn-signed.yaml", "tkn-signed-v1.yaml"]) {
      const text = fixture(name);
      const r = await verifyResourceText(text, name, verifier);
      assert.equal(r.kind, "Task");
      const altered = text.replace("image: ", "image: evil.example/");
      await assert.rejects(
        verifyResourceText(altered, name, verifier),
        (e) => isCosignError(e) && e.code === "VERIFY" && e.check === "signature",
      );
    }
  });

  it("signs so that the result verifies, changing only the annotation line", async () => {
    const { generateKeyPairSync } = await import("node:crypto");
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const signer = signerFromPrivateKeyPem(
      privateKey.export({ type: "pkcs8", format: "pem" }) as string,
    );
    const verifier = verifierFromPem(publicKey.export({ type: "spki", format: "pem" }) as string);
    const text = "# a comment stays\r\napiVersion: tekton.dev/v1\r\nkind: Task\r\nmetadata:\r\n" +
      "  name: hello\r\nspec:\r\n  description: >-\r\n    folded\r\n    text\r\n  steps:\r\n" +
      "  - name: s\r\n    image: alpine\r\n    timeout: 90m\r\n" +
      "    computeResources: {limits: {memory: 1024Mi, cpu: '0.5'}}\r\n";
    const { text: signed } = await signResourceText(text, "t.yaml", signer);
    const added = signed.split("\r\n").filter((l) => !text.split("\r\n").includes(l));
    assert.equal(added.length, 2, signed);
    assert.equal(added[0], "  annotations:");
    assert.match(added[1], /^ {4}tekton\.dev\/signature: [A-Za-z0-9+/=]+$/);
    assert.equal(
      signed.replace(/ {2}annotations:\r\n {4}tekton\.dev\/signature: .*\r\n/, ""),
      text,
    );
    await verifyResourceText(signed, "t.yaml", verifier);
    // Re-signing replaces the annotation instead of adding a second one.
    const { text: again } = await signResourceText(signed, "t.yaml", signer);
    assert.equal(again.match(/tekton\.dev\/signature/g)?.length, 1);
    await verifyResourceText(again, "t.yaml", verifier);
    const { json } = await canonicalResource(parse(text), "t.yaml");
    assert.match(json, /"timeout":"1h30m0s"/);
    assert.match(json, /"computeResources":\{"limits":\{"cpu":"500m","memory":"1Gi"\}\}/);
  });

  it("inserts into existing annotations, empty annotations, and refuses flow or multi-line layouts", () => {
    const doc = (meta: string) =>
      `apiVersion: tekton.dev/v1\nkind: Task\nmetadata:\n${meta}spec: {}\n`;
    assert.equal(
      insertAnnotation(doc("  name: a\n  annotations:\n    x: y\n"), "f", "k", "v"),
      doc("  name: a\n  annotations:\n    k: v\n    x: y\n"),
    );
    assert.equal(
      insertAnnotation(doc("  name: a\n  annotations: {}\n"), "f", "k", "v"),
      doc("  name: a\n  annotations:\n    k: v\n"),
    );
    assert.equal(
      insertAnnotation(doc("  name: a\n  annotations:\n"), "f", "k", "v"),
      doc("  name: a\n  annotations:\n    k: v\n"),
    );
    assert.throws(
      () => insertAnnotation(doc("  name: a\n  annotations: {x: y}\n"), "f", "k", "v"),
      /not a block mapping/,
    );
    assert.throws(
      () => insertAnnotation("{apiVersion: x, metadata: {name: a}}\n", "f", "k", "v"),
      /not a block mapping/,
    );
    assert.throws(
      () =>
        insertAnnotation(
          doc("  name: a\n  annotations:\n    k: |\n      multi\n      line\n"),
          "f",
          "k",
          "v",
        ),
      /spans several lines/,
    );
  });

  it("refuses fields it cannot encode, naming them", async () => {
    const base = { apiVersion: "tekton.dev/v1", kind: "Task", metadata: { name: "a" } };
    const cases: [unknown, RegExp][] = [
      [
        { steps: [{ name: "s", livenessProbe: {} }] },
        /spec\.steps\[0\]\.livenessProbe is not a field/,
      ],
      [{ sidecars: [] }, /spec\.sidecars is not a field/],
      [{ steps: [{ name: "s", timeout: "soon" }] }, /timeout is not a Go duration/],
      [{ steps: [{ name: 1 }] }, /spec\.steps\[0\]\.name is a number, not a string/],
      [
        { params: [{ name: "p", default: 3 }] },
        /default is not a string, a list of strings or a map/,
      ],
      [{ steps: [{ name: "s", computeResources: { limits: { cpu: "1e3" } } }] }, /not a quantity/],
    ];
    for (const [spec, message] of cases) {
      await assert.rejects(
        canonicalResource({ ...base, spec } as Record<string, unknown>, "f"),
        message,
      );
    }
    await assert.rejects(
      canonicalResource({ apiVersion: "tekton.dev/v1", kind: "TaskRun", metadata: {} }, "f"),
      /is tekton.dev\/v1 TaskRun/,
    );
    await assert.rejects(
      canonicalResource({ ...base, status: {} } as Record<string, unknown>, "f"),
      /status is not a field/,
    );
  });
});

describe("Kubernetes quantities", () => {
  it("writes quantities in resource.Quantity's canonical form", () => {
    const cases: [string, string][] = [
      ["1024Mi", "1Gi"],
      ["1536Mi", "1536Mi"],
      ["1.5Gi", "1536Mi"],
      ["0.5", "500m"],
      ["1000m", "1"],
      ["1500m", "1500m"],
      ["1000", "1k"],
      ["1500", "1500"],
      ["2", "2"],
      ["1.5k", "1500"],
      ["0", "0"],
      ["128974848", "128974848"],
    ];
    for (const [input, want] of cases) assert.equal(canonicalQuantity(input), want, input);
    for (const bad of ["1e3", "abc", "0.0001", "1.2.3"]) {
      assert.equal(canonicalQuantity(bad), undefined, bad);
    }
  });
});
