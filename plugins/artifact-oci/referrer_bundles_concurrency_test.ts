/**
 * readSignatureBundles fetches an image's v3 referrer bundles `concurrency` at a time (verify
 * `--max-workers`), 8 by default. The bundles here do not parse (they are skipped): only how
 * many manifests are fetched at once is measured.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { RegistryClient } from "../../oci/client.ts";
import { parseReference } from "../../oci/reference.ts";
import { BUNDLE_ARTIFACT_TYPE, readSignatureBundles } from "./referrer_bundles.ts";

const referrers = Array.from({ length: 30 }, (_, i) => ({
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  digest: "sha256:" + i.toString(16).padStart(64, "0"),
  size: 10,
  artifactType: BUNDLE_ARTIFACT_TYPE,
}));

function countingClient(): { client: RegistryClient; peak: () => number; fetched: () => number } {
  let running = 0;
  let peak = 0;
  let fetched = 0;
  const client = {
    referrers: () => Promise.resolve(referrers),
    async getManifest(): Promise<{ bytes: Uint8Array }> {
      running++;
      fetched++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 3));
      running--;
      return { bytes: new TextEncoder().encode('{"layers":[]}') };
    },
  } as unknown as RegistryClient;
  return { client, peak: () => peak, fetched: () => fetched };
}

const repo = parseReference("localhost:5000/app");
const digest = "sha256:" + "a".repeat(64);

describe("readSignatureBundles concurrency", () => {
  for (const n of [1, 3]) {
    it(`fetches at most ${n} referrer manifest(s) at once`, async () => {
      const { client, peak, fetched } = countingClient();
      const skipped: string[] = [];
      const found = await readSignatureBundles(client, repo, digest, (m) => skipped.push(m), n);
      assert.equal(found.length, 0);
      assert.equal(skipped.length, referrers.length);
      assert.equal(fetched(), referrers.length);
      assert.equal(peak(), n);
    });
  }
  it("defaults to 8", async () => {
    const { client, peak } = countingClient();
    await readSignatureBundles(client, repo, digest, () => {});
    assert.equal(peak(), 8);
  });
});
