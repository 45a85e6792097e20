import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isCosignError } from "./errors.ts";
import {
  legacyBlobBundleText,
  legacyRekorBundleOf,
  legacySignatureBundleJson,
  legacySignatureOfBundle,
  rekorBundleText,
  storedSignatureFromBundleJSON,
  tlogEntryFromRekorBundle,
} from "./legacy_signature.ts";
import { parseLegacyBundle } from "./legacy_bundle.ts";

const pem = (b64: string) => `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
const sig = new TextEncoder().encode("sig");
// SHA-256("abc"), the FIPS 180-2 test vector.
const ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const abc = Uint8Array.from(ABC_SHA256.match(/../g)!, (h) => parseInt(h, 16));
const body = btoa(JSON.stringify({ kind: "hashedrekord", apiVersion: "0.0.1" }));
const entry = {
  logIndex: "42",
  logId: { keyId: btoa("\x01\x02\xff") },
  kindVersion: { kind: "hashedrekord", version: "0.0.1" },
  integratedTime: "1700000000",
  inclusionPromise: { signedEntryTimestamp: btoa("SET") },
  canonicalizedBody: body,
};

describe("legacy signatures as Sigstore bundles", () => {
  it("puts leaf then chain (without repeating the leaf), signature and payload digest", () => {
    // deno-lint-ignore no-explicit-any
    const b: Record<string, any> = legacySignatureBundleJson({
      signature: sig,
      certificate: pem("TEVBRg=="),
      chain: pem("TEVBRg==") + pem("Q0E="),
      rfc3161Timestamp: JSON.stringify({ SignedRFC3161Timestamp: "VFM=" }),
    }, abc);
    assert.deepEqual(
      b.verificationMaterial.x509CertificateChain.certificates.map((c: { rawBytes: string }) =>
        c.rawBytes
      ),
      ["TEVBRg==", "Q0E="],
    );
    assert.deepEqual(b.verificationMaterial.timestampVerificationData.rfc3161Timestamps, [
      { signedTimestamp: "VFM=" },
    ]);
    assert.equal(b.messageSignature.signature, btoa("sig"));
    assert.equal(b.messageSignature.messageDigest.digest, btoa(String.fromCharCode(...abc)));
  });
  it("refuses signatures without a certificate or with malformed annotations", () => {
    assert.throws(
      () => legacySignatureBundleJson({ signature: sig }, abc),
      (e) => isCosignError(e, "VERIFY") && /no certificate/.test(e.message),
    );
    assert.throws(
      () => legacySignatureBundleJson({ signature: sig, certificate: "junk" }, abc),
      (e) => isCosignError(e, "VERIFY"),
    );
    assert.throws(
      () =>
        legacySignatureBundleJson(
          { signature: sig, certificate: pem("TEVBRg=="), rfc3161Timestamp: "{" },
          abc,
        ),
      (e) => isCosignError(e, "VERIFY") && e.check === "timestamp",
    );
  });
});

describe("cosign's Rekor bundle", () => {
  it("round-trips a log entry (Go's field order, hex log ID)", () => {
    const rb = legacyRekorBundleOf(entry)!;
    const text = rekorBundleText(rb);
    assert.equal(
      text,
      `{"SignedEntryTimestamp":"${
        btoa("SET")
      }","Payload":{"body":"${body}","integratedTime":1700000000,"logIndex":42,"logID":"0102ff"}}`,
    );
    assert.deepEqual(tlogEntryFromRekorBundle(text), entry);
  });
  it("gives nothing for an entry without a promise (Rekor v2), and refuses malformed text", () => {
    assert.equal(legacyRekorBundleOf({ ...entry, inclusionPromise: undefined }), undefined);
    for (const bad of ["{", "{}", '{"Payload":{"body":"!!"}}']) {
      assert.throws(
        () => tlogEntryFromRekorBundle(bad),
        (e) => isCosignError(e, "VERIFY") && e.check === "tlog-entry",
        bad,
      );
    }
  });
});

describe("legacy blob bundles", () => {
  it("writes cosign's LocalSignedPayload and reads it back", async () => {
    const rekorBundle = rekorBundleText(legacyRekorBundleOf(entry)!);
    const text = legacyBlobBundleText({
      signature: sig,
      certificate: pem("TEVBRg=="),
      rekorBundle,
    });
    const parsed = parseLegacyBundle(text, "x");
    assert.equal(parsed.base64Signature, btoa("sig"));
    const back = legacySignatureOfBundle(parsed, "x");
    assert.deepEqual(back, { signature: sig, certificate: pem("TEVBRg=="), rekorBundle });
    const stored = await storedSignatureFromBundleJSON(JSON.parse(text), "x.bundle");
    assert.deepEqual(stored.legacy, back);
    await assert.rejects(
      storedSignatureFromBundleJSON({ foo: 1 }, "y"),
      (e) => isCosignError(e, "INVALID_INPUT") && /neither a Sigstore bundle/.test(e.message),
    );
  });
});
