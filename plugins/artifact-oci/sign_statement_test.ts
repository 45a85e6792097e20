import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { signStatement } from "./sign_statement.ts";

describe("signStatement (cosign v3's sign/v1 statement)", () => {
  const hex = "ab".repeat(32);
  it("protojson in proto field order: digest-only subject, empty annotations and predicate", () => {
    assert.equal(
      new TextDecoder().decode(signStatement(`sha256:${hex}`)),
      `{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"${hex}"},` +
        `"annotations":{}}],"predicateType":"https://sigstore.dev/cosign/sign/v1","predicate":{}}`,
    );
  });
  it("-a annotations become the subject's annotations, keys sorted as a Struct", () => {
    const st = JSON.parse(
      new TextDecoder().decode(signStatement(`sha256:${hex}`, { z: "1", a: "<2>" })),
    );
    assert.deepEqual(Object.keys(st.subject[0].annotations), ["a", "z"]);
    assert.equal(st.subject[0].annotations.a, "<2>");
    assert.equal(st.subject[0].name, undefined);
  });
});
