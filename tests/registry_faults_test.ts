/**
 * Faults: a real registry killed mid-upload, nobody listening, an unknown host; and, on a tiny
 * fake HTTP server on loopback, the faults a real registry cannot be made to produce: tampered
 * manifests and blobs, 503/429 with Retry-After, dropped connections, a registry that never
 * answers, malformed answers, lying Content-Length, and tag paging with Link headers (which
 * distribution 2.8 does not implement). Issue 13's hostile registries: silent servers (one
 * timeout, no retries over two schemes), drip-fed bodies (total deadline), Link loops and
 * endless pages, oversized referrers lists and signature images (budgets), also through
 * dist/cosign-ts verify.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { startDeadline } from "../core/deadline.ts";
import { type CosignError, isCosignError } from "../core/errors.ts";
import { RegistryClient } from "../oci/client.ts";
import { sha256Digest } from "../oci/digest.ts";
import { OCI_MANIFEST } from "../oci/media_types.ts";
import { parseReference } from "../oci/reference.ts";
import { readSignatures } from "../plugins/artifact-oci/mod.ts";
import { freePort, pushTestImage, startRegistry } from "./helpers/registry.ts";
import { cosign, tempDir } from "./helpers/cli.ts";
import { genKey } from "./helpers/openssl.ts";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function fakeServer(handler: Handler): Promise<{ host: string; close: () => Promise<void> }> {
  const server: Server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const a = server.address();
  const port = typeof a === "object" && a ? a.port : 0;
  return {
    host: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections?.();
        server.close(() => r());
      }),
  };
}

const quick = {
  retry: { retries: 2, baseMs: 10, maxMs: 50 },
  credentials: () => Promise.resolve(undefined),
};
const enc = new TextEncoder();
/** Default retries (before the fix, each silent attempt was retried) and a short timeout. */
const silentServerOptions = {
  credentials: quick.credentials,
  retry: { retries: 3, baseMs: 10, maxMs: 50 },
  timeoutMs: 300,
};

