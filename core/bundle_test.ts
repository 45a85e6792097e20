import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { isCosignError } from "./errors.ts";
import {
  assembleBundleJSON,
  buildMessageSignatureBundle,
  BUNDLE_V03_MEDIA_TYPE,
  bundleCertificates,
  bundleFromJSONValue,
  bundlePublicKeyHint,
  bundleVersion,
  checkBundleJSONValue,
  messageSignatureOf,
  parseBundle,
  publicKeyHint,
  serializeBundle,
} from "./bundle.ts";

const digest = new Uint8Array(createHash("sha256").update("hello\n").digest());
const signature = new Uint8Array([0x30, 0x44, 1, 2, 3, 4, 5, 6]);
const spki = new Uint8Array(91).map((_, i) => i);

async function keyBundleJSON(): Promise<Record<string, unknown>> {
  const b = buildMessageSignatureBundle({
    digest: { algorithm: "sha256", value: digest },
    signature,
    publicKeyHint: await publicKeyHint(spki),
  });
  return JSON.parse(await serializeBundle(b));
}

async function rejects(p: Promise<unknown>, code: "INVALID_INPUT" | "UNSUPPORTED", re: RegExp) {
  await assert.rejects(p, (e) => isCosignError(e, code) && re.test(e.message));
}

