import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { Buffer } from "node:buffer";
import { isCosignError } from "../../core/errors.ts";
import type { Context } from "../../core/plugin.ts";
import { testContext } from "../../tests/helpers/plugin_context.ts";
import { openssl, pythonDecryptCosignKey } from "../../tests/helpers/python.ts";
import { type GithubStandIn, startGithubStandIn } from "../../tests/helpers/github_api_standin.ts";
import { keyGithubPlugin } from "./plugin.ts";
import { githubApiBase, parseGithubTarget } from "./github_target.ts";

function context(env: Record<string, string>, opts: { yes?: boolean } = {}) {
  return testContext([keyGithubPlugin], env, { password: env.COSIGN_PASSWORD, yes: opts.yes });
}

/** Opens a stored secret with python3-nacl's SealedBox and the scope's X25519 secret key. */
function naclOpen(secretKey: Uint8Array, encryptedB64: string): string {
  const r = spawnSync("/usr/bin/python3", [
    "-c",
    "import sys, base64\nfrom nacl.public import PrivateKey, SealedBox\n" +
    "sys.stdout.write(SealedBox(PrivateKey(base64.b64decode(sys.argv[1]))).decrypt(base64.b64decode(sys.argv[2])).decode())",
    Buffer.from(secretKey).toString("base64"),
    encryptedB64,
  ]);
  assert.equal(r.status, 0, r.stderr?.toString());
  return r.stdout.toString();
}

const generate = (ctx: Context, ref: string) =>
  ctx.plugins.keyProvider(ref).provider.generate!(ref, ctx);

describe("github:// targets", () => {
  it("parses owner, owner/repo and owner/repo/environment; refuses the rest", () => {
    assert.equal(
      parseGithubTarget("github://acme/app").secretsPath,
      "/repos/acme/app/actions/secrets",
    );
    assert.equal(parseGithubTarget("github://acme").secretsPath, "/orgs/acme/actions/secrets");
    assert.equal(
      parseGithubTarget("github://acme/app/prod env").secretsPath,
      "/repos/acme/app/environments/prod%20env/secrets",
    );
    for (const bad of ["github://", "github://a/b/c/d", "github://a//b", "github://a b/c"]) {
      assert.throws(() => parseGithubTarget(bad), (e) => isCosignError(e, "INVALID_INPUT"));
    }
  });
  it("finds the API as cosign and Actions do", () => {
    const base = (env: Record<string, string>) => githubApiBase(context(env).ctx);
    assert.equal(base({}), "https://api.github.com");
    assert.equal(
      base({ GITHUB_API_URL: "https://ghe.example/api/v3/" }),
      "https://ghe.example/api/v3",
    );
    assert.equal(base({ GITHUB_HOST: "https://ghe.example" }), "https://ghe.example/api/v3");
    assert.equal(base({ GITHUB_HOST: "ghe.example/api/v3/" }), "https://ghe.example/api/v3");
  });
});

