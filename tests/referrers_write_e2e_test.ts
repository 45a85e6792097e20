/**
 * Writing cosign v3 bundles as OCI 1.1 referrers on the real registry (Debian's distribution
 * 2.8, which has no referrers API, so the referrers tag schema's `sha256-<hex>` index is used):
 * the manifest and index are read back by plain HTTP and checked field by field against what
 * cosign's WriteAttestationNewBundleFormat writes; concurrent writers (separate clients, as
 * separate signer processes would be) lose no entry; the reading side finds what was written.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { RegistryClient } from "../oci/client.ts";
import { withDigest } from "../oci/reference.ts";
import { parseReference } from "../oci/reference.ts";
import { writeBundleReferrer } from "../plugins/artifact-oci/bundle_referrer.ts";
import { readSignatureBundles } from "../plugins/artifact-oci/referrer_bundles.ts";
import { pushTestImage, startRegistry, type TestRegistry } from "./helpers/registry.ts";

const sha256hex = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");
const BUNDLE_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json";

/** A syntactically valid v0.3 bundle with a DSSE statement about `digest`. */
function bundleFor(repo: string, digest: string, predicateType: string, n: number): Uint8Array {
  const statement = JSON.stringify({
    _type: "https://in-toto.io/Statement/v1",
    subject: [{ name: repo, digest: { sha256: digest.slice(7) } }],
    predicateType,
    predicate: { n },
  });
  return new TextEncoder().encode(JSON.stringify({
    mediaType: BUNDLE_TYPE,
    verificationMaterial: { publicKey: { hint: "" }, tlogEntries: [] },
    dsseEnvelope: {
      payload: btoa(statement),
      payloadType: "application/vnd.in-toto+json",
      signatures: [{ sig: btoa(`sig-${n}`), keyid: "" }],
    },
  }));
}

