import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { isCosignError } from "../../core/errors.ts";
import type { Context } from "../../core/plugin.ts";
import { testContext } from "../../tests/helpers/plugin_context.ts";
import { openssl } from "../../tests/helpers/python.ts";
import { keyFilePlugin } from "./plugin.ts";
import { keySourceKind, readKeySource } from "./key_source.ts";
import { MAX_KEY_FILE_BYTES } from "./key_file.ts";

function context(env: Record<string, string>): Context {
  return testContext([keyFilePlugin], env).ctx;
}

const fails = (pattern: RegExp, code?: string) => (e: unknown) =>
  isCosignError(e) && (!code || e.code === code) && pattern.test(e.message) && !!e.hint;

describe("key sources (env://, https://, files)", () => {
  const key = openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]);
  const pub = new TextDecoder().decode(openssl(["pkey", "-pubout"], key));
  let server: Server;
  let base = "";
  const hits: string[] = [];
  before(async () => {
    server = createServer((req, res) => {
      hits.push(req.url ?? "");
      if (req.url === "/cosign.pub") return void res.end(pub);
      if (req.url === "/huge") {
        res.writeHead(200, { "content-type": "text/plain" });
        const chunk = "A".repeat(64 * 1024);
        for (let i = 0; i < (MAX_KEY_FILE_BYTES / chunk.length) + 2; i++) res.write(chunk);
        return void res.end();
      }
      if (req.url === "/page") return void res.end("<html>not a key</html>");
      res.writeHead(404).end("no such key");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it("tells sources apart", () => {
    assert.equal(keySourceKind("env://X"), "env");
    assert.equal(keySourceKind("https://h/k.pub"), "url");
    assert.equal(keySourceKind("HTTP://127.0.0.1/k.pub"), "url");
    assert.equal(keySourceKind("cosign.pub"), "file");
    assert.equal(keySourceKind("file://cosign.pub"), "file");
  });

  it("reads env://VAR through ctx.env, and refuses unset, empty and bad names", async () => {
    const ctx = context({ K: pub, EMPTY: " \n" });
    assert.equal(await readKeySource("env://K", ctx), pub);
    await assert.rejects(
      readKeySource("env://UNSET", ctx),
      fails(/"env:\/\/UNSET": UNSET is not set/, "KEY"),
    );
    await assert.rejects(readKeySource("env://EMPTY", ctx), fails(/EMPTY is empty/, "KEY"));
    await assert.rejects(readKeySource("env://A-B", ctx), fails(/"A-B" is not a variable name/));
  });

  it("reads a URL; 404, oversized bodies and plain http off loopback are clear errors", async () => {
    const ctx = context({});
    assert.equal(await readKeySource(`${base}/cosign.pub`, ctx), pub);
    await assert.rejects(
      readKeySource(`${base}/missing.pub`, ctx),
      fails(/missing\.pub": the server answered HTTP 404/, "NETWORK"),
    );
    await assert.rejects(
      readKeySource(`${base}/huge`, ctx),
      fails(new RegExp(`more than ${MAX_KEY_FILE_BYTES} bytes`), "TOO_LARGE"),
    );
    const before = hits.length;
    await assert.rejects(
      readKeySource("http://example.com/cosign.pub", ctx),
      fails(/plain http is only allowed to loopback/, "INVALID_INPUT"),
    );
    assert.equal(hits.length, before);
    await assert.rejects(readKeySource("https://", ctx), fails(/not a valid URL/));
  });

  it("the file provider verifies with env:// and URL public keys; not-PEM text is refused", async () => {
    const ctx = context({ PUB: pub, PAGE: "hello" });
    const message = new TextEncoder().encode("signed");
    const signer = await ctx.plugins.signer("env://KEY_PEM", {
      ...ctx,
      env: (n) => (n === "KEY_PEM" ? new TextDecoder().decode(key) : undefined),
    });
    const sig = await signer.sign(message);
    for (const ref of ["env://PUB", `${base}/cosign.pub`]) {
      const v = await ctx.plugins.verifier(ref, ctx);
      assert.equal((await v.publicKey()).pem, pub);
      assert.ok(await v.verify(message, sig));
      assert.ok(!(await v.verify(new TextEncoder().encode("other"), sig)));
    }
    for (const ref of ["env://PAGE", `${base}/page`]) {
      await assert.rejects(
        ctx.plugins.verifier(ref, ctx),
        (e) => isCosignError(e, "KEY") && e.message.includes(`"${ref}"`) && /PEM/.test(e.message),
      );
    }
  });
});
