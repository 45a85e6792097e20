import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { isCosignError } from "./errors.ts";
import { identityToken, looksLikeJwt, tokenIdentity } from "./oidc.ts";
import { makeIdentityToken } from "../tests/helpers/oidc.ts";
import { closeServer } from "../tests/helpers/bounded.ts";

let server: Server;
let base: string;
let reply: { status: number; body: string } = { status: 200, body: "{}" };
const seen: { auth?: string; audience: string | null }[] = [];

before(async () => {
  server = createServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://x");
    seen.push({ auth: req.headers.authorization, audience: u.searchParams.get("audience") });
    res.writeHead(reply.status, { "content-type": "application/json" });
    res.end(reply.body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await closeServer(server);
});

const envOf = (vars: Record<string, string>) => (n: string) => vars[n];

describe("OIDC identity tokens", () => {
  it("prefers the explicit token, then SIGSTORE_ID_TOKEN", async () => {
    const t1 = await makeIdentityToken({ sub: "a@example.com" });
    const t2 = await makeIdentityToken({ sub: "b@example.com" });
    assert.deepEqual(
      await identityToken({ explicit: t1, env: envOf({ SIGSTORE_ID_TOKEN: t2 }) }),
      { token: t1, source: "flag" },
    );
    assert.deepEqual(
      await identityToken({ env: envOf({ SIGSTORE_ID_TOKEN: ` ${t2}\n` }) }),
      { token: t2, source: "SIGSTORE_ID_TOKEN" },
    );
  });

  it("requests a token from GitHub Actions with audience sigstore", async () => {
    const t = await makeIdentityToken({ sub: "repo:o/r:ref:refs/heads/main" });
    reply = { status: 200, body: JSON.stringify({ value: t }) };
    seen.length = 0;
    const got = await identityToken({
      env: envOf({
        ACTIONS_ID_TOKEN_REQUEST_URL: `${base}/token?api-version=2.0`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: "secret",
      }),
    });
    assert.deepEqual(got, { token: t, source: "github-actions" });
    assert.deepEqual(seen, [{ auth: "bearer secret", audience: "sigstore" }]);
  });

  it("reports GitHub refusals, garbage answers and missing sources", async () => {
    const env = envOf({
      ACTIONS_ID_TOKEN_REQUEST_URL: `${base}/token`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: "secret",
    });
    reply = { status: 403, body: "nope" };
    await assert.rejects(
      identityToken({ env }),
      (e) => isCosignError(e, "AUTH") && /HTTP 403/.test(e.message),
    );
    reply = { status: 200, body: JSON.stringify({ value: "not a jwt" }) };
    await assert.rejects(identityToken({ env }), (e) => isCosignError(e, "NETWORK"));
    await assert.rejects(
      identityToken({ env: envOf({}) }),
      (e) => isCosignError(e, "USAGE") && /no OIDC identity token/.test(e.message),
    );
  });

  it("decodes the identity: e-mail over sub; rejects expired and malformed tokens", async () => {
    const t = await makeIdentityToken({ sub: "1234", email: "c@example.com", iss: "https://i" });
    const id = tokenIdentity(t);
    assert.equal(id.subject, "c@example.com");
    assert.equal(id.issuer, "https://i");
    const t2 = await makeIdentityToken({ sub: "https://github.com/o/r/.github/workflows/x.yml" });
    assert.equal(tokenIdentity(t2).subject, "https://github.com/o/r/.github/workflows/x.yml");
    const expired = await makeIdentityToken({ sub: "d@example.com", ttlSeconds: -10 });
    assert.throws(() => tokenIdentity(expired), /expired at/);
    assert.throws(() => tokenIdentity("abc"), /not a JWT/);
    assert.throws(() => tokenIdentity("a.b!.c"), /not a JWT/);
    assert.throws(() => tokenIdentity("eyJ9.eyJ9.x"), /payload is not base64url JSON/);
    assert.equal(looksLikeJwt(t), true);
    assert.equal(looksLikeJwt("/tmp/token.txt"), false);
  });
});
