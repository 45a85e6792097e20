import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import { isCosignError } from "../../core/errors.ts";
import { requestTimestamp } from "./tsa_client.ts";
import {
  PATHS,
  type SigstoreServices,
  startSigstoreServices,
} from "../../tests/helpers/sigstore_services.ts";
import { runProcess } from "../../tests/helpers/cli.ts";
import { closeServer } from "../../tests/helpers/bounded.ts";

let svc: SigstoreServices;
let fake: Server;
let fakeUrl: string;
let fakeBody: Uint8Array = new Uint8Array();
let dir: string;

before(async () => {
  svc = await startSigstoreServices();
  fake = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/timestamp-reply" });
    res.end(Buffer.from(fakeBody));
  });
  await new Promise<void>((r) => fake.listen(0, "127.0.0.1", () => r()));
  fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}/tsr`;
  dir = await mkdtemp(join(tmpdir(), "cosign-ts-tsa-"));
});

after(async () => {
  await svc?.stop();
  await closeServer(fake);
  await rm(dir, { recursive: true, force: true });
});

describe("RFC 3161 client", () => {
  it("gets a timestamp over the data's SHA-256 that openssl ts -verify accepts", async () => {
    const data = new TextEncoder().encode("signature bytes");
    const ts = await requestTimestamp(svc.tsaUrl, data);
    assert.ok(Math.abs(ts.genTime.getTime() - svc.clock.getTime()) < 1000, String(ts.genTime));
    const req = svc.requests.filter((r) => r.path === PATHS.tsa).at(-1)!;
    assert.equal(req.contentType, "application/timestamp-query");
    // Independent check with openssl: imprint, signature, TSA chain of the trusted root.
    const chain = (svc.trustedRoot.timestampAuthorities as {
      certChain: { certificates: { rawBytes: string }[] };
    }[])[0]
      .certChain.certificates.map((c) =>
        `-----BEGIN CERTIFICATE-----\n${c.rawBytes}\n-----END CERTIFICATE-----\n`
      );
    await writeFile(join(dir, "data"), data);
    await writeFile(join(dir, "resp.tsr"), ts.response);
    await writeFile(join(dir, "int.pem"), chain[0]);
    await writeFile(join(dir, "root.pem"), chain[1]);
    const r = await runProcess("openssl", [
      "ts",
      "-verify",
      "-data",
      join(dir, "data"),
      "-in",
      join(dir, "resp.tsr"),
      "-CAfile",
      join(dir, "root.pem"),
      "-untrusted",
      join(dir, "int.pem"),
    ]);
    assert.match(r.out, /Verification: OK/, r.err);
    // And it does not verify for other data.
    await writeFile(join(dir, "other"), "other");
    const bad = await runProcess("openssl", [
      "ts",
      "-verify",
      "-data",
      join(dir, "other"),
      "-in",
      join(dir, "resp.tsr"),
      "-CAfile",
      join(dir, "root.pem"),
      "-untrusted",
      join(dir, "int.pem"),
    ]);
    assert.doesNotMatch(bad.out, /Verification: OK/);
  });

  it("rejects a response for another imprint, garbage, and HTTP failures", async () => {
    // A genuine response from the TSA, but for other data (JSON API of the mock).
    const res = await fetch(svc.tsaUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        artifactHash: Buffer.alloc(32, 7).toString("base64"),
        hashAlgorithm: "sha256",
        nonce: 5,
      }),
    });
    fakeBody = new Uint8Array(await res.arrayBuffer());
    await assert.rejects(
      requestTimestamp(fakeUrl, new Uint8Array([1, 2, 3])),
      (e) => isCosignError(e, "NETWORK") && /another message imprint/.test(e.message),
    );
    fakeBody = new TextEncoder().encode("<html>hello</html>");
    await assert.rejects(
      requestTimestamp(fakeUrl, new Uint8Array([1])),
      (e) => isCosignError(e, "NETWORK") && /not a DER TimeStampResp/.test(e.message),
    );
    svc.fail(PATHS.tsa, { status: 500, body: "boom" });
    try {
      await assert.rejects(
        requestTimestamp(svc.tsaUrl, new Uint8Array([1])),
        (e) => isCosignError(e, "NETWORK") && /HTTP 500: boom/.test(e.message),
      );
    } finally {
      svc.fail(PATHS.tsa, undefined);
    }
  });
});
