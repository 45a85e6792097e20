import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isCosignError } from "../errors.ts";
import { parseCertificate } from "./certificate.ts";
import { certificateIdentity, checkIdentity } from "./identity.ts";

// Certificates made by an independent implementation (@peculiar/x509) with every SAN type and
// Fulcio's legacy (raw) and newer (DER UTF8String) extensions.
async function makeCert(): Promise<Uint8Array> {
  await import("reflect-metadata");
  const x509 = await import("@peculiar/x509");
  const asn1 = await import("asn1js");
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const keys = await crypto.subtle.generateKey(alg, true, ["sign", "verify"]);
  const utf8 = (s: string) => new asn1.Utf8String({ value: s }).toBER(false);
  const raw = (s: string) => new TextEncoder().encode(s);
  const otherName = new asn1.Constructed({
    idBlock: { tagClass: 3, tagNumber: 0 },
    value: [
      new asn1.ObjectIdentifier({ value: "1.3.6.1.4.1.57264.1.7" }),
      new asn1.Constructed({
        idBlock: { tagClass: 3, tagNumber: 0 },
        value: [new asn1.Utf8String({ value: "octocat!github" })],
      }),
    ],
  });
  const san = new asn1.Sequence({
    value: [
      new asn1.Primitive({
        idBlock: { tagClass: 3, tagNumber: 1 },
        valueHex: raw("me@example.com"),
      }),
      new asn1.Primitive({
        idBlock: { tagClass: 3, tagNumber: 6 },
        valueHex: raw("https://example.com/id"),
      }),
      new asn1.Primitive({
        idBlock: { tagClass: 3, tagNumber: 2 },
        valueHex: raw("host.example.com"),
      }),
      otherName,
    ],
  }).toBER(false);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: "CN=test",
    notBefore: new Date("2025-01-01T00:00:00Z"),
    notAfter: new Date("2025-01-01T00:10:00Z"),
    keys,
    signingAlgorithm: alg,
    extensions: [
      new x509.Extension("2.5.29.17", true, san),
      new x509.Extension("1.3.6.1.4.1.57264.1.1", false, raw("https://legacy.example")),
      new x509.Extension("1.3.6.1.4.1.57264.1.8", false, utf8("https://issuer.example")),
      new x509.Extension("1.3.6.1.4.1.57264.1.20", false, utf8("workflow_dispatch")),
      new x509.Extension("1.3.6.1.4.1.57264.1.12", false, utf8("https://github.com/acme/app")),
      new x509.Extension("1.3.6.1.4.1.57264.1.13", false, utf8("abc123")),
      new x509.Extension("1.3.6.1.4.1.57264.1.14", false, utf8("refs/tags/v1")),
    ],
  });
  return new Uint8Array(cert.rawData);
}

describe("certificate identity", () => {
  it("reads e-mail, URI, DNS and Fulcio otherName SANs and the issuer (1.8 over legacy 1.1)", async () => {
    const id = await certificateIdentity(await parseCertificate(await makeCert()));
    assert.deepEqual(id.sans, [
      "me@example.com",
      "https://example.com/id",
      "host.example.com",
      "octocat!github",
    ]);
    assert.equal(id.issuer, "https://issuer.example");
  });
  it("falls back to the newer GitHub extensions when the legacy ones are absent", async () => {
    const id = await certificateIdentity(await parseCertificate(await makeCert()));
    assert.deepEqual(id.github, {
      trigger: "workflow_dispatch",
      sha: "abc123",
      name: undefined,
      repository: "acme/app",
      ref: "refs/tags/v1",
    });
  });
  it("matches exact values and unanchored regular expressions, and names what differs", async () => {
    const id = await certificateIdentity(await parseCertificate(await makeCert()));
    checkIdentity(id, { identity: "octocat!github", issuer: "https://issuer.example" });
    checkIdentity(id, { identityRegexp: "example\\.com/i", issuerRegexp: "issuer" });
    assert.throws(
      () => checkIdentity(id, { identity: "me@example.org" }),
      (e) => isCosignError(e, "VERIFY") && /expected identity "me@example.org"/.test(e.message),
    );
    assert.throws(
      () => checkIdentity(id, { identityRegexp: "^example" }),
      (e) => isCosignError(e, "VERIFY") && /no identity matches/.test(e.message),
    );
    assert.throws(
      () => checkIdentity(id, { githubWorkflowName: "Release" }),
      (e) => isCosignError(e, "VERIFY") && /GitHub workflow name/.test(e.message),
    );
    assert.throws(() => checkIdentity(id, { issuerRegexp: "(" }), (e) => isCosignError(e, "USAGE"));
  });
});
