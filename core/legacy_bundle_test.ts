import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isCosignError } from "./errors.ts";
import {
  decodeBase64,
  isLegacyBundleJSON,
  legacyBundleFromJSON,
  parseLegacyBundle,
  serializeLegacyBundle,
} from "./legacy_bundle.ts";

// A bundle written by cosign sign-blob --bundle (keyless, uploaded to Rekor), published in a
// public repository; kept byte for byte.
const COSIGN_VECTOR = readFileSync(
  fileURLToPath(new URL("../tests/fixtures/blob/cosign_legacy_bundle.json", import.meta.url)),
  "utf8",
);

function rejects(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e) => isCosignError(e, "INVALID_INPUT") && pattern.test(e.message));
}

describe("legacy bundle", () => {
  it("reads cosign's bundle and writes it back byte for byte", () => {
    const b = parseLegacyBundle(COSIGN_VECTOR, "vector");
    assert.ok(b.cert && b.rekorBundle);
    assert.equal(b.rekorBundle.Payload.logIndex, 544674367);
    assert.equal(b.rekorBundle.Payload.integratedTime, 1758508965);
    assert.match(new TextDecoder().decode(decodeBase64(b.cert, "cert")), /BEGIN CERTIFICATE/);
    assert.equal(serializeLegacyBundle(b), COSIGN_VECTOR);
  });

  it("omits empty cert and rekorBundle, as Go's omitempty does", () => {
    const text = serializeLegacyBundle({ base64Signature: "MEUCIQ==", cert: "" });
    assert.equal(text, '{"base64Signature":"MEUCIQ=="}');
    assert.deepEqual(parseLegacyBundle(text), { base64Signature: "MEUCIQ==" });
    assert.ok(isLegacyBundleJSON(JSON.parse(text)));
    assert.ok(!isLegacyBundleJSON({ mediaType: "x", base64Signature: "AA==" }));
  });

  it("escapes <, > and & like Go's encoding/json", () => {
    const text = serializeLegacyBundle({
      base64Signature: "AA==",
      rekorBundle: {
        SignedEntryTimestamp: "AA==",
        Payload: { body: "AA==", integratedTime: 1, logIndex: 2, logID: "ab" },
      },
    });
    assert.equal(
      text,
      '{"base64Signature":"AA==","rekorBundle":{"SignedEntryTimestamp":"AA==","Payload":' +
        '{"body":"AA==","integratedTime":1,"logIndex":2,"logID":"ab"}}}',
    );
    // Only reachable through a cert string; JSON.parse reads the escapes back.
    const s = serializeLegacyBundle({ base64Signature: "AA==", cert: "a<b>&" });
    assert.ok(s.includes("a\\u003cb\\u003e\\u0026"));
    assert.equal(JSON.parse(s).cert, "a<b>&");
  });

  it("rejects malformed bundles with clear errors", () => {
    rejects(() => parseLegacyBundle(COSIGN_VECTOR.slice(0, 200)), /not valid JSON/);
    rejects(() => parseLegacyBundle("[]"), /not a JSON object/);
    rejects(() => parseLegacyBundle("{}"), /"base64Signature" is missing/);
    rejects(() => parseLegacyBundle('{"base64Signature":42}'), /not a string/);
    rejects(() => parseLegacyBundle('{"base64Signature":""}'), /empty/);
    rejects(() => parseLegacyBundle('{"base64Signature":"abc!"}'), /not valid base64/);
    rejects(() => parseLegacyBundle('{"base64Signature":"AA==","cert":7}'), /"cert"/);
    const v = JSON.parse(COSIGN_VECTOR);
    const variants: [unknown, RegExp][] = [
      [{ ...v, rekorBundle: "x" }, /not an object/],
      [{ ...v, rekorBundle: { ...v.rekorBundle, SignedEntryTimestamp: "%%" } }, /SignedEntry/],
      [{ ...v, rekorBundle: { ...v.rekorBundle, Payload: null } }, /Payload/],
      [{
        ...v,
        rekorBundle: { ...v.rekorBundle, Payload: { ...v.rekorBundle.Payload, logIndex: -1 } },
      }, /logIndex/],
      [{
        ...v,
        rekorBundle: {
          ...v.rekorBundle,
          Payload: { ...v.rekorBundle.Payload, integratedTime: 1.5 },
        },
      }, /integratedTime/],
      [{
        ...v,
        rekorBundle: { ...v.rekorBundle, Payload: { ...v.rekorBundle.Payload, logID: "xyz" } },
      }, /logID/],
      [
        { ...v, rekorBundle: { ...v.rekorBundle, Payload: { ...v.rekorBundle.Payload, body: 3 } } },
        /body/,
      ],
    ];
    for (const [value, pattern] of variants) rejects(() => legacyBundleFromJSON(value), pattern);
  });
});
