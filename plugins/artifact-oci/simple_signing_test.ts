import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  checkClaims,
  COSIGN_SIGNATURE_TYPE,
  encodeSimpleSigning,
  parseSimpleSigningPayload,
  simpleSigningPayload,
} from "./simple_signing.ts";
import { isCosignError } from "../../core/errors.ts";

const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const enc = (s: string) => new TextEncoder().encode(s);
// Vectors from sigstore/sigstore pkg/signature/payload/payload_test.go (Go's json.Marshal output).
const D = "sha256:d34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33f";

describe("simple signing payload (sigstore vectors)", () => {
  it("no claims", () => {
    assert.equal(
      dec(simpleSigningPayload("example.com/test/image", D)),
      `{"critical":{"identity":{"docker-reference":"example.com/test/image"},"image":{"docker-manifest-digest":"sha256:d34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33f"},"type":"cosign container image signature"},"optional":null}`,
    );
  });
  it("standard atomic signature: keys sorted, numbers as Go writes them", () => {
    assert.equal(
      dec(simpleSigningPayload("example.com/atomic/test/image", D, {
        timestamp: 1458239713,
        creator: "atomic",
      })),
      `{"critical":{"identity":{"docker-reference":"example.com/atomic/test/image"},"image":{"docker-manifest-digest":"sha256:d34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33f"},"type":"cosign container image signature"},"optional":{"creator":"atomic","timestamp":1458239713}}`,
    );
  });
  it("arbitrary claims: nested maps sorted too", () => {
    assert.equal(
      dec(simpleSigningPayload("example.com/cosign/test/image", D, {
        creator: "anyone",
        some_struct: { foo: "bar", false: true, nothing: null },
        "CamelCase WithSpace": 8.314,
      })),
      `{"critical":{"identity":{"docker-reference":"example.com/cosign/test/image"},"image":{"docker-manifest-digest":"sha256:d34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33f"},"type":"cosign container image signature"},"optional":{"CamelCase WithSpace":8.314,"creator":"anyone","some_struct":{"false":true,"foo":"bar","nothing":null}}}`,
    );
  });
  it("a payload parsed again gives an equal, separate object", () => {
    const bytes = simpleSigningPayload("r.io/app", "sha256:" + "a".repeat(64), { k: "v" });
    const first = parseSimpleSigningPayload(bytes);
    first.optional = { changed: true };
    first.digest = "sha256:" + "b".repeat(64);
    const second = parseSimpleSigningPayload(bytes);
    assert.notEqual(second, first);
    assert.equal(second.digest, "sha256:" + "a".repeat(64));
    assert.deepEqual(second.optional, { k: "v" });
    // Other bytes with the same text are parsed on their own.
    assert.deepEqual(parseSimpleSigningPayload(new Uint8Array(bytes)), second);
  });
  it("round-trips through parse and re-encode", () => {
    const bytes = enc(
      `{"critical":{"identity":{"docker-reference":"example.com/cosign/test/image"},"image":{"docker-manifest-digest":"sha256:d34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33f"},"type":"cosign container image signature"},"optional":{"CamelCase WithSpace":8.314,"creator":"anyone","some_struct":{"false":true,"foo":"bar","nothing":null}}}`,
    );
    const p = parseSimpleSigningPayload(bytes);
    assert.equal(p.digest, D);
    assert.equal(p.dockerReference, "example.com/cosign/test/image");
    assert.equal(encodeSimpleSigning(p), dec(bytes));
  });
  it("rejects an unknown type (sigstore vector)", () => {
    assert.throws(
      () =>
        parseSimpleSigningPayload(enc(
          `{"critical":{"identity":{"docker-reference":"example.com/atomic/test/image"},"image":{"docker-manifest-digest":"sha256:d34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33f"},"type":"atomic container signature"},"optional":{}}`,
        )),
      (e) => isCosignError(e, "INVALID_INPUT") && /unknown type/.test(e.message),
    );
  });
  it("rejects non-JSON, truncated and wrong-shape payloads with clear errors", () => {
    const good = dec(simpleSigningPayload("r/x", D));
    for (const bad of ["", "not json", good.slice(0, 40), "[]", `{"critical":1}`, "null"]) {
      assert.throws(
        () => parseSimpleSigningPayload(enc(bad)),
        (e) => isCosignError(e, "INVALID_INPUT"),
      );
    }
    assert.throws(
      () => parseSimpleSigningPayload(new Uint8Array([0xff, 0xfe, 0x7b])),
      (e) => isCosignError(e, "INVALID_INPUT"),
    );
  });
});

describe("Go encoding/json string escaping", () => {
  it("annotation values with HTML characters are escaped in the payload", () => {
    const s = dec(simpleSigningPayload("r/x", D, { "a<b": "x&y>" }));
    assert.ok(s.endsWith(`"optional":{"a\\u003cb":"x\\u0026y\\u003e"}}`), s);
  });
});

describe("claim checks (cosign SimpleClaimVerifier)", () => {
  const p = parseSimpleSigningPayload(simpleSigningPayload("r/x", D, { env: "prod", n: 1 }));
  it("accepts the right digest and annotations", () => {
    assert.equal(checkClaims(p, D, { env: "prod" }), undefined);
    assert.equal(checkClaims(p, D), undefined);
  });
  it("rejects another digest", () => {
    assert.match(checkClaims(p, "sha256:" + "0".repeat(64))!, /invalid or missing digest/);
  });
  it("rejects missing, different or non-string annotations", () => {
    assert.match(checkClaims(p, D, { env: "dev" })!, /annotation/);
    assert.match(checkClaims(p, D, { other: "x" })!, /absent/);
    assert.match(checkClaims(p, D, { n: "1" })!, /annotation/);
  });
  it("type constant", () =>
    assert.equal(COSIGN_SIGNATURE_TYPE, "cosign container image signature"));
});
