import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  buildSignatureImage,
  BUNDLE_ANNOTATION,
  CERTIFICATE_ANNOTATION,
  CHAIN_ANNOTATION,
  findDuplicate,
  goTime,
  layerDescriptor,
  newSignatureLayer,
  parseSignatureManifest,
  sameLayer,
  SIGNATURE_ANNOTATION,
  signatureTag,
  SIMPLE_SIGNING_MEDIA_TYPE,
  useDockerMediaTypes,
} from "./layout.ts";
import { simpleSigningPayload } from "./simple_signing.ts";
import { sha256Digest } from "../../oci/digest.ts";
import { isCosignError } from "../../core/errors.ts";

const dec = (b: Uint8Array) => new TextDecoder().decode(b);

// A signature cosign v1.13.1 pushed to Docker Hub, recorded in a public HTTP trace
// (jeffhuang4704/just-notes cosign/cosign-traffic.md): payload, config and manifest bytes with
// the digests the registry reported.
const REAL = {
  imageDigest: "sha256:4c1c50d0ffc614f90b93b07d778028dc765548e823f676fb027f61d281ac380d",
  repo: "index.docker.io/chihjenhuang/cosign1",
  payloadDigest: "sha256:b671489ededd1a180bd87235bba00fd83354f9c7d13b71d9f8b66a8e52965ebc",
  signature:
    "MEYCIQCPH7NJAIfrB6BZN91dV0o7l/i11muXrvrAh100jDMMhAIhAPsLH0oXb2OPITXRpWBMUd3vHtz5Ks5pql2Hr6t/IJXw",
  created: "2023-02-17T09:25:33.91047962-08:00",
  config:
    `{"architecture":"","created":"2023-02-17T09:25:33.91047962-08:00","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":["sha256:b671489ededd1a180bd87235bba00fd83354f9c7d13b71d9f8b66a8e52965ebc"]},"config":{}}`,
  configDigest: "sha256:85ad8e17d3d7c00664855c638832bd99f32d42542c2d587851410a45a7f60b95",
  manifest:
    `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":247,"digest":"sha256:85ad8e17d3d7c00664855c638832bd99f32d42542c2d587851410a45a7f60b95"},"layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":252,"digest":"sha256:b671489ededd1a180bd87235bba00fd83354f9c7d13b71d9f8b66a8e52965ebc","annotations":{"dev.cosignproject.cosign/signature":"MEYCIQCPH7NJAIfrB6BZN91dV0o7l/i11muXrvrAh100jDMMhAIhAPsLH0oXb2OPITXRpWBMUd3vHtz5Ks5pql2Hr6t/IJXw"}}]}`,
  manifestDigest: "sha256:7ebe8964225fa4619b53aa35416ef0246c037e36ddf81776b21b15e1dda2262b",
};

describe("signature layout against a real cosign signature", () => {
  it("payload bytes hash to the digest cosign pushed", () => {
    const payload = simpleSigningPayload(REAL.repo, REAL.imageDigest);
    assert.equal(payload.length, 252);
    assert.equal(sha256Digest(payload), REAL.payloadDigest);
  });
  it("config and manifest are byte-identical to cosign's", () => {
    const payload = simpleSigningPayload(REAL.repo, REAL.imageDigest);
    const layer = newSignatureLayer(payload, REAL.signature);
    const img = buildSignatureImage([layerDescriptor(layer)], {
      baseConfig: { created: REAL.created },
    });
    assert.equal(dec(img.config), REAL.config);
    assert.equal(img.configDigest, REAL.configDigest);
    assert.equal(dec(img.manifest), REAL.manifest);
    assert.equal(img.manifestDigest, REAL.manifestDigest);
  });
  it("parses cosign's manifest and rebuilds the same bytes from it", () => {
    const m = parseSignatureManifest(new TextEncoder().encode(REAL.manifest));
    assert.equal(m.layers.length, 1);
    assert.equal(m.layers[0].annotations?.[SIGNATURE_ANNOTATION], REAL.signature);
    const again = buildSignatureImage(m.layers, { base: m, baseConfig: { created: REAL.created } });
    assert.equal(again.manifestDigest, REAL.manifestDigest);
  });
});

