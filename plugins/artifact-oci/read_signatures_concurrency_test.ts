/**
 * readSignatures fetches an image's signature layers `concurrency` at a time (verify
 * `--max-workers`), {@link FETCH_CONCURRENCY} by default, and keeps the layers' order.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { RegistryClient } from "../../oci/client.ts";
import { parseReference } from "../../oci/reference.ts";
import { FETCH_CONCURRENCY, readSignatures } from "./read_signatures.ts";
import type { Descriptor } from "./layout.ts";

const enc = new TextEncoder();
const layers: { d: Descriptor; bytes: Uint8Array }[] = Array.from({ length: 40 }, (_, i) => {
  const bytes = enc.encode(`{"n":${i}}`);
  const digest = "sha256:" + createHash("sha256").update(bytes).digest("hex");
  return {
    bytes,
    d: {
      mediaType: "application/vnd.dev.cosign.simplesigning.v1+json",
      digest,
      size: bytes.length,
      annotations: { "dev.cosignproject.cosign/signature": "AAAA" },
    },
  };
});

function countingClient(): { client: RegistryClient; peak: () => number } {
  let running = 0;
  let peak = 0;
  const byDigest = new Map(layers.map((l) => [l.d.digest, l.bytes]));
  const client = {
    maxSignatureLayers: 1000,
    maxSignatureBytes: 1 << 30,
    async getBlobBytes(_repo: unknown, digest: string): Promise<Uint8Array> {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 3));
      running--;
      return byDigest.get(digest)!;
    },
  } as unknown as RegistryClient;
  return { client, peak: () => peak };
}

const state = {
  manifest: {
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: layers[0].d,
    layers: layers.map((l) => l.d),
  },
  digest: "sha256:" + "0".repeat(64),
  bytes: new Uint8Array(),
};
const sigRef = parseReference("localhost:5000/app:sha256-abc.sig");

describe("readSignatures concurrency", () => {
  for (const n of [1, 4]) {
    it(`fetches at most ${n} layer(s) at once, in order`, async () => {
      const { client, peak } = countingClient();
      const sigs = await readSignatures(client, sigRef, state, n);
      assert.deepEqual(sigs.map((s) => s.descriptor.digest), layers.map((l) => l.d.digest));
      assert.equal(peak(), n);
    });
  }
  it(`defaults to ${FETCH_CONCURRENCY}`, async () => {
    const { client, peak } = countingClient();
    await readSignatures(client, sigRef, state);
    assert.equal(peak(), FETCH_CONCURRENCY);
  });
});