describe("registry faults", () => {
  it("connection refused: NETWORK error naming the registry", async () => {
    const port = await freePort();
    const client = new RegistryClient(quick);
    await assert.rejects(client.getManifest(`127.0.0.1:${port}/a:v1`), (e: unknown) => {
      assert.ok(isCosignError(e, "NETWORK"), String(e));
      assert.match((e as Error).message, new RegExp(`127\\.0\\.0\\.1:${port}.*connection refused`));
      return true;
    });
  });

  it("unknown registry host: NETWORK error, HTTPS only for non-local hosts", async () => {
    const client = new RegistryClient({ ...quick, timeoutMs: 5000 });
    await assert.rejects(client.getManifest("no-such-registry.invalid/a:v1"), (e: unknown) => {
      assert.ok(isCosignError(e, "NETWORK"), String(e));
      assert.match((e as Error).message, /no-such-registry\.invalid/);
      return true;
    });
  });

  it("a registry killed mid-upload fails the upload (never reported as success)", async () => {
    const reg = await startRegistry("plain");
    try {
      const client = new RegistryClient(reg.clientOptions());
      await pushTestImage(client, `${reg.host}/crash/app:v1`, { layers: 1 });
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(c) {
          sent++;
          if (sent === 3) reg.kill(); // dies after two chunks went up
          if (sent > 20) return c.close();
          c.enqueue(new Uint8Array(randomBytes(256 * 1024)));
        },
      });
      await assert.rejects(
        client.putBlob(`${reg.host}/crash/app`, stream, { chunkSize: 256 * 1024 }),
        (e: unknown) => {
          assert.ok(isCosignError(e, "NETWORK"), String(e));
          assert.match((e as Error).message, /upload blob chunk|finish blob upload/);
          return true;
        },
      );
      await assert.rejects(
        client.putManifest(`${reg.host}/crash/app:v2`, enc.encode("{}"), OCI_MANIFEST),
        (e: unknown) => isCosignError(e, "NETWORK"),
      );
    } finally {
      await reg.stop();
    }
  });

  it("a registry that accepts and never answers (even /v2/) fails within one timeout", async () => {
    const silent = await fakeServer(() => {/* never answers */});
    try {
      const c = new RegistryClient(silentServerOptions);
      const t0 = Date.now();
      await assert.rejects(c.getManifest(`${silent.host}/a:v1`), (e: unknown) => {
        assert.ok(isCosignError(e, "NETWORK"), String(e));
        assert.match((e as Error).message, /reach registry .*no answer within 300ms/);
        return true;
      });
      // Before: https, then plain HTTP with 3 retries: 5 timeouts.
      assert.ok(Date.now() - t0 < 900, `took ${Date.now() - t0} ms`);
    } finally {
      await silent.close();
    }
  });

  it("blob redirects to another origin are followed without the registry's credentials", async () => {
    const blob = new Uint8Array(randomBytes(5000));
    const seenAuth: (string | undefined)[] = [];
    const cdn = await fakeServer((req, res) => {
      seenAuth.push(req.headers.authorization);
      res.writeHead(200).end(blob);
    });
    const registry = await fakeServer((req, res) => {
      if (req.headers.authorization !== "Basic " + btoa("u:p")) {
        return void res.writeHead(401, { "www-authenticate": 'Basic realm="x"' }).end();
      }
      if (req.url === "/v2/") return void res.writeHead(200).end();
      res.writeHead(307, { location: `http://${cdn.host}/blob?sig=1` }).end();
    });
    try {
      const client = new RegistryClient({
        ...quick,
        credentials: { username: "u", password: "p" },
      });
      const got = await client.getBlobBytes(`${registry.host}/r`, sha256Digest(blob));
      assert.deepEqual(got, blob);
      assert.deepEqual(seenAuth, [undefined]);
    } finally {
      await cdn.close();
      await registry.close();
    }
  });

  describe("on a fake registry", () => {
    const body = enc.encode(
      JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, layers: [] }),
    );
    const digest = sha256Digest(body);
    const blob = new Uint8Array(randomBytes(3000));
    const blobDigest = sha256Digest(blob);
    let mode = "";
    let hits = 0;
    let srv: { host: string; close: () => Promise<void> };
    before(async () => {
      srv = await fakeServer((req, res) => {
        const url = req.url ?? "";
        if (url === "/v2/") return void res.writeHead(200).end("{}");
        hits++;
        if (mode === "tamper" && url.includes("/manifests/")) {
          const t = new Uint8Array(body);
          t[t.length - 2] ^= 1;
          return void res.writeHead(200, { "content-type": OCI_MANIFEST }).end(t);
        }
        if (mode === "tamper" && url.includes("/blobs/")) {
          const t = new Uint8Array(blob);
          t[10] ^= 1;
          return void res.writeHead(200).end(t);
        }
        if (mode === "header-digest" && url.includes("/manifests/")) {
          return void res.writeHead(200, {
            "content-type": OCI_MANIFEST,
            "docker-content-digest": sha256Digest(enc.encode("other")),
          }).end(body);
        }
        if (mode === "flaky") {
          if (hits === 1) return void res.writeHead(503, { "retry-after": "0" }).end();
          if (hits === 2) return void res.writeHead(429).end();
          if (hits === 3) return void req.socket.destroy();
          return void res.writeHead(200, { "content-type": OCI_MANIFEST }).end(body);
        }
        if (mode === "always503") return void res.writeHead(503).end("down for maintenance");
        if (mode === "hang") return; // never answers
        if (mode === "drip" && url.includes("/manifests/")) {
          // Headers at once, then one byte every 100 ms, forever: an idle timer never fires.
          res.writeHead(200, { "content-type": OCI_MANIFEST });
          const t = setInterval(() => res.write(" "), 100);
          res.on("close", () => clearInterval(t));
          return;
        }
        if (mode === "drip-known-length" && url.includes("/manifests/")) {
          // A declared length, then one byte every 100 ms.
          res.writeHead(200, { "content-type": OCI_MANIFEST, "content-length": "1000" });
          const t = setInterval(() => res.write(" "), 100);
          res.on("close", () => clearInterval(t));
          return;
        }
        if ((mode === "big-sigs" || mode === "many-sigs") && url.includes("/manifests/")) {
          // big: 20 distinct 16 MiB layers (320 MiB); many: 3000 distinct 1-byte layers.
          const many = mode === "many-sigs";
          const layers = Array.from({ length: many ? 3000 : 20 }, (_, i) => ({
            mediaType: "application/vnd.dev.cosign.simplesigning.v1+json",
            size: many ? 1 : 16 * 1024 * 1024,
            digest: sha256Digest(enc.encode(`layer${i}`)),
            annotations: { "dev.cosignproject.cosign/signature": "MEUCIQ==" },
          }));
          return void res.writeHead(200, { "content-type": OCI_MANIFEST }).end(
            JSON.stringify({
              schemaVersion: 2,
              mediaType: OCI_MANIFEST,
              config: { mediaType: "application/vnd.oci.image.config.v1+json", size: 2, digest },
              layers,
            }),
          );
        }
        if (mode === "link-loop" && url.includes("/tags/list")) {
          return void res.writeHead(200, {
            "content-type": "application/json",
            link: `</v2/r/tags/list?n=1&last=a>; rel="next"`,
          }).end(JSON.stringify({ name: "r", tags: ["a"] }));
        }
        if (mode === "endless-pages" && url.includes("/tags/list")) {
          const next = hits + 1;
          return void res.writeHead(200, {
            "content-type": "application/json",
            link: `</v2/r/tags/list?n=1&last=t${next}>; rel="next"`,
          }).end(JSON.stringify({ name: "r", tags: [`t${hits}`] }));
        }
        if (mode === "many-referrers" && url.startsWith(`/v2/r/referrers/`)) {
          const manifests = Array.from({ length: 300 }, (_, i) => ({
            mediaType: OCI_MANIFEST,
            digest: sha256Digest(enc.encode(`r${i}`)),
            size: 1,
            artifactType: "x/a",
          }));
          return void res.writeHead(200, {
            "content-type": "application/vnd.oci.image.index.v1+json",
          }).end(JSON.stringify({ schemaVersion: 2, manifests }));
        }
        if (mode === "stall" && url.includes("/blobs/")) {
          res.writeHead(200, { "content-length": String(blob.length) });
          return void res.write(blob.subarray(0, 100)); // then nothing more
        }
        if (mode === "bad-json" && url.includes("/tags/list")) {
          return void res.writeHead(200, { "content-type": "application/json" }).end("{not json");
        }
        if (mode === "huge" && url.includes("/blobs/")) {
          return void res.writeHead(200, { "content-length": String(1 << 30) }).end();
        }
        if (mode === "short" && url.includes("/blobs/")) {
          return void res.writeHead(200).end(blob.subarray(0, 100));
        }
        if (mode === "pages" && url.includes("/tags/list")) {
          const u = new URL(url, "http://x");
          const all = ["a", "b", "c", "d", "e"];
          const last = u.searchParams.get("last");
          const start = last ? all.indexOf(last) + 1 : 0;
          const page = all.slice(start, start + 2);
          const headers: Record<string, string> = { "content-type": "application/json" };
          if (start + 2 < all.length) {
            headers.link = `</v2/r/tags/list?n=2&last=${page[page.length - 1]}>; rel="next"`;
          }
          return void res.writeHead(200, headers).end(JSON.stringify({ name: "r", tags: page }));
        }
        if (mode === "referrers-api") {
          // A registry with the OCI 1.1 referrers API (distribution 2.8 has none).
          if (url.startsWith(`/v2/r/referrers/${digest}`)) {
            const all = [
              {
                mediaType: OCI_MANIFEST,
                digest: sha256Digest(enc.encode("a")),
                size: 1,
                artifactType: "x/a",
              },
              {
                mediaType: OCI_MANIFEST,
                digest: sha256Digest(enc.encode("b")),
                size: 1,
                artifactType: "x/b",
              },
            ];
            return void res.writeHead(200, {
              "content-type": "application/vnd.oci.image.index.v1+json",
            })
              .end(
                JSON.stringify({
                  schemaVersion: 2,
                  mediaType: "application/vnd.oci.image.index.v1+json",
                  manifests: all,
                }),
              );
          }
          if (req.method === "PUT" && url.includes("/manifests/")) {
            req.resume();
            return void req.on(
              "end",
              () =>
                res.writeHead(201, {
                  "oci-subject": digest,
                  "docker-content-digest": url.split("/").pop()!,
                }).end(),
            );
          }
        }
        if (mode === "forbidden") {
          return void res.writeHead(403, { "content-type": "application/json" }).end(
            JSON.stringify({ errors: [{ code: "DENIED", message: "requested access is denied" }] }),
          );
        }
        res.writeHead(404).end();
      });
    });
    after(async () => {
      await srv?.close();
    });
    const client = () => new RegistryClient({ ...quick, timeoutMs: 1000 });
    const set = (m: string) => {
      mode = m;
      hits = 0;
    };

    it("a tampered manifest fetched by digest is a VERIFY error", async () => {
      set("tamper");
      await assert.rejects(client().getManifest(`${srv.host}/r@${digest}`), (e: unknown) => {
        assert.ok(isCosignError(e, "VERIFY"), String(e));
        assert.match((e as Error).message, /does not match its digest/);
        return true;
      });
    });

    it("a manifest whose Docker-Content-Digest disagrees with its bytes is rejected", async () => {
      set("header-digest");
      await assert.rejects(
        client().getManifest(`${srv.host}/r:v1`),
        (e: unknown) => isCosignError(e, "VERIFY"),
      );
    });

    it("a tampered blob fails the stream at the end; getBlobBytes rejects", async () => {
      set("tamper");
      await assert.rejects(client().getBlobBytes(`${srv.host}/r`, blobDigest), (e: unknown) => {
        assert.ok(isCosignError(e, "VERIFY"), String(e));
        assert.match((e as Error).message, /does not match its digest/);
        return true;
      });
    });

    it("a truncated blob (size from the descriptor) is rejected", async () => {
      set("short");
      await assert.rejects(
        client().getBlobBytes(`${srv.host}/r`, blobDigest, { size: blob.length }),
        (e: unknown) => isCosignError(e, "VERIFY"),
      );
    });

    it("a blob announced larger than the cap is TOO_LARGE before reading", async () => {
      set("huge");
      await assert.rejects(
        client().getBlob(`${srv.host}/r`, blobDigest),
        (e: unknown) => isCosignError(e, "TOO_LARGE"),
      );
    });

    it("retries 503 (Retry-After), 429 and a dropped connection, then succeeds", async () => {
      set("flaky");
      const m = await client().getManifest(`${srv.host}/r@${digest}`);
      assert.equal(m.digest, digest);
      assert.equal(hits, 4);
    });

    it("gives up after bounded retries on a persistent 503", async () => {
      set("always503");
      await assert.rejects(client().getManifest(`${srv.host}/r:v1`), (e: unknown) => {
        assert.ok(isCosignError(e, "NETWORK"), String(e));
        assert.match((e as Error).message, /HTTP 503/);
        return true;
      });
      assert.equal(hits, 3); // first try + 2 retries
    });

    it("a registry that never answers times out", async () => {
      set("hang");
      const c = new RegistryClient({ ...quick, retry: { retries: 0 }, timeoutMs: 300 });
      const t0 = Date.now();
      await assert.rejects(c.getManifest(`${srv.host}/r:v1`), (e: unknown) => {
        assert.ok(isCosignError(e, "NETWORK"), String(e));
        assert.match((e as Error).message, /timed out|no answer/);
        return true;
      });
      assert.ok(Date.now() - t0 < 5000);
    });

    it("a registry that never answers is not retried: one attempt, the error names the limit", async () => {
      set("hang");
      // Default retries: before, each silent attempt was retried (4 x the timeout).
      const c = new RegistryClient(silentServerOptions);
      const t0 = Date.now();
      await assert.rejects(c.getManifest(`${srv.host}/r:v1`), (e: unknown) => {
        assert.ok(isCosignError(e, "NETWORK"), String(e));
        assert.match((e as Error).message, /no answer within 300ms/);
        return true;
      });
      assert.ok(Date.now() - t0 < 900, `took ${Date.now() - t0} ms`);
      assert.equal(hits, 1);
    });

    it("a registry that drips one byte at a time hits the total deadline", async () => {
      set("drip");
      const c = new RegistryClient({
        ...quick,
        retry: { retries: 0 },
        timeoutMs: 300,
        deadlineMs: 800,
      });
      const t0 = Date.now();
      const bounded = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error("still running after 5 s")), 5000)
      );
      await assert.rejects(
        Promise.race([c.getManifest(`${srv.host}/r:v1`), bounded]),
        (e: unknown) => {
          assert.ok(isCosignError(e, "NETWORK"), String(e));
          assert.match((e as Error).message, /get manifest .*r:v1.*within 800ms/);
          return true;
        },
      );
      assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
    });

    it("the command's signal stops a dripping body", async () => {
      set("drip");
      const ctrl = new AbortController();
      const c = new RegistryClient({ ...quick, retry: { retries: 0 }, signal: ctrl.signal });
      setTimeout(() => ctrl.abort(new Error("timed out after 400ms (--timeout)")), 400);
      const t0 = Date.now();
      await assert.rejects(c.getManifest(`${srv.host}/r:v1`), (e: unknown) => {
        assert.ok(isCosignError(e, "NETWORK"), String(e));
        assert.match((e as Error).message, /400ms \(--timeout\)/);
        return true;
      });
      assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
    });

    it("the command's --timeout deadline is named as such when it stops an operation", async () => {
      set("drip");
      const command = startDeadline(400, undefined, "the command");
      try {
        const c = new RegistryClient({ ...quick, retry: { retries: 0 }, signal: command.signal });
        await assert.rejects(c.getManifest(`${srv.host}/r:v1`), (e: unknown) => {
          assert.ok(isCosignError(e, "NETWORK"), String(e));
          assert.match(
            (e as Error).message,
            /r:v1: timed out: the command did not complete within 400ms$/,
          );
          assert.match((e as CosignError).hint ?? "", /--timeout/);
          return true;
        });
      } finally {
        command.dispose();
      }
    });

    it("a tag list whose Link points back at a page is an error, not a partial list", async () => {
      set("link-loop");
      await assert.rejects(client().listTags(`${srv.host}/r`), (e: unknown) => {
        assert.ok(isCosignError(e, "NETWORK"), String(e));
        assert.match((e as Error).message, /pages loop/);
        return true;
      });
      assert.ok(hits <= 2, `${hits} requests`);
    });

    it("an endless tag list stops at the page cap with an error", async () => {
      set("endless-pages");
      const c = new RegistryClient({ ...quick, maxTagPages: 5 });
      await assert.rejects(c.listTags(`${srv.host}/r`), (e: unknown) => {
        assert.ok(isCosignError(e, "TOO_LARGE"), String(e));
        assert.match((e as Error).message, /more than 5 pages/);
        assert.match((e as CosignError).hint ?? "", /COSIGN_TS_MAX_TAG_PAGES/);
        return true;
      });
      assert.equal(hits, 5);
    });

    it("a referrers list over the cap is TOO_LARGE naming COSIGN_TS_MAX_REFERRERS", async () => {
      set("many-referrers");
      await assert.rejects(client().referrers(`${srv.host}/r`, digest), (e: unknown) => {
        assert.ok(isCosignError(e, "TOO_LARGE"), String(e));
        assert.match((e as Error).message, /300 referrers is over the limit of 256/);
        assert.match((e as CosignError).hint ?? "", /COSIGN_TS_MAX_REFERRERS/);
        return true;
      });
      const roomy = new RegistryClient({
        ...quick,
        env: (n) => n === "COSIGN_TS_MAX_REFERRERS" ? "400" : undefined,
      });
      assert.equal((await roomy.referrers(`${srv.host}/r`, digest)).length, 300);
    });

    it("signature layers over the budget for one image are refused before any is fetched", async () => {
      set("big-sigs");
      const sigRef = parseReference(`${srv.host}/r:sha256-${"a".repeat(64)}.sig`);
      await assert.rejects(readSignatures(client(), sigRef), (e: unknown) => {
        assert.ok(isCosignError(e, "TOO_LARGE"), String(e));
        assert.match(
          (e as Error).message,
          /20 layers total 335544320 bytes, over the budget of 268435456 bytes/,
        );
        assert.match((e as CosignError).hint ?? "", /COSIGN_TS_MAX_SIGNATURE_BYTES/);
        return true;
      });
      assert.equal(hits, 1, "only the manifest was fetched");
      const roomy = new RegistryClient({
        ...quick,
        env: (n) => n === "COSIGN_TS_MAX_SIGNATURE_BYTES" ? "512MiB" : undefined,
      });
      assert.equal(roomy.maxSignatureBytes, 512 * 1024 * 1024);
    });

    it("thousands of signature layers are refused before any request for them", async () => {
      set("many-sigs");
      const sigRef = parseReference(`${srv.host}/r:sha256-${"a".repeat(64)}.sig`);
      await assert.rejects(readSignatures(client(), sigRef), (e: unknown) => {
        assert.ok(isCosignError(e, "TOO_LARGE"), String(e));
        assert.match((e as Error).message, /3000 layers is over the limit of 1000/);
        assert.match((e as CosignError).hint ?? "", /COSIGN_TS_MAX_SIGNATURE_LAYERS/);
        return true;
      });
      assert.equal(hits, 1, "only the manifest was fetched");
    });

    it("a registry that stops sending mid-body fails the download", async () => {
      set("stall");
      const c = new RegistryClient({ ...quick, retry: { retries: 0 }, timeoutMs: 300 });
      await assert.rejects(c.getBlobBytes(`${srv.host}/r`, blobDigest), (e: unknown) => {
        assert.ok(isCosignError(e, "NETWORK"), String(e));
        assert.match((e as Error).message, /the answer did not arrive within 300 ms/);
        return true;
      });
    });

    it("a small answer of known length that drips in is bounded by one idle timeout", async () => {
      set("drip-known-length");
      const c = new RegistryClient({ ...quick, retry: { retries: 0 }, timeoutMs: 300 });
      const t0 = Date.now();
      await assert.rejects(c.getManifest(`${srv.host}/r:v1`), (e: unknown) => {
        assert.ok(isCosignError(e, "NETWORK"), String(e));
        assert.match((e as Error).message, /the answer did not arrive within 300 ms/);
        return true;
      });
      assert.ok(Date.now() - t0 < 1500, `took ${Date.now() - t0} ms`);
    });

    it("malformed tag lists are a clear error", async () => {
      set("bad-json");
      await assert.rejects(
        client().listTags(`${srv.host}/r`),
        (e: unknown) => isCosignError(e, "NETWORK") && /malformed answer/.test(String(e)),
      );
    });

    it("follows Link rel=next across tag pages", async () => {
      set("pages");
      assert.deepEqual(await client().listTags(`${srv.host}/r`, { pageSize: 2 }), [
        "a",
        "b",
        "c",
        "d",
        "e",
      ]);
      assert.equal(hits, 3);
    });

    it("uses the referrers API where the registry has one (no fallback tag written)", async () => {
      set("referrers-api");
      const c = client();
      const all = await c.referrers(`${srv.host}/r`, digest);
      assert.deepEqual(all.map((d) => d.artifactType), ["x/a", "x/b"]);
      // the server ignored the filter: the client applies it
      assert.deepEqual((await c.referrers(`${srv.host}/r`, digest, "x/b")).length, 1);
      const referrer = enc.encode(JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: {
          mediaType: "application/vnd.oci.empty.v1+json",
          digest: sha256Digest(enc.encode("{}")),
          size: 2,
        },
        layers: [],
        subject: { mediaType: OCI_MANIFEST, digest, size: body.length },
      }));
      const r = await c.putReferrer(`${srv.host}/r`, referrer, OCI_MANIFEST);
      assert.equal(r.via, "api");
      assert.equal(r.digest, sha256Digest(referrer));
      assert.equal(hits, 3, "two referrers lists and one manifest PUT; no fallback index");
    });

    it("403 is an AUTH error with the registry's reason", async () => {
      set("forbidden");
      await assert.rejects(client().getManifest(`${srv.host}/r:v1`), (e: unknown) => {
        assert.ok(isCosignError(e, "AUTH"), String(e));
        assert.match((e as Error).message, /access denied \(403\).*DENIED/);
        return true;
      });
    });
  });

  it("dist/cosign-ts verify on a registry listing thousands of signature layers or referrers: bounded", async () => {
    const image = enc.encode(
      JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, layers: [] }),
    );
    const imageDigest = sha256Digest(image);
    const sigTag = `${imageDigest.replace(":", "-")}.sig`;
    let requests = 0;
    let shape = "layers";
    const sigManifest = enc.encode(JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: {
        mediaType: "application/vnd.oci.image.config.v1+json",
        size: 2,
        digest: imageDigest,
      },
      layers: Array.from({ length: 3000 }, (_, i) => ({
        mediaType: "application/vnd.dev.cosign.simplesigning.v1+json",
        size: 1,
        digest: sha256Digest(enc.encode(`l${i}`)),
        annotations: { "dev.cosignproject.cosign/signature": "MEUCIQ==" },
      })),
    }));
    const referrers = enc.encode(JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: Array.from({ length: 5000 }, (_, i) => ({
        mediaType: OCI_MANIFEST,
        digest: sha256Digest(enc.encode(`r${i}`)),
        size: 1,
        artifactType: "application/vnd.dev.sigstore.bundle.v0.3+json",
      })),
    }));
    const srv = await fakeServer((req, res) => {
      requests++;
      const url = req.url ?? "";
      if (url === "/v2/") return void res.writeHead(200).end("{}");
      if (url.includes("/referrers/")) {
        if (shape !== "referrers") return void res.writeHead(404).end();
        return void res.writeHead(200, {
          "content-type": "application/vnd.oci.image.index.v1+json",
        }).end(referrers);
      }
      if (url.endsWith(`/manifests/${sigTag}`)) {
        if (shape !== "layers") return void res.writeHead(404).end();
        return void res.writeHead(200, { "content-type": OCI_MANIFEST }).end(sigManifest);
      }
      if (url.includes("/manifests/")) {
        return void res.writeHead(200, {
          "content-type": OCI_MANIFEST,
          "docker-content-digest": imageDigest,
          "content-length": String(image.length),
        }).end(req.method === "HEAD" ? undefined : image);
      }
      res.writeHead(404).end();
    });
    const { dir, cleanup } = await tempDir();
    try {
      const { pub } = await genKey(dir, "k", "p256");
      for (
        const [which, message] of [
          ["layers", /3000 layers is over the limit of 1000.*\n.*COSIGN_TS_MAX_SIGNATURE_LAYERS/],
          ["referrers", /5000 referrers is over the limit of 256.*\n.*COSIGN_TS_MAX_REFERRERS/],
        ] as const
      ) {
        shape = which;
        requests = 0;
        const r = await cosign(
          ["verify", "--key", pub, "--insecure-ignore-tlog", `${srv.host}/r:v1`],
          { timeoutMs: 60_000 },
        );
        assert.equal(r.code, 1, `${which}: ${r.err}`);
        assert.match(r.err, message, which);
        assert.ok(requests < 20, `${which}: ${requests} requests`);
      }
    } finally {
      await cleanup();
      await srv.close();
    }
  });
});
