import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync, X509Certificate } from "node:crypto";
import { Buffer } from "node:buffer";
import { isCosignError } from "./errors.ts";
import { keylessSigner } from "./keyless_signer.ts";
import { parseTrustedRoot } from "./trust/trusted_root.ts";
import { parseCertificate } from "./verify/certificate.ts";
import { verifyEmbeddedScts } from "./verify/sct.ts";
import { pemCertificates } from "./fulcio.ts";
import {
  closedPortUrl,
  PATHS,
  type SigstoreServices,
  startSigstoreServices,
} from "../tests/helpers/sigstore_services.ts";
import { makeIdentityToken } from "../tests/helpers/oidc.ts";

let svc: SigstoreServices;
before(async () => {
  svc = await startSigstoreServices();
});
after(async () => {
  await svc?.stop();
});

describe("keyless signer (Fulcio v2 + SCT)", () => {
  it("gets a certificate for its ephemeral key, proves possession, checks the SCT", async () => {
    const token = await makeIdentityToken({ sub: "bob@example.com" });
    const { ctlogs } = await parseTrustedRoot(JSON.stringify(svc.trustedRoot), "services");
    const signer = await keylessSigner({ fulcioUrl: svc.fulcioUrl, token, ctlogs });
    try {
      assert.equal(signer.subject, "bob@example.com");
      const chain = await signer.certificateChain();
      assert.equal(chain.length, 2);
      const leaf = new X509Certificate(chain[0]);
      const root = new X509Certificate(Buffer.from(svc.fulcioRoot));
      assert.ok(leaf.verify(root.publicKey));
      // The certified key is the signer's key.
      const spki = leaf.publicKey.export({ type: "spki", format: "der" });
      assert.deepEqual(new Uint8Array(spki), (await signer.publicKey()).spki);
      // The request: token as credential, proof of possession over the e-mail.
      const req = JSON.parse(
        new TextDecoder().decode(svc.requests.filter((r) => r.path === PATHS.fulcio).at(-1)!.body),
      );
      assert.equal(req.credentials.oidcIdentityToken, token);
      const { subtle } = globalThis.crypto;
      const key = await subtle.importKey(
        "spki",
        new Uint8Array(spki),
        {
          name: "ECDSA",
          namedCurve: "P-256",
        },
        false,
        ["verify"],
      );
      const der = Buffer.from(req.publicKeyRequest.proofOfPossession, "base64");
      const raw = derToRaw(der);
      assert.ok(
        await subtle.verify(
          { name: "ECDSA", hash: "SHA-256" },
          key,
          raw,
          new TextEncoder().encode("bob@example.com"),
        ),
        "proof of possession signs the subject",
      );
      // The SCT verifies (TRUST's verifier); our check rejects a Fulcio whose SCT does not.
      const leafDer = pemCertificates(chain[0])[0];
      const issuer = await parseCertificate(pemCertificates(chain[1])[0]);
      assert.equal(await verifyEmbeddedScts(await parseCertificate(leafDer), issuer, ctlogs), 1);
      const otherLog = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).publicKey.export({
        type: "spki",
        format: "der",
      });
      await assert.rejects(
        keylessSigner({
          fulcioUrl: svc.fulcioUrl,
          token,
          ctlogs: ctlogs.map((l) => ({ ...l, spki: new Uint8Array(otherLog) })),
        }),
        (e) => isCosignError(e, "VERIFY") && /its SCT does not verify/.test(e.message),
      );
    } finally {
      await signer.close?.();
    }
  });

  it("reports Fulcio down, Fulcio errors and non-Fulcio answers", async () => {
    const token = await makeIdentityToken({ sub: "bob@example.com" });
    await assert.rejects(
      keylessSigner({ fulcioUrl: await closedPortUrl(), token }),
      (e) => isCosignError(e, "NETWORK") && /Cannot reach Fulcio/.test(e.message),
    );
    svc.fail(PATHS.fulcio, { status: 200, body: "{}" });
    try {
      await assert.rejects(
        keylessSigner({ fulcioUrl: svc.fulcioUrl, token }),
        (e) => isCosignError(e, "NETWORK") && /no certificate chain/.test(e.message),
      );
      svc.fail(PATHS.fulcio, { status: 200, body: "<html>" });
      await assert.rejects(
        keylessSigner({ fulcioUrl: svc.fulcioUrl, token }),
        (e) => isCosignError(e, "NETWORK") && /not JSON/.test(e.message),
      );
    } finally {
      svc.fail(PATHS.fulcio, undefined);
    }
  });
});

function derToRaw(der: Uint8Array): Uint8Array<ArrayBuffer> {
  let o = 2;
  const out = new Uint8Array(64);
  for (let k = 0; k < 2; k++) {
    const len = der[o + 1];
    let v = der.subarray(o + 2, o + 2 + len);
    o += 2 + len;
    while (v.length > 32) v = v.subarray(1);
    out.set(v, k * 32 + 32 - v.length);
  }
  return out;
}
