import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isCosignError } from "../../core/errors.ts";
import { sigstoreBundleJson } from "./keyless_signature.ts";
import { storedSignature } from "./stored_signature.ts";

const pem = (b64: string) => `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
const desc = (ann: Record<string, string>) => ({
  mediaType: "application/vnd.dev.cosign.simplesigning.v1+json",
  size: 3,
  digest: "sha256:" + "1".repeat(64),
  annotations: { "dev.cosignproject.cosign/signature": btoa("sig"), ...ann },
});

describe("keyless signatures as Sigstore bundles", () => {
  it("puts leaf then chain (without repeating the leaf), signature and payload digest", async () => {
    const sig = storedSignature(
      desc({
        "dev.sigstore.cosign/certificate": pem("TEVBRg=="),
        "dev.sigstore.cosign/chain": pem("TEVBRg==") + pem("Q0E="),
        "dev.sigstore.cosign/rfc3161timestamp": JSON.stringify({ SignedRFC3161Timestamp: "VFM=" }),
      }),
      new TextEncoder().encode("abc"),
    );
    // deno-lint-ignore no-explicit-any
    const b = await sigstoreBundleJson(sig) as Record<string, any>;
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
    // SHA-256("abc"), the FIPS 180-2 test vector.
    assert.equal(
      b.messageSignature.messageDigest.digest,
      btoa(String.fromCharCode(...[
        0xba,
        0x78,
        0x16,
        0xbf,
        0x8f,
        0x01,
        0xcf,
        0xea,
        0x41,
        0x41,
        0x40,
        0xde,
        0x5d,
        0xae,
        0x22,
        0x23,
        0xb0,
        0x03,
        0x61,
        0xa3,
        0x96,
        0x17,
        0x7a,
        0x9c,
        0xb4,
        0x10,
        0xff,
        0x61,
        0xf2,
        0x00,
        0x15,
        0xad,
      ])),
    );
  });
  it("refuses signatures without a certificate or with malformed annotations", async () => {
    const payload = new Uint8Array([1]);
    await assert.rejects(
      sigstoreBundleJson(storedSignature(desc({}), payload)),
      (e) => isCosignError(e, "VERIFY") && /no certificate/.test(e.message),
    );
    await assert.rejects(
      sigstoreBundleJson(
        storedSignature(desc({ "dev.sigstore.cosign/certificate": "junk" }), payload),
      ),
      (e) => isCosignError(e, "VERIFY"),
    );
    await assert.rejects(
      sigstoreBundleJson(storedSignature(
        desc({
          "dev.sigstore.cosign/certificate": pem("TEVBRg=="),
          "dev.sigstore.cosign/rfc3161timestamp": "{",
        }),
        payload,
      )),
      (e) => isCosignError(e, "VERIFY"),
    );
  });
});
