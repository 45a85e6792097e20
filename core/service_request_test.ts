import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Buffer } from "node:buffer";
import { isCosignError } from "./errors.ts";
import {
  getFromService,
  MAX_SERVICE_RESPONSE_BYTES,
  postToService,
  responseJson,
} from "./service_request.ts";
import { closedPortUrl } from "../tests/helpers/sigstore_services.ts";
import { closeServer } from "../tests/helpers/bounded.ts";

let server: Server;
let base: string;

before(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? "/";
    req.resume();
    if (path === "/huge-declared") {
      res.writeHead(200, { "content-length": String(MAX_SERVICE_RESPONSE_BYTES + 1) });
      res.end(); // the declared length is enough to refuse
      return;
    }
    if (path === "/huge-chunked") {
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      let sent = 0;
      const push = () => {
        while (sent < 10 && res.write(chunk)) sent++;
        if (sent < 10) res.once("drain", push);
        else res.end();
      };
      res.on("error", () => {});
      push();
      return;
    }
    if (path === "/teapot") {
      res.writeHead(418, { "content-type": "text/plain" });
      res.end("x".repeat(5000));
      return;
    }
    if (path === "/forbidden") {
      res.writeHead(403);
      res.end("who are you");
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(path === "/json" ? '{"ok":true}' : "<html>");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections?.();
  await closeServer(server);
});

const post = (path: string) =>
  postToService("Rekor", base + path, { body: "{}", contentType: "application/json" });

describe("service requests", () => {
  it("returns JSON from a 2xx answer", async () => {
    const res = await post("/json");
    assert.deepEqual(await responseJson("Rekor", base, res), { ok: true });
    assert.deepEqual(await getFromService("Rekor", base + "/json"), { ok: true });
  });

  it("refuses huge bodies (declared or streamed) with TOO_LARGE", async () => {
    for (const p of ["/huge-declared", "/huge-chunked"]) {
      await assert.rejects(
        (async () => await responseJson("Rekor", base + p, await post(p)))(),
        (e) => isCosignError(e, "TOO_LARGE") && e.message.includes(p),
        p,
      );
    }
  });

  it("names the service, URL and status; quotes a bounded message; 403 is AUTH", async () => {
    await assert.rejects(post("/teapot"), (e) => {
      assert.ok(isCosignError(e, "NETWORK"));
      assert.match(
        e.message,
        /^Rekor at http:\/\/127\.0\.0\.1:\d+\/teapot refused .*HTTP 418: x+$/,
      );
      assert.ok(e.message.length < 600);
      return true;
    });
    await assert.rejects(
      post("/forbidden"),
      (e) => isCosignError(e, "AUTH") && /HTTP 403: who are you/.test(e.message),
    );
    await assert.rejects(
      (async () => await responseJson("Rekor", base, await post("/html")))(),
      (e) => isCosignError(e, "NETWORK") && /not JSON/.test(e.message),
    );
    const down = await closedPortUrl();
    await assert.rejects(
      postToService("Fulcio", down, { body: "", contentType: "application/json" }),
      (e) => isCosignError(e, "NETWORK") && e.message.startsWith(`Cannot reach Fulcio at ${down}`),
    );
    await assert.rejects(
      getFromService("Rekor", base + "/teapot"),
      (e) => isCosignError(e, "NETWORK") && /HTTP 418/.test(e.message),
    );
  });
});

describe("service request deadlines", () => {
  let slow: Server;
  let slowBase: string;
  before(async () => {
    slow = createServer((req, res) => {
      req.resume();
      if (req.url === "/silent") return; // accepts, never answers
      // Headers at once, then one byte every 100 ms, forever.
      res.writeHead(200, { "content-type": "application/json" });
      const t = setInterval(() => res.write(" "), 100);
      res.on("close", () => clearInterval(t));
    });
    await new Promise<void>((r) => slow.listen(0, "127.0.0.1", () => r()));
    slowBase = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
  });
  after(async () => {
    slow.closeAllConnections?.();
    await closeServer(slow);
  });
  const bounded = <T>(p: Promise<T>) =>
    Promise.race([
      p,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error("still running after 5 s")), 5000)
      ),
    ]);

  it("a dripping body hits the total deadline, and the error names it", async () => {
    const t0 = Date.now();
    await assert.rejects(
      bounded((async () => {
        const res = await postToService("Rekor", slowBase + "/drip", {
          body: "{}",
          contentType: "application/json",
          timeoutMs: 500,
        });
        return await responseJson("Rekor", slowBase, res);
      })()),
      (e) => isCosignError(e, "NETWORK") && /no complete answer within 500ms/.test(e.message),
    );
    assert.ok(Date.now() - t0 < 2000);
  });

  it("getFromService keeps its deadline when the caller passes a signal", async () => {
    // Before, a caller's signal replaced the timeout: a silent server hung forever.
    const t0 = Date.now();
    await assert.rejects(
      bounded(getFromService("Rekor", slowBase + "/silent", new AbortController().signal, 400)),
      (e) =>
        isCosignError(e, "NETWORK") &&
        /^Cannot reach Rekor at .*\/silent: timed out: no complete answer within 400ms/.test(
          e.message,
        ),
    );
    assert.ok(Date.now() - t0 < 2000);
  });

  it("the caller's signal (the command's --timeout) stops a request, with its reason", async () => {
    const ctrl = new AbortController();
    setTimeout(() => ctrl.abort(new Error("timed out after 300ms (--timeout)")), 300);
    await assert.rejects(
      bounded(getFromService("Rekor", slowBase + "/drip", ctrl.signal)),
      (e) => isCosignError(e, "NETWORK") && /300ms \(--timeout\)/.test(e.message),
    );
  });
});
