import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isCosignError } from "../../core/errors.ts";
import {
  attestationLayer,
  attestationOfLayer,
  checkAttestationClaims,
} from "./attestation_layer.ts";
import { layerDescriptor } from "./layout.ts";
import { storedSignature } from "./stored_signature.ts";

const enc = new TextEncoder();
const hex = "cd".repeat(32);
const statement = (digest: string) =>
  enc.encode(JSON.stringify({
    _type: "https://in-toto.io/Statement/v0.1",
    subject: [{ name: "r/app", digest: { sha256: digest } }],
    predicateType: "https://slsa.dev/provenance/v1",
    predicate: {},
  }));
const envelope = (payload: Uint8Array, sigs = [{ keyid: "", sig: btoa("sig") }]) =>
  enc.encode(JSON.stringify({
    payloadType: "application/vnd.in-toto+json",
    payload: btoa(String.fromCharCode(...payload)),
    signatures: sigs,
  }));

describe("attestation layers (.att)", () => {
  it("are written as cosign's static.NewAttestation: DSSE media type, empty signature, predicateType", () => {
    const layer = attestationLayer(envelope(statement(hex)), "https://slsa.dev/provenance/v1", {});
    assert.equal(layer.mediaType, "application/vnd.dsse.envelope.v1+json");
    assert.deepEqual(layer.annotations, {
      "dev.cosignproject.cosign/signature": "",
      predicateType: "https://slsa.dev/provenance/v1",
    });
  });
  it("are read back as a v0.1 bundle holding the envelope (key-signed: a public key hint)", () => {
    const layer = attestationLayer(envelope(statement(hex)), "x", {});
    const s = attestationOfLayer(storedSignature(layerDescriptor(layer), layer.payload), "r:att");
    assert.equal(s.problem, undefined);
    const b = s.bundle as Record<string, Record<string, unknown>>;
    assert.deepEqual(b.verificationMaterial.publicKey, { hint: "" });
    assert.equal((b.dsseEnvelope.signatures as unknown[]).length, 1);
    assert.equal(b.messageSignature, undefined);
  });
  it("an unsigned or malformed envelope is a problem naming the layer, not a crash", () => {
    for (const bytes of [envelope(statement(hex), []), enc.encode("not json")]) {
      const layer = attestationLayer(bytes, "x", {});
      const d = layerDescriptor(layer);
      const s = attestationOfLayer(storedSignature(d, layer.payload), "r:att");
      assert.equal(s.bundle, undefined);
      assert.match(s.problem ?? "", new RegExp(d.digest));
    }
  });
  it("claims: the statement's subject must carry the image digest (VERIFY, exit 12)", () => {
    checkAttestationClaims(statement(hex), `sha256:${hex}`);
    assert.throws(
      () => checkAttestationClaims(statement("ef".repeat(32)), `sha256:${hex}`),
      (e) => isCosignError(e, "VERIFY") && /subject/.test((e as Error).message),
    );
    assert.throws(
      () => checkAttestationClaims(enc.encode("[]"), `sha256:${hex}`),
      (e) => isCosignError(e, "VERIFY"),
    );
  });
});
