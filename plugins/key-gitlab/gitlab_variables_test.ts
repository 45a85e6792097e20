import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { isCosignError } from "../../core/errors.ts";
import type { Context } from "../../core/plugin.ts";
import { testContext } from "../../tests/helpers/plugin_context.ts";
import { openssl, pythonDecryptCosignKey } from "../../tests/helpers/python.ts";
import { type GitlabStandIn, startGitlabStandIn } from "../../tests/helpers/gitlab_api_standin.ts";
import { keyGitlabPlugin } from "./plugin.ts";
import { gitlabApiBase, parseGitlabProject } from "./gitlab_variables.ts";

function context(env: Record<string, string>, opts: { yes?: boolean } = {}) {
  return testContext([keyGitlabPlugin], env, { password: env.COSIGN_PASSWORD, yes: opts.yes });
}

const generate = (ctx: Context, ref: string) =>
  ctx.plugins.keyProvider(ref).provider.generate!(ref, ctx);
const data = new TextEncoder().encode("signed with a key from GitLab CI/CD variables");

describe("gitlab:// references", () => {
  it("parses project paths and IDs; finds the API as the GitLab client does", () => {
    assert.equal(parseGitlabProject("gitlab://group/sub/app"), "group/sub/app");
    assert.equal(parseGitlabProject("gitlab://42"), "42");
    for (
      const bad of ["gitlab://", "gitlab:///x", "gitlab://a//b", "gitlab://a/", "gitlab://a?b"]
    ) {
      assert.throws(() => parseGitlabProject(bad), (e) => isCosignError(e, "INVALID_INPUT"));
    }
    const base = (env: Record<string, string>) => gitlabApiBase(context(env).ctx);
    assert.equal(base({}), "https://gitlab.com/api/v4");
    assert.equal(base({ GITLAB_HOST: "https://git.example/" }), "https://git.example/api/v4");
    assert.equal(base({ GITLAB_HOST: "git.example/api/v4" }), "https://git.example/api/v4");
  });
});

