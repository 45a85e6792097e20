import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isCosignError } from "../../core/errors.ts";
import type { RegistryClient } from "../../oci/client.ts";
import { sha256Digest } from "../../oci/digest.ts";
import { OCI_INDEX, OCI_MANIFEST } from "../../oci/media_types.ts";
import { parseReference, type Reference } from "../../oci/reference.ts";
import type { ManifestData } from "../../oci/transfer.ts";
import { walkManifests } from "./manifest_walk.ts";
import { manifestTree } from "./sign_image.ts";

/** Manifests by digest, served by a stand-in client. */
function store() {
  const all = new Map<string, ManifestData>();
  const put = (doc: unknown, mediaType: string): ManifestData => {
    const bytes = new TextEncoder().encode(JSON.stringify(doc));
    const m = { bytes, mediaType, digest: sha256Digest(bytes) };
    all.set(m.digest, m);
    return m;
  };
  const client = {
    getManifest(ref: Reference) {
      const m = all.get(ref.digest!);
      return m ? Promise.resolve(m) : Promise.reject(new Error(`no ${ref.digest}`));
    },
  } as unknown as RegistryClient;
  const image = (n: number) =>
    put({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: "x", size: 1, digest: sha256Digest(new Uint8Array([n])) },
      layers: [],
    }, OCI_MANIFEST);
  const index = (children: ManifestData[]) =>
    put({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: children.map((c) => ({
        mediaType: c.mediaType,
        size: c.bytes.length,
        digest: c.digest,
      })),
    }, OCI_INDEX);
  return { client, image, index };
}

const repo = parseReference("registry.example/app");

describe("walkManifests (sign --recursive and copy)", () => {
  it("visits the root, then each listed manifest once, parents first", async () => {
    const s = store();
    const [a, b] = [s.image(1), s.image(2)];
    const inner = s.index([b, a]);
    const root = s.index([a, inner]);
    const walked = await walkManifests(s.client, repo, root);
    assert.deepEqual(walked.map((m) => m.digest), [root.digest, a.digest, inner.digest, b.digest]);
    assert.deepEqual(
      await manifestTree(s.client, repo, root.digest),
      [root.digest, a.digest, inner.digest, b.digest],
    );
    // A plain image is its own graph.
    assert.deepEqual(await manifestTree(s.client, repo, a.digest), [a.digest]);
  });

  it("refuses an index nested more than 8 deep, in both commands' walk", async () => {
    const s = store();
    let top = s.index([s.image(1)]);
    for (let i = 0; i < 8; i++) top = s.index([top]);
    const tooDeep = (e: unknown) =>
      isCosignError(e, "INVALID_INPUT") && /nested more than 8 deep/.test(e.message);
    await assert.rejects(walkManifests(s.client, repo, top), tooDeep);
    await assert.rejects(manifestTree(s.client, repo, top.digest), tooDeep);
    // Eight levels are fine.
    const ok = s.index([s.image(2)]);
    let eight = ok;
    for (let i = 0; i < 7; i++) eight = s.index([eight]);
    assert.equal((await walkManifests(s.client, repo, eight)).length, 9);
  });
});
