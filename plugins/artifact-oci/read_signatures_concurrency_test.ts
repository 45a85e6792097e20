/**
 * readSignatures fetches an image's signature layers `concurrency` at a time (verify
 * `--max-workers`), {@link FETCH_CONCURRENCY} by default, and keeps the layers' order.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { RegistryClient } from "../../oci/client.ts";
import { parseReference } from "../../oci/reference.ts";
import { isCosignError } from "../../core/errors.ts";
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

/** A real RegistryClient whose HTTP exchanges go to a counting in-memory registry. */
function countingClient(
  answer: (digest: string) => Response | undefined = () => undefined,
): { client: RegistryClient; peak: () => number } {
  let running = 0;
  let peak = 0;
  const byDigest = new Map(layers.map((l) => [l.d.digest, l.bytes]));
  const fetch = async (input: string | URL | Request): Promise<Response> => {
    const url = String(input instanceof Request ? input.url : input);
    const digest = /\/blobs\/(sha256:[0-9a-f]{64})$/.exec(url)?.[1];
    if (!digest) return new Response("{}", { status: 200 }); // the /v2/ ping
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, 3));
    running--;
    const special = answer(digest);
    if (special) return special;
    const bytes = byDigest.get(digest)!;
    return new Response(bytes as Uint8Array<ArrayBuffer>, {
      headers: { "content-length": String(bytes.length) },
    });
  };
  const client = new RegistryClient({
    fetch: fetch as typeof globalThis.fetch,
    credentials: () => Promise.resolve(undefined),
  });
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
  it("a missing layer is an INVALID_INPUT error naming it; other failures pass as they are", async () => {
    const missing = layers[7].d.digest;
    const { client } = countingClient((d) =>
      d === missing ? new Response("", { status: 404 }) : undefined
    );
    await assert.rejects(readSignatures(client, sigRef, state, 4), (e: unknown) => {
      assert.ok(isCosignError(e, "INVALID_INPUT"), String(e));
      assert.match((e as Error).message, new RegExp(`signature layer ${missing} of localhost`));
      return true;
    });
    const { client: failing } = countingClient((d) =>
      d === missing ? new Response("", { status: 403 }) : undefined
    );
    await assert.rejects(
      readSignatures(failing, sigRef, state, 4),
      (e: unknown) => isCosignError(e, "AUTH"),
    );
  });
});