describe("cosign v3 bundle referrers written to a real registry (referrers tag schema)", () => {
  let reg: TestRegistry;
  let client: RegistryClient;
  let n = 0;
  const repo = () => `${reg.host}/refw${++n}`;
  /** GET a manifest by plain HTTP: the registry's own JSON, not our client's reading. */
  const raw = async (repoPath: string, ref: string) => {
    const res = await fetch(`${reg.url}/v2/${repoPath}/manifests/${ref}`, {
      headers: {
        accept:
          "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json",
      },
    });
    assert.equal(res.status, 200, `${repoPath}:${ref}`);
    return { text: await res.text(), type: res.headers.get("content-type") };
  };

  before(async () => {
    reg = await startRegistry("plain");
    client = new RegistryClient(reg.clientOptions());
  });
  after(async () => {
    await reg?.stop();
  });

  it("writes the manifest, blobs and fallback index exactly as cosign does", async () => {
    const r = repo();
    const path = r.slice(reg.host.length + 1);
    const img = await pushTestImage(client, `${r}:v1`);
    const bundle = bundleFor(r, img.digest, "https://slsa.dev/provenance/v1", 1);
    const created = new Date("2026-12-02T08:30:01.456Z");
    const put = await writeBundleReferrer(
      client,
      withDigest(parseReference(r), img.digest),
      bundle,
      {
        predicateType: "https://slsa.dev/provenance/v1",
        created,
      },
    );
    assert.equal(put.via, "tag"); // distribution 2.8: no referrers API
    const m = await raw(path, put.digest);
    assert.equal(sha256hex(m.text), put.digest.slice(7));
    const layerDigest = `sha256:${sha256hex(bundle)}`;
    const empty = `sha256:${sha256hex("{}")}`;
    // Go's field order for v1.Manifest (+ artifactType), v1.Descriptor; maps sorted.
    assert.equal(
      m.text,
      `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",` +
        `"config":{"mediaType":"application/vnd.oci.empty.v1+json","size":2,"digest":"${empty}",` +
        `"artifactType":"${BUNDLE_TYPE}"},` +
        `"layers":[{"mediaType":"${BUNDLE_TYPE}","size":${bundle.length},"digest":"${layerDigest}",` +
        `"annotations":{"org.opencontainers.image.title":"sha256-${
          layerDigest.slice(7)
        }.sigstore.json"}}],` +
        `"annotations":{"dev.sigstore.bundle.content":"dsse-envelope",` +
        `"dev.sigstore.bundle.predicateType":"https://slsa.dev/provenance/v1",` +
        `"org.opencontainers.image.created":"2026-12-02T08:30:01Z"},` +
        `"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":${img.manifest.length},"digest":"${img.digest}"},` +
        `"artifactType":"${BUNDLE_TYPE}"}`,
    );
    // The blobs are there, byte for byte.
    const blob = await fetch(`${reg.url}/v2/${path}/blobs/${layerDigest}`);
    assert.deepEqual(new Uint8Array(await blob.arrayBuffer()), bundle);
    const cfg = await fetch(`${reg.url}/v2/${path}/blobs/${empty}`);
    assert.equal(await cfg.text(), "{}");
    // The referrers tag schema: an index at sha256-<hex> listing it with type and annotations.
    const idx = await raw(path, `sha256-${img.digest.slice(7)}`);
    const index = JSON.parse(idx.text);
    assert.equal(index.mediaType, "application/vnd.oci.image.index.v1+json");
    assert.equal(index.manifests.length, 1);
    assert.equal(index.manifests[0].digest, put.digest);
    assert.equal(index.manifests[0].size, new TextEncoder().encode(m.text).length);
    assert.equal(index.manifests[0].artifactType, BUNDLE_TYPE);
    assert.equal(
      index.manifests[0].annotations["dev.sigstore.bundle.predicateType"],
      "https://slsa.dev/provenance/v1",
    );
    // The reading side finds it as an attestation, not as a signature.
    const repoRef = parseReference(r);
    assert.equal((await readSignatureBundles(client, repoRef, img.digest)).length, 0);
    const atts = await readSignatureBundles(
      client,
      repoRef,
      img.digest,
      undefined,
      8,
      "attestation",
    );
    assert.deepEqual(atts.map((a) => a.manifestDigest), [put.digest]);
  });

  it("concurrent writers (separate clients) all end up in the index", async () => {
    const r = repo();
    const img = await pushTestImage(client, `${r}:v1`);
    const image = withDigest(parseReference(r), img.digest);
    const N = 8;
    const results = await Promise.all(
      Array.from({ length: N }, (_, i) => {
        const c = new RegistryClient(reg.clientOptions());
        return writeBundleReferrer(
          c,
          image,
          bundleFor(r, img.digest, "https://sigstore.dev/cosign/sign/v1", i),
          { predicateType: "https://sigstore.dev/cosign/sign/v1" },
        );
      }),
    );
    const path = r.slice(reg.host.length + 1);
    const index = JSON.parse((await raw(path, `sha256-${img.digest.slice(7)}`)).text);
    const listed = index.manifests.map((d: { digest: string }) => d.digest).sort();
    assert.deepEqual(listed, results.map((x) => x.digest).sort());
    assert.equal(new Set(listed).size, N);
  });

  it("a referrer for an image that does not exist is NOT_FOUND, and nothing is written", async () => {
    const r = repo();
    const ghost = `sha256:${"ab".repeat(32)}`;
    await assert.rejects(
      writeBundleReferrer(
        client,
        withDigest(parseReference(r), ghost),
        bundleFor(r, ghost, "x", 0),
      ),
      (e: Error & { code?: string }) => e.code === "NOT_FOUND" && e.message.includes(ghost),
    );
    const res = await fetch(
      `${reg.url}/v2/${r.slice(reg.host.length + 1)}/manifests/sha256-${"ab".repeat(32)}`,
    );
    assert.equal(res.status, 404);
    await res.body?.cancel();
  });
});
