import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isCosignError } from "./errors.ts";
import {
  buildStatement,
  checkStatement,
  parseStatement,
  PREDICATE_TYPES,
  predicateTypeURI,
  readStatement,
  STATEMENT_TYPE_V01,
  subjectMatches,
} from "./intoto.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const HEX = "ab".repeat(32);
const subjects = [{ name: "release.tar.gz", digest: { sha256: HEX } }];
const NOW = new Date("2026-12-02T08:00:00.123Z");

function build(type: string, predicate: string | Uint8Array): string {
  const p = typeof predicate === "string" ? enc.encode(predicate) : predicate;
  return dec.decode(buildStatement({ subjects, type, predicate: p, now: NOW }));
}

describe("in-toto statements as cosign writes them", () => {
  it("maps cosign's type names to the same URIs as cosign's PredicateTypeMap", () => {
    assert.equal(predicateTypeURI("custom"), "https://cosign.sigstore.dev/attestation/v1");
    assert.equal(predicateTypeURI("slsaprovenance"), "https://slsa.dev/provenance/v0.2");
    assert.equal(predicateTypeURI("slsaprovenance02"), "https://slsa.dev/provenance/v0.2");
    assert.equal(predicateTypeURI("slsaprovenance1"), "https://slsa.dev/provenance/v1");
    assert.equal(predicateTypeURI("spdx"), "https://spdx.dev/Document");
    assert.equal(predicateTypeURI("spdxjson"), "https://spdx.dev/Document");
    assert.equal(predicateTypeURI("cyclonedx"), "https://cyclonedx.org/bom");
    assert.equal(predicateTypeURI("link"), "https://in-toto.io/Link/v1");
    assert.equal(predicateTypeURI("vuln"), "https://cosign.sigstore.dev/attestation/vuln/v1");
    assert.equal(predicateTypeURI("openvex"), "https://openvex.dev/ns");
    assert.equal(Object.keys(PREDICATE_TYPES).length, 10);
    assert.equal(predicateTypeURI("https://example.com/p/v1"), "https://example.com/p/v1");
    assert.equal(predicateTypeURI("/relative/path"), "/relative/path");
    for (const bad of ["slsa", "not a uri", "", ":x"]) {
      assert.throws(() => predicateTypeURI(bad), (e) => isCosignError(e, "USAGE"));
    }
  });

  it("custom: Data and Timestamp (UTC, whole seconds), protojson field order", () => {
    assert.equal(
      build("custom", "hello <world> & more\n"),
      `{"_type":"${STATEMENT_TYPE_V01}","subject":[{"name":"release.tar.gz","digest":{"sha256":"${HEX}"}}],` +
        `"predicateType":"https://cosign.sigstore.dev/attestation/v1",` +
        `"predicate":{"Data":"hello <world> & more\\n","Timestamp":"2026-12-02T08:00:00Z"}}`,
    );
    assert.throws(
      () => build("custom", new Uint8Array([0xff, 0x41])),
      (e) => isCosignError(e, "INVALID_INPUT") && /not UTF-8/.test(e.message),
    );
  });

  it("a URI type or a JSON type: the predicate object with sorted keys, numbers as Go writes them", () => {
    const s = build(
      "https://example.com/p/v1",
      '{"z":1e21,"a":[3,1.50,-0],"m":{"b":null,"a":true}}',
    );
    assert.match(s, /"predicateType":"https:\/\/example.com\/p\/v1"/);
    assert.ok(s.endsWith(`"predicate":{"a":[3,1.5,-0],"m":{"a":true,"b":null},"z":1e+21}}`), s);
    assert.match(build("cyclonedx", "null"), /"predicate":\{\}\}$/);
    for (const bad of ["[1]", '"text"', "not json"]) {
      assert.throws(() => build("spdxjson", bad), (e) => isCosignError(e, "INVALID_INPUT"));
    }
  });

  it("spdx: a string predicate, written by Go's encoding/json (sorted keys, HTML escaped)", () => {
    assert.equal(
      build("spdx", "SPDXVersion: SPDX-2.2 <a&b>"),
      `{"_type":"${STATEMENT_TYPE_V01}","predicate":"SPDXVersion: SPDX-2.2 \\u003ca\\u0026b\\u003e",` +
        `"predicateType":"https://spdx.dev/Document",` +
        `"subject":[{"name":"release.tar.gz","digest":{"sha256":"${HEX}"}}]}`,
    );
  });

  it("spdx: each invalid UTF-8 byte is written \\ufffd (Go's encoder), a valid U+FFFD as is", () => {
    const raw = new Uint8Array([0x61, 0xe2, 0x82, 0x41, 0xff, ...enc.encode("\ufffd")]);
    assert.ok(
      build("spdx", raw).startsWith(
        `{"_type":"${STATEMENT_TYPE_V01}","predicate":"a\\ufffd\\ufffdA\\ufffd\ufffd",`,
      ),
    );
  });

  it("slsaprovenance1: through the provenance v1 schema (unknown dropped, invocationID renamed, UTC)", () => {
    const p = JSON.stringify({
      buildDefinition: {
        buildType: "https://example.com/bt",
        externalParameters: { x: 1 },
        junk: 1,
      },
      runDetails: {
        builder: { id: "https://builder", version: {} },
        metadata: { invocationID: "run-1", startedOn: "2026-01-01T02:00:00.500+02:00" },
      },
      extra: "dropped",
    });
    const st = JSON.parse(build("slsaprovenance1", p));
    assert.deepEqual(st.predicate, {
      buildDefinition: { buildType: "https://example.com/bt", externalParameters: { x: 1 } },
      runDetails: {
        builder: { id: "https://builder" },
        metadata: { invocationId: "run-1", startedOn: "2026-01-01T00:00:00.500Z" },
      },
    });
    assert.equal(st.predicateType, "https://slsa.dev/provenance/v1");
    assert.throws(
      () => build("slsaprovenance1", '{"buildDefinition":{"buildType":5}}'),
      (e) => isCosignError(e, "INVALID_INPUT") && /buildDefinition.buildType/.test(e.message),
    );
  });

  it("slsaprovenance (v0.2) keeps the schema's fields and drops empty ones", () => {
    const st = JSON.parse(build(
      "slsaprovenance",
      '{"builder":{"id":"b"},"buildType":"t","materials":[{"uri":"git+x","digest":{"sha1":"aa"}}],' +
        '"metadata":{"reproducible":false,"buildInvocationId":""},"invocation":{}}',
    ));
    assert.deepEqual(st.predicate, {
      builder: { id: "b" },
      buildType: "t",
      invocation: {},
      materials: [{ digest: { sha1: "aa" }, uri: "git+x" }],
      metadata: {},
    });
  });

  it("link needs all seven fields; vuln fills cosign's struct", () => {
    assert.throws(
      () => build("link", '{"name":"x"}'),
      (e) => isCosignError(e, "INVALID_INPUT") && /required field _type missing/.test(e.message),
    );
    const link = JSON.parse(build(
      "link",
      '{"_type":"link","name":"n","materials":{},"products":null,"byproducts":{},"command":["make"],"environment":{},"x":1}',
    ));
    assert.deepEqual(Object.keys(link.predicate), [
      "_type",
      "byproducts",
      "command",
      "environment",
      "materials",
      "name",
      "products",
    ]);
    const vuln = JSON.parse(build("vuln", '{"scanner":{"uri":"u"}}'));
    assert.deepEqual(vuln.predicate, {
      invocation: { "builder.id": "", event_id: "", parameters: null, uri: "" },
      metadata: { scanFinishedOn: "0001-01-01T00:00:00Z", scanStartedOn: "0001-01-01T00:00:00Z" },
      scanner: { db: { uri: "", version: "" }, result: null, uri: "u", version: "" },
    });
  });

  it("parses statements and checks subject digest and predicate type (exit-12 errors)", () => {
    const st = parseStatement(enc.encode(build("custom", "x")), "test");
    assert.equal(st.predicateType, PREDICATE_TYPES.custom);
    assert.ok(subjectMatches(st, { sha256: HEX.toUpperCase() }));
    assert.ok(!subjectMatches(st, { sha256: "cd".repeat(32) }));
    checkStatement(st, { predicateType: PREDICATE_TYPES.custom, digests: { sha256: HEX } });
    assert.throws(
      () => checkStatement(st, { predicateType: PREDICATE_TYPES.spdx }),
      (e) =>
        isCosignError(e, "VERIFY") && e.check === "claims" &&
        e.message ===
          `invalid predicate type, expected https://spdx.dev/Document got ${PREDICATE_TYPES.custom}`,
    );
    assert.throws(
      () => checkStatement(st, { digests: { sha256: "cd".repeat(32) } }),
      (e) => isCosignError(e, "VERIFY") && e.check === "digest",
    );
    for (const bad of ["[]", '{"_type":1}', '{"_type":"t","predicateType":"p"}', '{"a":1,"a":2}']) {
      assert.throws(
        () => parseStatement(bad, "bad", { code: "VERIFY" }),
        (e) => isCosignError(e, "VERIFY") && e.check === "claims",
      );
      assert.throws(
        () => readStatement(bad, "bad", { code: "VERIFY" }),
        (e) => isCosignError(e, "VERIFY") && e.check === "claims",
      );
    }
  });

  it("readStatement: the checked statement and the JSON value it was read from", () => {
    const text = build("custom", "x").replace("{", '{"extra":[1],');
    const { statement, json } = readStatement(enc.encode(text), "test");
    assert.deepEqual(statement, parseStatement(text, "test"));
    // The value as JSON.parse gives it, unknown fields and all (what policies are given).
    assert.deepEqual(json, JSON.parse(text));
    assert.deepEqual(json.extra, [1]);
  });
});
