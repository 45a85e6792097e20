import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { base64Decode } from "../encoding.ts";
import { isCosignError } from "../errors.ts";
import { PUBLIC_GOOD_TRUSTED_ROOT } from "../trust/public_good.ts";
import { parseTrustedRoot } from "../trust/trusted_root.ts";
import { parseCertificate, verifyChain } from "./certificate.ts";

const bundle = JSON.parse(
  readFileSync(
    new URL("../../tests/fixtures/public_good/sigstore-3.1.0.sigstore.json", import.meta.url),
    "utf8",
  ),
);
const leafDer = base64Decode(
  bundle.verificationMaterial.x509CertificateChain.certificates[0].rawBytes,
);
const signedAt = new Date(Number(bundle.verificationMaterial.tlogEntries[0].integratedTime) * 1000);

describe("verifyChain", () => {
  it("checks an authority's own chain again when its certificate bytes change", async () => {
    const trust = await parseTrustedRoot(PUBLIC_GOOD_TRUSTED_ROOT, "public-good");
    const leaf = await parseCertificate(leafDer);
    const first = await verifyChain(leaf, trust.certificateAuthorities, [signedAt]);
    const authority = first.authority;
    // Twice: the second answer comes from the per-authority cache, and is the same.
    const again = await verifyChain(leaf, [authority], [signedAt]);
    assert.equal(again.authority, authority);
    assert.equal(again.path.length, first.path.length);
    // Break the intermediate's own signature (the last byte of its ECDSA s) in place: the leaf
    // still verifies with its key, but the intermediate no longer verifies with the root's.
    const intermediate = authority.certificates[0];
    assert.ok(authority.certificates.length >= 2);
    intermediate[intermediate.length - 1] ^= 1;
    try {
      await assert.rejects(
        verifyChain(leaf, [authority], [signedAt]),
        (e) => isCosignError(e) && /authority's chain does not verify/.test(e.message),
      );
    } finally {
      intermediate[intermediate.length - 1] ^= 1;
    }
    assert.equal((await verifyChain(leaf, [authority], [signedAt])).authority, authority);
  });
});
