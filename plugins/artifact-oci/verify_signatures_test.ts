import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { generateEcdsaP256 } from "../../core/keys/generate.ts";
import { verifierFromSpki } from "../../core/keys/verifier.ts";
import { isCosignError } from "../../core/errors.ts";
import { layerDescriptor, newSignatureLayer } from "./layout.ts";
import { simpleSigningPayload } from "./simple_signing.ts";
import { signedPayloadJson, type StoredSignature, storedSignature } from "./stored_signature.ts";
import { verifySignatures } from "./verify_signatures.ts";

const DIGEST = "sha256:" + "12".repeat(32);
const OTHER = "sha256:" + "34".repeat(32);

async function signed(
  payload: Uint8Array,
  key = generateEcdsaP256(),
): Promise<{ sig: StoredSignature; key: ReturnType<typeof generateEcdsaP256> }> {
  const raw = await key.signer.sign(payload);
  const layer = newSignatureLayer(payload, raw);
  return { sig: storedSignature(layerDescriptor(layer), payload), key };
}

describe("verifySignatures", () => {
  it("accepts a good signature and rejects another key's", async () => {
    const { sig, key } = await signed(simpleSigningPayload("r/x", DIGEST, { env: "prod" }));
    const verifier = verifierFromSpki((await key.signer.publicKey()).spki);
    const r = await verifySignatures([sig], { verifier, digest: DIGEST, ignoreTlog: true });
    assert.equal(r.verified.length, 1);
    const wrong = verifierFromSpki((await generateEcdsaP256().signer.publicKey()).spki);
    await assert.rejects(
      verifySignatures([sig], { verifier: wrong, digest: DIGEST, ignoreTlog: true }),
      (e) => isCosignError(e, "NO_MATCH") && /invalid signature/.test(e.message),
    );
  });
  it("no signatures is NO_SIGNATURES (exit 10), distinct from NO_MATCH", async () => {
    const verifier = verifierFromSpki((await generateEcdsaP256().signer.publicKey()).spki);
    await assert.rejects(
      verifySignatures([], { verifier, digest: DIGEST }),
      (e) => isCosignError(e, "NO_SIGNATURES") && /no signatures found/.test(e.message),
    );
  });
  it("rejects a valid signature over a payload naming another digest", async () => {
    const { sig, key } = await signed(simpleSigningPayload("r/x", OTHER));
    const verifier = verifierFromSpki((await key.signer.publicKey()).spki);
    await assert.rejects(
      verifySignatures([sig], { verifier, digest: DIGEST, ignoreTlog: true }),
      (e) => isCosignError(e, "NO_MATCH") && /invalid or missing digest/.test(e.message),
    );
  });
  it("requires annotations, and a tampered payload fails", async () => {
    const { sig, key } = await signed(simpleSigningPayload("r/x", DIGEST, { env: "dev" }));
    const verifier = verifierFromSpki((await key.signer.publicKey()).spki);
    await assert.rejects(
      verifySignatures([sig], {
        verifier,
        digest: DIGEST,
        ignoreTlog: true,
        annotations: { env: "prod" },
      }),
      (e) => isCosignError(e, "NO_MATCH") && /annotation/.test(e.message),
    );
    const tampered = { ...sig, payload: simpleSigningPayload("r/x", DIGEST, { env: "prod" }) };
    await assert.rejects(
      verifySignatures([tampered], { verifier, digest: DIGEST, ignoreTlog: true }),
      (e) => isCosignError(e, "NO_MATCH"),
    );
  });
  it("a missing or garbled signature annotation is a clear rejection", async () => {
    const { sig, key } = await signed(simpleSigningPayload("r/x", DIGEST));
    const verifier = verifierFromSpki((await key.signer.publicKey()).spki);
    const missing = { ...sig, base64Signature: undefined };
    await assert.rejects(
      verifySignatures([missing], { verifier, digest: DIGEST, ignoreTlog: true }),
      (e) =>
        isCosignError(e, "NO_MATCH") &&
        /missing "dev.cosignproject.cosign\/signature"/.test(e.message),
    );
    const garbled = { ...sig, base64Signature: "%%%" };
    await assert.rejects(
      verifySignatures([garbled], { verifier, digest: DIGEST, ignoreTlog: true }),
      (e) => isCosignError(e, "NO_MATCH") && /not base64/.test(e.message),
    );
  });
  it("without --insecure-ignore-tlog a signature without a bundle is rejected", async () => {
    const { sig, key } = await signed(simpleSigningPayload("r/x", DIGEST));
    const verifier = verifierFromSpki((await key.signer.publicKey()).spki);
    await assert.rejects(
      verifySignatures([sig], { verifier, digest: DIGEST }),
      (e) => isCosignError(e, "NO_MATCH") && /insecure-ignore-tlog/.test(e.message),
    );
  });
  it("keeps the good ones among bad ones", async () => {
    const key = generateEcdsaP256();
    const good = await signed(simpleSigningPayload("r/x", DIGEST), key);
    const bad = await signed(simpleSigningPayload("r/x", OTHER), key);
    const verifier = verifierFromSpki((await key.signer.publicKey()).spki);
    const r = await verifySignatures([bad.sig, good.sig], {
      verifier,
      digest: DIGEST,
      ignoreTlog: true,
    });
    assert.equal(r.verified.length, 1);
    assert.equal(r.rejected.length, 1);
  });
});

describe("download signature lines", () => {
  it("writes cosign's SignedPayload fields in Go's order", async () => {
    const payload = simpleSigningPayload("r/x", DIGEST);
    const { sig } = await signed(payload);
    const line = signedPayloadJson(sig);
    const o = JSON.parse(line);
    assert.deepEqual(Object.keys(o), [
      "Base64Signature",
      "Payload",
      "Cert",
      "Chain",
      "Bundle",
      "RFC3161Timestamp",
    ]);
    assert.equal(o.Base64Signature, sig.base64Signature);
    assert.deepEqual(Uint8Array.from(atob(o.Payload), (c) => c.charCodeAt(0)), payload);
    assert.equal(o.Cert, null);
    assert.ok(!line.includes("\n"));
  });
});
