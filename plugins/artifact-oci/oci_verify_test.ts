/**
 * Image signatures through the one verify path (core/verify_artifact.ts) with the "oci"
 * artifact's payload claims: `.sig` layers (as signatures() yields them, via coreSignature)
 * verified against an image pinned by digest, so no registry is needed.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { generateEcdsaP256 } from "../../core/keys/generate.ts";
import { verifierFromSpki } from "../../core/keys/verifier.ts";
import { isCosignError } from "../../core/errors.ts";
import type { Artifact, Context, StoredSignature as CoreSignature } from "../../core/plugin.ts";
import { verifyArtifact } from "../../core/verify_artifact.ts";
import { layerDescriptor, newSignatureLayer } from "./layout.ts";
import { coreSignature, ociArtifactType } from "./oci_artifact.ts";
import { simpleSigningPayload } from "./simple_signing.ts";
import { signedPayloadJson, type StoredSignature, storedSignature } from "./stored_signature.ts";

const DIGEST = "sha256:" + "12".repeat(32);
const OTHER = "sha256:" + "34".repeat(32);
const ctx = {
  env: () => undefined,
  log: { info() {}, warn() {}, debug() {} },
} as unknown as Context;

async function signed(
  payload: Uint8Array,
  key = generateEcdsaP256(),
): Promise<{ sig: StoredSignature; key: ReturnType<typeof generateEcdsaP256> }> {
  const raw = await key.signer.sign(payload);
  const layer = newSignatureLayer(payload, raw);
  return { sig: storedSignature(layerDescriptor(layer), payload), key };
}

/** The image r/x@DIGEST with `sigs` as its `.sig` layers. */
async function image(sigs: StoredSignature[]): Promise<Artifact> {
  const a = await ociArtifactType.resolve(`localhost:5000/r/x@${DIGEST}`, ctx);
  const stored: CoreSignature[] = sigs.map((s) =>
    coreSignature(s, `localhost:5000/r/x:sha256-${"12".repeat(32)}.sig`, "signature")
  );
  return {
    ...a,
    async *signatures() {
      for (const s of stored) yield s;
    },
  };
}

describe("image signatures through verifyArtifact", () => {
  it("accepts a good signature and rejects another key's", async () => {
    const { sig, key } = await signed(simpleSigningPayload("r/x", DIGEST, { env: "prod" }));
    const verifier = verifierFromSpki((await key.signer.publicKey()).spki);
    const r = await verifyArtifact(await image([sig]), { ctx, verifier, ignoreTlog: true });
    assert.equal(r.length, 1);
    const wrong = verifierFromSpki((await generateEcdsaP256().signer.publicKey()).spki);
    await assert.rejects(
      verifyArtifact(await image([sig]), { ctx, verifier: wrong, ignoreTlog: true }),
      (e) =>
        isCosignError(e, "NO_MATCH") && e.check === "signature" &&
        /no matching signatures for image localhost:5000\/r\/x@sha256:.*invalid signature/s
          .test(e.message),
    );
  });
  it("no signatures is NO_SIGNATURES (exit 10), distinct from NO_MATCH", async () => {
    const verifier = verifierFromSpki((await generateEcdsaP256().signer.publicKey()).spki);
    await assert.rejects(
      verifyArtifact(await image([]), { ctx, verifier }),
      (e) => isCosignError(e, "NO_SIGNATURES") && /no signatures found/.test(e.message),
    );
  });
  it("rejects a valid signature over a payload naming another digest", async () => {
    const { sig, key } = await signed(simpleSigningPayload("r/x", OTHER));
    const verifier = verifierFromSpki((await key.signer.publicKey()).spki);
    await assert.rejects(
      verifyArtifact(await image([sig]), { ctx, verifier, ignoreTlog: true }),
      (e) =>
        isCosignError(e, "NO_MATCH") && e.check === "claims" &&
        /invalid or missing digest/.test(e.message),
    );
  });
  it("requires annotations, and a tampered payload fails", async () => {
    const { sig, key } = await signed(simpleSigningPayload("r/x", DIGEST, { env: "dev" }));
    const verifier = verifierFromSpki((await key.signer.publicKey()).spki);
    await assert.rejects(
      verifyArtifact(await image([sig]), {
        ctx,
        verifier,
        ignoreTlog: true,
        annotations: { env: "prod" },
      }),
      (e) => isCosignError(e, "NO_MATCH") && /annotation/.test(e.message),
    );
    const tampered = { ...sig, payload: simpleSigningPayload("r/x", DIGEST, { env: "prod" }) };
    await assert.rejects(
      verifyArtifact(await image([tampered]), { ctx, verifier, ignoreTlog: true }),
      (e) => isCosignError(e, "NO_MATCH") && e.check === "signature",
    );
  });
  it("a missing or garbled signature annotation is a clear rejection", async () => {
    const { sig, key } = await signed(simpleSigningPayload("r/x", DIGEST));
    const verifier = verifierFromSpki((await key.signer.publicKey()).spki);
    const missing = { ...sig, base64Signature: undefined };
    await assert.rejects(
      verifyArtifact(await image([missing]), { ctx, verifier, ignoreTlog: true }),
      (e) =>
        isCosignError(e, "NO_MATCH") &&
        /missing "dev.cosignproject.cosign\/signature"/.test(e.message),
    );
    const garbled = { ...sig, base64Signature: "%%%" };
    await assert.rejects(
      verifyArtifact(await image([garbled]), { ctx, verifier, ignoreTlog: true }),
      (e) => isCosignError(e, "NO_MATCH") && /not base64/.test(e.message),
    );
  });
  it("without --insecure-ignore-tlog a signature without a bundle is rejected", async () => {
    const { sig, key } = await signed(simpleSigningPayload("r/x", DIGEST));
    const verifier = verifierFromSpki((await key.signer.publicKey()).spki);
    await assert.rejects(
      verifyArtifact(await image([sig]), { ctx, verifier }),
      (e) => isCosignError(e, "NO_MATCH") && /insecure-ignore-tlog/.test(e.message),
    );
  });
  it("keeps the good ones among bad ones", async () => {
    const key = generateEcdsaP256();
    const good = await signed(simpleSigningPayload("r/x", DIGEST), key);
    const bad = await signed(simpleSigningPayload("r/x", OTHER), key);
    const verifier = verifierFromSpki((await key.signer.publicKey()).spki);
    const r = await verifyArtifact(await image([bad.sig, good.sig]), {
      ctx,
      verifier,
      ignoreTlog: true,
    });
    assert.equal(r.length, 1);
    assert.equal(r[0].stored.id, good.sig.descriptor.digest);
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