describe("key-github against the GitHub API stand-in", () => {
  let gh: GithubStandIn;
  before(async () => {
    gh = await startGithubStandIn({
      tokens: { "ghp_admin": ["acme"], "ghp_other": ["someone-else"] },
      repos: ["acme/app", "acme/lib"],
      orgs: ["acme"],
      environments: ["acme/app/production"],
      prefix: "/api/v3",
    });
  });
  after(() => gh.close());

  it("writes COSIGN_PASSWORD, COSIGN_PRIVATE_KEY, COSIGN_PUBLIC_KEY sealed to the repository key", async () => {
    const env = { GITHUB_HOST: gh.root, GITHUB_TOKEN: "ghp_admin", COSIGN_PASSWORD: "gh-pass" };
    const { ctx, info } = context(env);
    const material = await generate(ctx, "github://acme/app");
    const { secretKey, keyId } = gh.keyPair("repos/acme/app");
    const open = (name: string) => {
      const s = gh.secrets.get(`repos/acme/app/${name}`)!;
      assert.equal(s.key_id, keyId);
      return naclOpen(secretKey, s.encrypted_value);
    };
    assert.equal(open("COSIGN_PASSWORD"), "gh-pass");
    assert.equal(open("COSIGN_PUBLIC_KEY"), material.pem);
    const { pkcs8 } = pythonDecryptCosignKey(open("COSIGN_PRIVATE_KEY"), "gh-pass");
    assert.equal(
      new TextDecoder().decode(openssl(["pkey", "-inform", "DER", "-pubout"], pkcs8)),
      material.pem,
    );
    assert.deepEqual(info, [
      "Password written to COSIGN_PASSWORD github actions secret",
      "Private key written to COSIGN_PRIVATE_KEY github actions secret",
      "Public key written to COSIGN_PUBLIC_KEY github actions secret",
    ]);
    assert.ok(gh.requests.every((r) => r.path.startsWith("/api/v3/")));
  });

  it("organization secrets carry a visibility; environment secrets go to the environment", async () => {
    const env = { GITHUB_API_URL: gh.url, GITHUB_TOKEN: "ghp_admin", COSIGN_PASSWORD: "p" };
    await generate(context(env).ctx, "github://acme");
    assert.equal(gh.secrets.get("orgs/acme/COSIGN_PUBLIC_KEY")?.visibility, "private");
    await generate(context(env).ctx, "github://acme/app/production");
    const s = gh.secrets.get("repos/acme/app/environments/production/COSIGN_PASSWORD")!;
    assert.equal(
      naclOpen(gh.keyPair("repos/acme/app/environments/production").secretKey, s.encrypted_value),
      "p",
    );
  });

  it("asks before replacing an existing COSIGN_PRIVATE_KEY; --yes replaces", async () => {
    const env = { GITHUB_API_URL: gh.url, GITHUB_TOKEN: "ghp_admin", COSIGN_PASSWORD: "new" };
    const before = gh.secrets.get("repos/acme/app/COSIGN_PRIVATE_KEY")!.encrypted_value;
    const no = context(env);
    await assert.rejects(generate(no.ctx, "github://acme/app"), (e) => isCosignError(e, "ABORTED"));
    assert.match(no.asked[0], /already has a COSIGN_PRIVATE_KEY secret. Overwrite\?/);
    assert.equal(gh.secrets.get("repos/acme/app/COSIGN_PRIVATE_KEY")!.encrypted_value, before);
    await generate(context(env, { yes: true }).ctx, "github://acme/app");
    const after = gh.secrets.get("repos/acme/app/COSIGN_PASSWORD")!;
    assert.equal(naclOpen(gh.keyPair("repos/acme/app").secretKey, after.encrypted_value), "new");
  });

  it("a failed write deletes the secrets this run created; replaced ones are named", async () => {
    const env = { GITHUB_API_URL: gh.url, GITHUB_TOKEN: "ghp_admin", COSIGN_PASSWORD: "p" };
    gh.failWriteAfter(3);
    await assert.rejects(
      generate(context(env).ctx, "github://acme/lib"),
      (e) =>
        isCosignError(e, "NETWORK") && /COSIGN_PUBLIC_KEY/.test(e.message) &&
        !/replaced/.test(e.message),
    );
    assert.ok(![...gh.secrets.keys()].some((k) => k.startsWith("repos/acme/lib/")));
    gh.failWriteAfter(2);
    await assert.rejects(
      generate(context(env, { yes: true }).ctx, "github://acme/app"),
      (e) =>
        isCosignError(e) && /already replaced: COSIGN_PASSWORD/.test(e.message) &&
        /again/.test(e.hint!),
    );
    assert.ok(gh.secrets.has("repos/acme/app/COSIGN_PRIVATE_KEY"));
    gh.failWriteAfter(0);
  });

  it("clear errors: no token, bad token, unknown repository, no permission; nothing written", async () => {
    const cases: [Record<string, string>, string, string, RegExp][] = [
      [{}, "github://acme/lib", "AUTH", /GITHUB_TOKEN is not set/],
      [
        { GITHUB_TOKEN: "ghp_wrong" },
        "github://acme/lib",
        "AUTH",
        /refused GITHUB_TOKEN: Bad credentials/,
      ],
      [{ GITHUB_TOKEN: "ghp_admin" }, "github://acme/nope", "KEY", /answered 404 Not Found/],
      [{ GITHUB_TOKEN: "ghp_other" }, "github://acme/lib", "AUTH", /Resource not accessible/],
    ];
    for (const [extra, ref, code, pattern] of cases) {
      const { ctx, asked } = context({ GITHUB_API_URL: gh.url, COSIGN_PASSWORD: "x", ...extra });
      await assert.rejects(generate(ctx, ref), (e) => {
        assert.ok(isCosignError(e), String(e));
        assert.equal(e.code, code, e.message);
        assert.match(e.message, pattern);
        assert.ok(e.hint);
        assert.doesNotMatch(e.message + e.hint, /ghp_/);
        return true;
      });
      assert.deepEqual(asked, [], "no password asked before the API answered");
    }
    assert.ok(![...gh.secrets.keys()].some((k) => k.startsWith("repos/acme/lib/")));
  });

  it("refuses to sign or verify with github:// (secrets cannot be read back), pointing at env://", async () => {
    const { ctx } = context({ GITHUB_API_URL: gh.url, GITHUB_TOKEN: "ghp_admin" });
    await assert.rejects(
      ctx.plugins.signer("github://acme/app", ctx),
      (e) =>
        isCosignError(e, "UNSUPPORTED") && /cannot be read back/.test(e.message) &&
        /env:\/\/COSIGN_PRIVATE_KEY/.test(e.hint!),
    );
    await assert.rejects(
      ctx.plugins.verifier("github://acme/app", ctx),
      (e) => isCosignError(e, "UNSUPPORTED") && /cosign.pub/.test(e.hint!),
    );
  });
});
