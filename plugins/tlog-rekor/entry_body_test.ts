/**
 * The one Rekor entry body reader (entry_body.ts) on real entries from tests/fixtures: a
 * public-good hashedrekord 0.0.1, a public-good intoto 0.0.2 (npm provenance) and a staging
 * Rekor v2 hashedrekord 0.0.2; what the submission check and the lookup by signature see of them.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { isCosignError } from "../../core/errors.ts";
import type { TlogEntry, TlogSubmission } from "../../core/plugin.ts";
import { loggedSignatures, readEntryBody } from "./entry_body.ts";
import { assertEntryDescribes } from "./entry_check.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const fixture = (path: string): Json =>
  JSON.parse(readFileSync(new URL(`../../tests/fixtures/${path}`, import.meta.url), "utf8"));
const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, "base64"));
const bodyOf = (e: Json) => JSON.parse(Buffer.from(e.canonicalizedBody, "base64").toString());
const sha256 = (b: Uint8Array) => new Uint8Array(createHash("sha256").update(b).digest());

const hashed = fixture("public_good/new_bundle.txt.sigstore.json");
const intoto = fixture("public_good/sigstore-3.1.0.sigstore.json");
const v2 = fixture("staging/staging-rekor-v2.txt.sigstore.json");
const entryOf = (b: Json): Json => b.verificationMaterial.tlogEntries[0];
const read = (b: Json) =>
  readEntryBody(bodyOf(entryOf(b)), entryOf(b).kindVersion.kind, entryOf(b).kindVersion.version);

describe("Rekor entry bodies (real entries)", () => {
  it("hashedrekord 0.0.1 and 0.0.2: signature, signer and artifact digest", () => {
    for (const b of [hashed, v2]) {
      const logged = read(b);
      assert.equal(logged.content, "message");
      assert.deepEqual(logged.signatures, [{
        signature: bytes(b.messageSignature.signature),
        keyDer: bytes(b.verificationMaterial.certificate.rawBytes),
      }]);
      assert.deepEqual(logged.digest, {
        algorithm: "sha256",
        value: bytes(b.messageSignature.messageDigest.digest),
      });
    }
  });

  it("intoto 0.0.2: the envelope's signature (base64 twice in the body), signer, payload hash", () => {
    const logged = read(intoto);
    const env = intoto.dsseEnvelope;
    assert.equal(logged.content, "dsse");
    assert.equal(logged.payloadType, env.payloadType);
    assert.deepEqual(logged.signatures, [{
      signature: bytes(env.signatures[0].sig),
      keyDer: bytes(intoto.verificationMaterial.x509CertificateChain.certificates[0].rawBytes),
    }]);
    assert.deepEqual(logged.digest, { algorithm: "sha256", value: sha256(bytes(env.payload)) });
  });

  it("the lookup by signature finds every kind, intoto 0.0.2 included", () => {
    assert.deepEqual(loggedSignatures(entryOf(hashed)), [hashed.messageSignature.signature]);
    assert.deepEqual(loggedSignatures(entryOf(v2)), [v2.messageSignature.signature]);
    assert.deepEqual(loggedSignatures(entryOf(intoto)), [intoto.dsseEnvelope.signatures[0].sig]);
    assert.deepEqual(loggedSignatures({ ...entryOf(hashed), canonicalizedBody: "e30=" }), []);
  });

  it("the submission check reads intoto entries too: signature and payload hash", async () => {
    const entry = entryOf(intoto) as TlogEntry;
    const env = intoto.dsseEnvelope;
    const submission = (envelope: Json): TlogSubmission => ({
      kind: "intoto",
      envelope: JSON.stringify(envelope),
      verificationMaterial: "",
    });
    await assertEntryDescribes(entry, submission(env), "R");
    const refused = async (envelope: Json, re: RegExp) =>
      await assert.rejects(
        assertEntryDescribes(entry, submission(envelope), "R"),
        (e) => isCosignError(e, "NETWORK") && re.test(e.message),
      );
    await refused(
      { ...env, signatures: [{ sig: Buffer.from("other").toString("base64") }] },
      /^Rekor at R returned an entry for another envelope signature$/,
    );
    await refused(
      { ...env, payload: Buffer.from("{}").toString("base64") },
      /^Rekor at R returned an entry for another envelope payload$/,
    );
  });

  it("the submission check of a hashedrekord: signature and digest", async () => {
    const b = hashed;
    const s: TlogSubmission = {
      kind: "hashedrekord",
      signature: bytes(b.messageSignature.signature),
      digest: bytes(b.messageSignature.messageDigest.digest),
      verificationMaterial: "",
    };
    await assertEntryDescribes(entryOf(b), s, "R");
    await assert.rejects(
      assertEntryDescribes(entryOf(b), { ...s, digest: new Uint8Array(32) }, "R"),
      /returned an entry for another digest/,
    );
  });
});
