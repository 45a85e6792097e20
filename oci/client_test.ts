/**
 * The registry client on whichever runtime runs this file (deno test and bun test): a compact
 * round trip against real registries (plain and bearer-token) and digest checks against a
 * loopback server that tampers, so both runtimes are shown to give the same answers.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { isCosignError } from "../core/errors.ts";
import { RegistryClient } from "./client.ts";
import { sha256Digest } from "./digest.ts";
import { OCI_MANIFEST } from "./media_types.ts";
import {
  pushTestImage,
  pushTestIndex,
  startRegistry,
  type TestRegistry,
} from "../tests/helpers/registry.ts";

describe("RegistryClient on this runtime", () => {
  let plain: TestRegistry;
  let token: TestRegistry;
  before(async () => {
    [plain, token] = await Promise.all([startRegistry("plain"), startRegistry("token")]);
  });
  after(async () => {
    await plain?.stop();
    await token?.stop();
  });

  for (const which of ["plain", "token"] as const) {
    it(`round trip on the ${which} registry`, async () => {
      const reg = which === "plain" ? plain : token;
      const client = new RegistryClient(reg.clientOptions());
      const img = await pushTestImage(client, `${reg.host}/rt/app:v1`);
      const m = await client.getManifest(`${reg.host}/rt/app:v1`);
      assert.deepEqual(m.bytes, img.manifest);
      const big = new Uint8Array(randomBytes(1_500_000));
      const d = await client.putBlob(`${reg.host}/rt/app`, big, { chunkSize: 600_000 });
      assert.equal(d.digest, sha256Digest(big));
      assert.deepEqual(await client.getBlobBytes(`${reg.host}/rt/app`, d.digest), big);
      const idx = await pushTestIndex(client, `${reg.host}/rt/idx:v1`);
      assert.equal(await client.resolveDigest(`${reg.host}/rt/idx:v1`), idx.digest);
      const r = await client.putReferrer(
        `${reg.host}/rt/app`,
        new TextEncoder().encode(JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          artifactType: "application/x.test",
          config: img.config,
          layers: [],
          subject: img.descriptor,
        })),
        OCI_MANIFEST,
      );
      const refs = await client.referrers(`${reg.host}/rt/app`, img.digest);
      assert.deepEqual(refs.map((x) => x.digest), [r.digest]);
      assert.ok((await client.listTags(`${reg.host}/rt/app`)).includes("v1"));
    });
  }

  it("detects tampered blobs and manifests", async () => {
    const blob = new Uint8Array(randomBytes(2048));
    const server: Server = createServer((req, res) => {
      if (req.url === "/v2/") return void res.writeHead(200).end();
      const t = new Uint8Array(blob);
      t[0] ^= 0xff;
      res.writeHead(200, { "content-type": OCI_MANIFEST }).end(t);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const a = server.address();
    const host = `127.0.0.1:${typeof a === "object" && a ? a.port : 0}`;
    try {
      const client = new RegistryClient({ credentials: () => Promise.resolve(undefined) });
      const digest = sha256Digest(blob);
      await assert.rejects(
        client.getBlobBytes(`${host}/x`, digest),
        (e: unknown) => isCosignError(e, "VERIFY"),
      );
      await assert.rejects(
        client.getManifest(`${host}/x@${digest}`),
        (e: unknown) => isCosignError(e, "VERIFY"),
      );
    } finally {
      server.closeAllConnections?.();
      await new Promise((r) => server.close(r));
    }
  });
});