describe("signature tags and media types", () => {
  it("names .sig/.att/.sbom tags like cosign", () => {
    const d = "sha256:" + "ab".repeat(32);
    assert.equal(signatureTag(d), `sha256-${"ab".repeat(32)}.sig`);
    assert.equal(signatureTag(d, "att"), `sha256-${"ab".repeat(32)}.att`);
    assert.equal(signatureTag(d, "sbom"), `sha256-${"ab".repeat(32)}.sbom`);
    assert.throws(() => signatureTag("latest"), (e) => isCosignError(e, "INVALID_INPUT"));
  });
  it("reads COSIGN_DOCKER_MEDIA_TYPES as Go's ParseBool", () => {
    for (const v of ["1", "true", "TRUE", "t"]) assert.equal(useDockerMediaTypes(() => v), true);
    for (const v of [undefined, "0", "false", "yes", ""]) {
      assert.equal(useDockerMediaTypes(() => v), false);
    }
  });
  it("writes Docker media types when asked", () => {
    const layer = newSignatureLayer(simpleSigningPayload("r/x", REAL.imageDigest), "c2ln");
    const img = buildSignatureImage([layerDescriptor(layer)], { docker: true });
    const m = JSON.parse(dec(img.manifest));
    assert.equal(m.mediaType, "application/vnd.docker.distribution.manifest.v2+json");
    assert.equal(m.config.mediaType, "application/vnd.docker.container.image.v1+json");
    assert.equal(m.layers[0].mediaType, SIMPLE_SIGNING_MEDIA_TYPE);
    assert.equal(img.mediaType, m.mediaType);
  });
  it("keeps an existing image's media types and created time when appending", () => {
    const l1 = layerDescriptor(newSignatureLayer(new Uint8Array([1]), "YQ=="));
    const l2 = layerDescriptor(newSignatureLayer(new Uint8Array([2]), "Yg=="));
    const first = buildSignatureImage([l1], {
      docker: true,
      created: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 120)),
    });
    const base = parseSignatureManifest(first.manifest);
    const cfg = JSON.parse(dec(first.config));
    assert.equal(cfg.created, "2024-01-02T03:04:05.12Z");
    const second = buildSignatureImage([...base.layers, l2], { base, baseConfig: cfg });
    const m2 = JSON.parse(dec(second.manifest));
    assert.equal(m2.mediaType, "application/vnd.docker.distribution.manifest.v2+json");
    assert.equal(m2.layers.length, 2);
    const cfg2 = JSON.parse(dec(second.config));
    assert.equal(cfg2.created, cfg.created);
    assert.deepEqual(cfg2.rootfs.diff_ids, [l1.digest, l2.digest]);
    assert.equal(cfg2.history.length, 2);
  });
  it("formats times as Go does", () => {
    assert.equal(goTime(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 0))), "2024-01-02T03:04:05Z");
    assert.equal(goTime(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 7))), "2024-01-02T03:04:05.007Z");
  });
});

describe("signature layers", () => {
  it("puts certificate, chain and bundle in cosign's annotations", () => {
    const l = newSignatureLayer(new Uint8Array([1, 2]), new Uint8Array([0xde, 0xad]), {
      certificate: "CERT",
      chain: ["A", "B"],
      bundle: '{"x":1}',
    });
    assert.equal(l.annotations[SIGNATURE_ANNOTATION], "3q0=");
    assert.equal(l.annotations[CERTIFICATE_ANNOTATION], "CERT");
    assert.equal(l.annotations[CHAIN_ANNOTATION], "A\nB");
    assert.equal(l.annotations[BUNDLE_ANNOTATION], '{"x":1}');
    const img = buildSignatureImage([layerDescriptor(l)]);
    const ann = JSON.parse(dec(img.manifest)).layers[0].annotations;
    assert.deepEqual(Object.keys(ann), [...Object.keys(ann)].sort());
  });
  it("rejects malformed manifests with clear errors", () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    const cases = [
      "",
      "{",
      "[]",
      `{"schemaVersion":1}`,
      `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}`,
      `{"schemaVersion":2,"config":{"mediaType":"x","size":1,"digest":"sha256:00"},"layers":[]}`,
      `{"schemaVersion":2,"config":{"mediaType":"x","size":-1,"digest":"sha256:${
        "0".repeat(64)
      }"},"layers":[]}`,
      `{"schemaVersion":2,"config":{"mediaType":"x","size":1,"digest":"sha256:${"0".repeat(64)}"}}`,
      `{"schemaVersion":2,"config":{"mediaType":"x","size":1,"digest":"sha256:${
        "0".repeat(64)
      }"},"layers":[{"mediaType":"x","size":1,"digest":"sha256:${
        "0".repeat(64)
      }","annotations":{"a":1}}]}`,
    ];
    for (const c of cases) {
      assert.throws(
        () => parseSignatureManifest(enc(c)),
        (e) => isCosignError(e, "INVALID_INPUT"),
        c,
      );
    }
  });
});

describe("duplicate detection", () => {
  const payload = simpleSigningPayload("r/x", REAL.imageDigest);
  const a = layerDescriptor(newSignatureLayer(payload, "c2lnLWE="));
  const b = layerDescriptor(newSignatureLayer(payload, "c2lnLWI="));
  it("same layer: same digest, media type and annotations", () => {
    assert.equal(sameLayer(a, { ...a, annotations: { ...a.annotations } }), true);
    assert.equal(sameLayer(a, b), false);
  });
  it("a signature that verifies with the signer's key over the same payload is a duplicate", async () => {
    const verifyAll = () => Promise.resolve(true);
    const verifyNone = () => Promise.resolve(false);
    assert.equal(await findDuplicate([a], b, payload, verifyAll), a);
    assert.equal(await findDuplicate([a], b, payload, verifyNone), undefined);
    assert.equal(await findDuplicate([a], a, payload, verifyNone), a); // identical signature
  });
  it("another payload, or extra annotations on the new one, are not duplicates", async () => {
    const other = layerDescriptor(newSignatureLayer(new Uint8Array([9]), "c2lnLWE="));
    const verifyAll = () => Promise.resolve(true);
    assert.equal(await findDuplicate([other], a, payload, verifyAll), undefined);
    const withCert = layerDescriptor(newSignatureLayer(payload, "c2lnLWI=", { certificate: "C" }));
    assert.equal(await findDuplicate([a], withCert, payload, verifyAll), undefined);
  });
});