describe("Sigstore bundle", () => {
  it("the public-key hint is base64(SHA-256(SPKI DER))", async () => {
    assert.equal(await publicKeyHint(spki), createHash("sha256").update(spki).digest("base64"));
  });

  it("builds the v0.3 message-signature bundle in cosign's JSON shape", async () => {
    const json = await keyBundleJSON();
    assert.deepEqual(json, {
      mediaType: BUNDLE_V03_MEDIA_TYPE,
      verificationMaterial: {
        publicKey: { hint: createHash("sha256").update(spki).digest("base64") },
      },
      messageSignature: {
        messageDigest: { algorithm: "SHA2_256", digest: Buffer.from(digest).toString("base64") },
        signature: Buffer.from(signature).toString("base64"),
      },
    });
    assert.deepEqual(Object.keys(json), ["mediaType", "verificationMaterial", "messageSignature"]);
  });

  it("assembles a bundle with timestampVerificationData only when there are timestamps", async () => {
    const hint = createHash("sha256").update(spki).digest("base64");
    const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");
    const messageSignature = `"messageSignature":{"messageDigest":{"algorithm":"SHA2_256",` +
      `"digest":"${b64(digest)}"},"signature":"${b64(signature)}"}`;
    assert.equal(
      await assembleBundleJSON({ message: { signature, sha256: digest }, publicKey: spki }),
      `{"mediaType":"${BUNDLE_V03_MEDIA_TYPE}","verificationMaterial":{"publicKey":{"hint":` +
        `"${hint}"}},${messageSignature}}`,
    );
    const envelope = {
      payload: "e30=",
      payloadType: "application/vnd.in-toto+json",
      signatures: [{ sig: "AAAA", keyid: "" }],
    };
    // The DSSE bundle sign writes: no empty timestampVerificationData either.
    assert.equal(
      await assembleBundleJSON({ envelope, publicKey: spki, tlogEntries: [] }),
      `{"mediaType":"${BUNDLE_V03_MEDIA_TYPE}","verificationMaterial":{"publicKey":{"hint":` +
        `"${hint}"}},"dsseEnvelope":{"payload":"e30=","payloadType":` +
        `"application/vnd.in-toto+json","signatures":[{"sig":"AAAA"}]}}`,
    );
    const ts = new Uint8Array([0x30, 3, 2, 1, 0]);
    assert.equal(
      await assembleBundleJSON({
        message: { signature, sha256: digest },
        publicKey: spki,
        rfc3161Timestamps: [ts, ts],
      }),
      `{"mediaType":"${BUNDLE_V03_MEDIA_TYPE}","verificationMaterial":{"publicKey":{"hint":` +
        `"${hint}"},"timestampVerificationData":{"rfc3161Timestamps":[{"signedTimestamp":` +
        `"${b64(ts)}"},{"signedTimestamp":"${b64(ts)}"}]}},${messageSignature}}`,
    );
  });

  it("parses every supported media type and round-trips", async () => {
    const json = await keyBundleJSON();
    for (
      const [mediaType, version] of [
        ["application/vnd.dev.sigstore.bundle+json;version=0.1", "0.1"],
        ["application/vnd.dev.sigstore.bundle+json;version=0.2", "0.2"],
        ["application/vnd.dev.sigstore.bundle+json;version=0.3", "0.3"],
        ["application/vnd.dev.sigstore.bundle.v0.3+json", "0.3"],
      ]
    ) {
      const parsed = await parseBundle(JSON.stringify({ ...json, mediaType }), "t");
      assert.equal(parsed.version, version);
      const ms = messageSignatureOf(parsed.bundle);
      assert.deepEqual(ms.signature, signature);
      assert.deepEqual(ms.digest, { algorithm: "sha256", value: digest });
      assert.equal(bundlePublicKeyHint(parsed.bundle), await publicKeyHint(spki));
      assert.deepEqual(bundleCertificates(parsed.bundle), []);
    }
    const again = await parseBundle(new TextEncoder().encode(JSON.stringify(json)));
    assert.deepEqual(JSON.parse(await serializeBundle(again.bundle)), json);
  });

  it("a checked bundle value is parsed once, and again when it changed since", async () => {
    const json = await keyBundleJSON();
    await checkBundleJSONValue(json, "t");
    const first = await bundleFromJSONValue(json, "t");
    assert.deepEqual(messageSignatureOf(first.bundle).signature, signature);
    // Taken once: the next parse is a new one.
    assert.notEqual((await bundleFromJSONValue(json, "t")).bundle, first.bundle);
    // Changed after the check: parsed again, so the change is seen (and refused here).
    await checkBundleJSONValue(json, "t");
    (json.messageSignature as Record<string, unknown>).signature = "not base64!";
    await rejects(bundleFromJSONValue(json, "t"), "INVALID_INPUT", /not valid base64/);
    await rejects(checkBundleJSONValue({ mediaType: 1 }, "t"), "INVALID_INPUT", /mediaType/);
  });

  it("certificate bundles carry the DER certificate", async () => {
    const cert = new Uint8Array([0x30, 0x82, 1, 2]);
    const b = buildMessageSignatureBundle({
      digest: { algorithm: "sha256", value: digest },
      signature,
      certificate: cert,
    });
    const parsed = await parseBundle(await serializeBundle(b));
    assert.deepEqual(bundleCertificates(parsed.bundle), [cert]);
    assert.equal(bundlePublicKeyHint(parsed.bundle), undefined);
  });

  it("rejects unknown versions, malformed JSON and broken fields", async () => {
    const json = await keyBundleJSON();
    assert.throws(
      () => bundleVersion("application/vnd.dev.sigstore.bundle.v0.4+json"),
      (e) => isCosignError(e, "UNSUPPORTED"),
    );
    await rejects(
      parseBundle(
        JSON.stringify({
          ...json,
          mediaType: "application/vnd.dev.sigstore.bundle+json;version=1.0",
        }),
      ),
      "UNSUPPORTED",
      /version 1.0 is not supported/,
    );
    await rejects(
      parseBundle(JSON.stringify({ ...json, mediaType: "text/plain" })),
      "INVALID_INPUT",
      /media type/,
    );
    await rejects(
      parseBundle(JSON.stringify({ ...json, mediaType: 3 })),
      "INVALID_INPUT",
      /mediaType/,
    );
    await rejects(
      parseBundle(JSON.stringify(json).slice(0, 60)),
      "INVALID_INPUT",
      /not valid JSON/,
    );
    await rejects(parseBundle("null"), "INVALID_INPUT", /not a JSON object/);
    const { messageSignature: _, ...noContent } = json;
    await rejects(parseBundle(JSON.stringify(noContent)), "INVALID_INPUT", /content/);
    const ms = json.messageSignature as Record<string, unknown>;
    await rejects(
      parseBundle(JSON.stringify({ ...json, messageSignature: { ...ms, signature: "@@@@" } })),
      "INVALID_INPUT",
      /signature" is not valid base64/,
    );
    await rejects(
      parseBundle(JSON.stringify({ ...json, messageSignature: { ...ms, signature: "" } })),
      "INVALID_INPUT",
      /messageSignature.signature/,
    );
    await rejects(
      parseBundle(JSON.stringify({ ...json, verificationMaterial: { tlogEntries: {} } })),
      "INVALID_INPUT",
      /tlogEntries/,
    );
    // v0.1 needs an inclusion promise on each log entry.
    const entry = {
      logIndex: "1",
      logId: { keyId: "AA==" },
      kindVersion: { kind: "hashedrekord", version: "0.0.1" },
      integratedTime: "1",
      canonicalizedBody: "AA==",
    };
    await rejects(
      parseBundle(JSON.stringify({
        ...json,
        mediaType: "application/vnd.dev.sigstore.bundle+json;version=0.1",
        verificationMaterial: { ...(json.verificationMaterial as object), tlogEntries: [entry] },
      })),
      "INVALID_INPUT",
      /inclusionPromise.*v0.1/,
    );
  });

  it("refuses DSSE content as a message signature, and wrong digest lengths", async () => {
    const dsse = await parseBundle(JSON.stringify({
      mediaType: BUNDLE_V03_MEDIA_TYPE,
      verificationMaterial: { publicKey: { hint: "x" } },
      dsseEnvelope: {
        payload: "e30=",
        payloadType: "application/vnd.in-toto+json",
        signatures: [{ sig: "AAAA" }],
      },
    }));
    assert.throws(() => messageSignatureOf(dsse.bundle), (e) => isCosignError(e, "UNSUPPORTED"));
    const json = await keyBundleJSON();
    const short = await parseBundle(JSON.stringify({
      ...json,
      messageSignature: {
        messageDigest: { algorithm: "SHA2_256", digest: "AAAA" },
        signature: "AAAA",
      },
    }));
    assert.throws(() => messageSignatureOf(short.bundle), (e) => isCosignError(e, "INVALID_INPUT"));
    assert.throws(
      () =>
        buildMessageSignatureBundle({
          digest: { algorithm: "sha384", value: digest },
          signature,
          publicKeyHint: "x",
        }),
      (e) => isCosignError(e, "INVALID_INPUT"),
    );
    assert.throws(
      () =>
        buildMessageSignatureBundle({ digest: { algorithm: "sha256", value: digest }, signature }),
      (e) => isCosignError(e, "INVALID_INPUT"),
    );
  });
});
