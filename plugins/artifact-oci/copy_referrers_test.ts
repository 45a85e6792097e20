import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { referrerKind } from "./copy_referrers.ts";
import { PREDICATE_TYPE_ANNOTATION, SIGN_PREDICATE_TYPE } from "./referrer_bundles.ts";

const bundle = (annotations?: Record<string, string>) => ({
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  digest: "sha256:" + "a".repeat(64),
  size: 1,
  artifactType: "application/vnd.dev.sigstore.bundle.v0.3+json",
  annotations,
});

describe("copy --only: referrer kinds", () => {
  it("classifies bundle referrers as verify does: no predicate type annotation is a signature", () => {
    assert.equal(referrerKind(bundle()), "sig");
    assert.equal(referrerKind(bundle({ [PREDICATE_TYPE_ANNOTATION]: SIGN_PREDICATE_TYPE })), "sig");
    assert.equal(
      referrerKind(bundle({ [PREDICATE_TYPE_ANNOTATION]: "https://slsa.dev/provenance/v1" })),
      "att",
    );
  });

  it("classifies DSSE, in-toto and SBOM referrers, and nothing else", () => {
    const of = (artifactType: string) => referrerKind({ ...bundle(), artifactType });
    assert.equal(of("application/vnd.dsse.envelope.v1+json"), "att");
    assert.equal(of("application/vnd.in-toto+json"), "att");
    assert.equal(of("application/spdx+json"), "sbom");
    assert.equal(of("application/vnd.example.thing"), undefined);
  });
});