describe("key-gitlab against the GitLab API stand-in", () => {
  let gl: GitlabStandIn;
  before(async () => {
    gl = await startGitlabStandIn({
      projects: { 42: "acme/app", 43: "acme/lib" },
      tokens: {
        "glpat-maint": { maintainerOf: ["acme/app", "acme/lib"] },
        "glpat-rep": { maintainerOf: [] },
      },
    });
  });
  after(() => gl.close());

  it("generate writes the three variables as cosign does; sign and verify read them back", async () => {
    const env = { GITLAB_HOST: gl.url, GITLAB_TOKEN: "glpat-maint", COSIGN_PASSWORD: "gl-pass" };
    const { ctx, info } = context(env);
    const material = await generate(ctx, "gitlab://acme/app");
    const v = (k: string) => gl.variables.get(`acme/app/${k}`)!;
    assert.equal(v("COSIGN_PASSWORD").value, "gl-pass");
    assert.equal(v("COSIGN_PUBLIC_KEY").value, material.pem);
    for (const k of ["COSIGN_PASSWORD", "COSIGN_PRIVATE_KEY", "COSIGN_PUBLIC_KEY"]) {
      assert.equal(v(k).variable_type, "env_var");
      assert.equal(v(k).protected, false);
      assert.equal(v(k).masked, false);
      assert.equal(v(k).environment_scope, "*");
    }
    const { pkcs8 } = pythonDecryptCosignKey(v("COSIGN_PRIVATE_KEY").value, "gl-pass");
    assert.equal(
      new TextDecoder().decode(openssl(["pkey", "-inform", "DER", "-pubout"], pkcs8)),
      material.pem,
    );
    assert.deepEqual(info, [
      'Password written to "COSIGN_PASSWORD" variable',
      'Private key written to "COSIGN_PRIVATE_KEY" variable',
      'Public key written to "COSIGN_PUBLIC_KEY" variable',
    ]);
    assert.ok(
      gl.requests.every((r) =>
        r.auth === "private-token" && r.path.startsWith("/api/v4/projects/acme%2Fapp/")
      ),
    );
    // Sign (no prompt: COSIGN_PASSWORD comes from the project) and verify, by path and by ID.
    const reader = context({ GITLAB_HOST: gl.url, GITLAB_TOKEN: "glpat-maint" });
    const sig = await (await reader.ctx.plugins.signer("gitlab://acme/app", reader.ctx)).sign(data);
    assert.deepEqual(reader.asked, []);
    const verifier = await reader.ctx.plugins.verifier("gitlab://42", reader.ctx);
    assert.equal((await verifier.publicKey()).pem, material.pem);
    assert.ok(await verifier.verify(data, sig));
    assert.ok(!(await verifier.verify(new TextEncoder().encode("other"), sig)));
  });

  it("asks before replacing existing variables; a failed write puts everything back", async () => {
    const env = { GITLAB_HOST: gl.url, GITLAB_TOKEN: "glpat-maint", COSIGN_PASSWORD: "second" };
    const snapshot = () => JSON.stringify([...gl.variables.entries()].sort());
    const before = snapshot();
    const no = context(env);
    await assert.rejects(generate(no.ctx, "gitlab://acme/app"), (e) => isCosignError(e, "ABORTED"));
    assert.match(
      no.asked[0],
      /already has COSIGN_PASSWORD, COSIGN_PRIVATE_KEY, COSIGN_PUBLIC_KEY. Overwrite\?/,
    );
    assert.equal(snapshot(), before);
    // The third write fails: the two replaced variables get their old values back.
    gl.failWriteAfter(3);
    await assert.rejects(
      generate(context(env, { yes: true }).ctx, "gitlab://acme/app"),
      (e) =>
        isCosignError(e, "NETWORK") && /COSIGN_PUBLIC_KEY/.test(e.message) &&
        /HTTP 500/.test(e.message),
    );
    assert.equal(snapshot(), before);
    // In a project without variables, a failed write deletes what was created.
    gl.failWriteAfter(2);
    await assert.rejects(
      generate(context(env).ctx, "gitlab://acme/lib"),
      (e) => isCosignError(e, "NETWORK"),
    );
    assert.ok(![...gl.variables.keys()].some((k) => k.startsWith("acme/lib/")));
    // --yes replaces.
    await generate(context(env, { yes: true }).ctx, "gitlab://acme/app");
    assert.equal(gl.variables.get("acme/app/COSIGN_PASSWORD")!.value, "second");
  });

  it("clear errors: no token, bad token, Reporter role, unknown project, missing variables", async () => {
    const cases: [
      Record<string, string>,
      string,
      "generate" | "signer" | "verifier",
      string,
      RegExp,
    ][] = [
      [{}, "gitlab://acme/app", "verifier", "AUTH", /GITLAB_TOKEN is not set/],
      [
        { GITLAB_TOKEN: "glpat-wrong" },
        "gitlab://acme/app",
        "verifier",
        "AUTH",
        /refused GITLAB_TOKEN: 401 Unauthorized/,
      ],
      [{ GITLAB_TOKEN: "glpat-rep" }, "gitlab://acme/app", "generate", "AUTH", /403 Forbidden/],
      [
        { GITLAB_TOKEN: "glpat-maint" },
        "gitlab://acme/nope",
        "generate",
        "KEY",
        /404 Project Not Found/,
      ],
      [
        { GITLAB_TOKEN: "glpat-maint" },
        "gitlab://43",
        "signer",
        "KEY",
        /project 43 has no COSIGN_PRIVATE_KEY variable/,
      ],
    ];
    for (const [extra, ref, op, code, pattern] of cases) {
      const { ctx, asked } = context({ GITLAB_HOST: gl.url, COSIGN_PASSWORD: "x", ...extra });
      const p = ctx.plugins.keyProvider(ref).provider;
      const run = op === "generate"
        ? p.generate!(ref, ctx)
        : op === "signer"
        ? p.signer(ref, ctx)
        : p.verifier!(ref, ctx);
      await assert.rejects(run, (e) => {
        assert.ok(isCosignError(e), String(e));
        assert.equal(e.code, code, e.message);
        assert.match(e.message, pattern);
        assert.ok(e.hint);
        assert.doesNotMatch(e.message + e.hint, /glpat-/);
        return true;
      });
      assert.deepEqual(asked, []);
    }
  });
});
