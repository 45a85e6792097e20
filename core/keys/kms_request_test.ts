import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { kmsRequest } from "./kms_request.ts";
import { CosignError, isCosignError } from "../errors.ts";

describe("kmsRequest", () => {
  let server: Server;
  let base = "";
  const seen: { method?: string; headers: Record<string, unknown>; body: string }[] = [];
  before(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => body += c);
      req.on("end", () => {
        seen.push({ method: req.method, headers: req.headers, body });
        const path = req.url ?? "";
        if (path === "/ok") res.end(JSON.stringify({ data: { echoed: JSON.parse(body || "{}") } }));
        else if (path === "/empty") res.end();
        else if (path === "/garbage") res.end("<html>proxy login</html>");
        else if (path === "/denied") {
          res.statusCode = 403;
          res.end(JSON.stringify({ errors: ["permission denied"] }));
        } else if (path === "/aws") {
          res.statusCode = 400;
          res.end(
            JSON.stringify({ __type: "NotFoundException", message: "Key 'x' does not exist" }),
          );
        } else if (path === "/slow") setTimeout(() => res.end("{}"), 3000);
        else {
          res.statusCode = 500;
          res.end("boom");
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it("sends JSON with the method and headers, returns the JSON answer", async () => {
    const r = await kmsRequest("Vault", `${base}/ok`, {
      method: "PUT",
      headers: { "x-vault-token": "t0k" },
      body: { input: "abc" },
      action: "sign",
    });
    assert.deepEqual(r, { data: { echoed: { input: "abc" } } });
    const last = seen.at(-1)!;
    assert.equal(last.method, "PUT");
    assert.equal(last.headers["x-vault-token"], "t0k");
    assert.equal(last.headers["content-type"], "application/json");
    assert.equal(await kmsRequest("Vault", `${base}/empty`, { action: "x" }), undefined);
  });

  it("garbage, refusals and error JSON become clear errors without the headers", async () => {
    const run = (path: string, extra = {}) =>
      kmsRequest("Vault", `${base}${path}`, {
        action: 'read key "k"',
        headers: { "x-vault-token": "s3cr3t-token" },
        ...extra,
      });
    await assert.rejects(run("/garbage"), (e) => {
      assert.ok(isCosignError(e, "NETWORK"));
      assert.match(e.message, /Cannot read key "k": Vault at .* not JSON: "<html>proxy login/);
      return true;
    });
    await assert.rejects(run("/denied"), (e) => {
      assert.ok(isCosignError(e, "AUTH"));
      assert.match(e.message, /HTTP 403: permission denied/);
      assert.doesNotMatch(`${e.message} ${e.hint}`, /s3cr3t/);
      return true;
    });
    await assert.rejects(
      run("/broken"),
      (e) => isCosignError(e, "NETWORK") && /HTTP 500: boom/.test(e.message),
    );
    await assert.rejects(
      run("/aws", {
        failure: (f: { json: { __type?: string } }) =>
          f.json.__type === "NotFoundException" ? new CosignError("KEY", "no such key") : undefined,
      }),
      (e) => isCosignError(e, "KEY") && e.message === "no such key",
    );
  });

  it("absentOn statuses return undefined without calling failure; others still fail", async () => {
    let called = false;
    const failure = () => {
      called = true;
      return new CosignError("KEY", "worded");
    };
    const absent = await kmsRequest("Vault", `${base}/aws`, {
      action: "read key",
      absentOn: [400],
      failure,
    });
    assert.equal(absent, undefined);
    assert.equal(called, false);
    await assert.rejects(
      kmsRequest("Vault", `${base}/denied`, { action: "read key", absentOn: [400], failure }),
      (e) => isCosignError(e, "KEY") && e.message === "worded",
    );
    assert.equal(called, true);
  });

  it("a slow service fails at the deadline or the caller's signal, naming the service", async () => {
    await assert.rejects(
      kmsRequest("AWS KMS", `${base}/slow`, { action: "sign with k", timeoutMs: 300 }),
      (e) => isCosignError(e, "NETWORK") && /Cannot sign with k: .*AWS KMS.*300ms/.test(e.message),
    );
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const refused = `http://127.0.0.1:${port}/x`;
    await assert.rejects(
      kmsRequest("AWS KMS", refused, { action: "sign" }),
      (e) => isCosignError(e, "NETWORK") && /refused/.test(e.message),
    );
  });
});
