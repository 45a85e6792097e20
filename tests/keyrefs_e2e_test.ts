/**
 * End-to-end tests of the key references cosign accepts besides files, on `dist/cosign-ts`
 * (issue 10 item 2): `k8s://NAMESPACE/SECRET` against the Kubernetes API stand-in (TLS with its
 * own CA, bearer token), `env://VAR`, `https://…` public keys from a loopback TLS server,
 * `generate-key-pair github://OWNER/REPO` against the GitHub API stand-in (secrets opened with
 * python3-nacl), `gitlab://PROJECT` against the GitLab API stand-in. Signatures are checked by
 * openssl (blobs) and by `verify` against Debian's docker-registry (images); bad input gives
 * clear errors, exit codes as cosign's, and nothing written.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpsServer, type Server } from "node:https";
import { join } from "node:path";
import { cosign, tempDir } from "./helpers/cli.ts";
import { opensslVerify } from "./helpers/openssl.ts";
import { openssl, pythonEncryptCosignKey } from "./helpers/python.ts";
import { closeServer } from "./helpers/bounded.ts";
import { listenLoopback } from "./helpers/standin_http.ts";
import {
  makeTestCertificates,
  pushTestImage,
  startRegistry,
  type TestRegistry,
} from "./helpers/registry.ts";
import { RegistryClient } from "../oci/client.ts";
import { type K8sStandIn, startK8sStandIn } from "./helpers/k8s_api_standin.ts";
import { type GithubStandIn, startGithubStandIn } from "./helpers/github_api_standin.ts";
import { type GitlabStandIn, startGitlabStandIn } from "./helpers/gitlab_api_standin.ts";

const b64 = (s: string) => Buffer.from(s, "base64").toString("utf8");
const firstLine = (s: string) => s.split("\n")[0];

describe("key references on dist/cosign-ts (k8s://, env://, https://, github://, gitlab://)", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let k8s: K8sStandIn;
  let gh: GithubStandIn;
  let gl: GitlabStandIn;
  let reg: TestRegistry;
  let client: RegistryClient;
  let kubeconfig: string;
  let blob: string;
  const run = (args: string[], env: Record<string, string | undefined> = {}) =>
    cosign(args, {
      cwd: dir,
      env: { HOME: dir, DOCKER_CONFIG: dir, KUBECONFIG: undefined, ...env },
    });

  /**
   * sign-blob with `signKey` (signature to NAME.sig), openssl checks it with the PEM file
   * `pubFile`, verify-blob checks it with `verifyKey`.
   */
  const blobRoundTrip = async (
    signKey: string,
    verifyKey: string,
    pubFile: string,
    name: string,
    signEnv: Record<string, string>,
    verifyEnv: Record<string, string> = signEnv,
  ) => {
    const sig = `${name}.sig`;
    const s = await run(
      ["sign-blob", "--key", signKey, "--tlog-upload=false", "--output-signature", sig, blob],
      signEnv,
    );
    assert.equal(s.code, 0, s.err);
    const der = join(dir, `${sig}.der`);
    writeFileSync(der, Buffer.from(readFileSync(join(dir, sig), "utf8").trim(), "base64"));
    assert.ok(await opensslVerify("p256", join(dir, pubFile), blob, der), `openssl: ${signKey}`);
    const v = await run(
      ["verify-blob", "--key", verifyKey, "--signature", sig, "--insecure-ignore-tlog", blob],
      verifyEnv,
    );
    assert.equal(v.code, 0, v.err);
  };

  before(async () => {
    ({ dir, cleanup } = await tempDir("cosign-ts-keyrefs-"));
    k8s = await startK8sStandIn({
      dir,
      namespaces: ["release"],
      tokens: { "k8s-token": "ci" },
    });
    kubeconfig = join(dir, "kubeconfig");
    writeFileSync(kubeconfig, k8s.kubeconfig({ token: "k8s-token" }));
    gh = await startGithubStandIn({ tokens: { "ghp_admin": ["acme"] }, repos: ["acme/app"] });
    gl = await startGitlabStandIn({
      projects: { 7: "acme/app" },
      tokens: { "glpat-maint": { maintainerOf: ["acme/app"] } },
    });
    reg = await startRegistry("plain");
    client = new RegistryClient(reg.clientOptions());
    blob = join(dir, "blob.txt");
    writeFileSync(blob, "a release artifact\n");
  });
  after(async () => {
    await Promise.all([k8s?.close(), gh?.close(), gl?.close(), reg?.stop()]);
    await cleanup?.();
  });

  it("k8s://: generate-key-pair writes the secret and cosign.pub; public-key, sign-blob, verify-blob, sign and verify use it", async () => {
    const env = { KUBECONFIG: kubeconfig, COSIGN_PASSWORD: "k8s-pw" };
    const g = await run(["generate-key-pair", "k8s://release/signing"], env);
    assert.equal(g.code, 0, g.err);
    assert.equal(
      g.err,
      "Successfully created secret signing in namespace release\nPublic key written to cosign.pub\n",
    );
    const secret = k8s.secrets.get("release/signing")!;
    const pub = readFileSync(join(dir, "cosign.pub"), "utf8");
    assert.equal(b64(secret.data["cosign.pub"]), pub);
    assert.equal(b64(secret.data["cosign.password"]), "k8s-pw");
    assert.match(
      b64(secret.data["cosign.key"]),
      /^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/,
    );
    // Reading needs no password: cosign.password comes from the secret.
    const noPw = { KUBECONFIG: kubeconfig };
    const pk = await run(["public-key", "--key", "k8s://release/signing"], noPw);
    assert.equal(pk.code, 0, pk.err);
    assert.equal(pk.out, pub);
    await blobRoundTrip(
      "k8s://release/signing",
      "k8s://release/signing",
      "cosign.pub",
      "k8s",
      noPw,
    );
    // An image in a real registry.
    const ref = `${reg.host}/k8s-signed:v1`;
    const img = await pushTestImage(client, ref);
    const si = await run([
      "sign",
      "--key",
      "k8s://release/signing",
      "--tlog-upload=false",
      `${reg.host}/k8s-signed@${img.digest}`,
    ], noPw);
    assert.equal(si.code, 0, si.err);
    const vi = await run([
      "verify",
      "--key",
      "k8s://release/signing",
      "--insecure-ignore-tlog",
      ref,
    ], noPw);
    assert.equal(vi.code, 0, vi.err);
    const vf = await run(["verify", "--key", "cosign.pub", "--insecure-ignore-tlog", ref]);
    assert.equal(vf.code, 0, vf.err);
  });

  it("k8s://: missing secret, wrong token, no kubeconfig, bad reference, existing cosign.pub: clear errors, nothing written", async () => {
    const cases: [string[], Record<string, string>, number, RegExp][] = [
      [
        ["public-key", "--key", "k8s://release/absent"],
        { KUBECONFIG: kubeconfig },
        1,
        /^Error: Cannot read key "k8s:\/\/release\/absent": secret "absent" does not exist in namespace "release"$/,
      ],
      [
        ["public-key", "--key", "k8s://release/signing"],
        { KUBECONFIG: join(dir, "bad-kubeconfig") },
        1,
        /refused the credentials of kubeconfig .*: Unauthorized$/,
      ],
      [
        ["public-key", "--key", "k8s://release/signing"],
        {},
        1,
        /no kubeconfig \(looked at .*\.kube\/config\) and not inside a cluster/,
      ],
      [
        ["generate-key-pair", "k8s://release", "--output-key-prefix", "bad"],
        { KUBECONFIG: kubeconfig, COSIGN_PASSWORD: "x" },
        1,
        /must be k8s:\/\/<namespace>\/<secret>/,
      ],
      [
        ["generate-key-pair", "k8s://nowhere/x", "--output-key-prefix", "nowhere"],
        { KUBECONFIG: kubeconfig, COSIGN_PASSWORD: "x" },
        1,
        /namespaces "nowhere" not found/,
      ],
      [
        ["generate-key-pair", "release/x"],
        { KUBECONFIG: kubeconfig },
        2,
        /could not parse scheme, use <scheme>:\/\/<ref> format/,
      ],
      [["generate-key-pair", "env://X"], {}, 1, /the "file" provider cannot create keys/],
    ];
    writeFileSync(join(dir, "bad-kubeconfig"), k8s.kubeconfig({ token: "not-the-token" }));
    for (const [args, env, code, pattern] of cases) {
      const r = await run(args, env);
      assert.equal(r.code, code, `${args.join(" ")}: ${r.err}`);
      assert.match(firstLine(r.err), pattern);
      assert.match(r.err, /\nHint: /);
      assert.doesNotMatch(r.err, /\n\s+at |not-the-token|k8s-token/);
      assert.equal(r.out, "");
    }
    assert.ok(!existsSync(join(dir, "nowhere.pub")));
    assert.ok(!k8s.secrets.has("nowhere/x"));
    // cosign.pub exists: without --yes the secret is not created either.
    const before = readFileSync(join(dir, "cosign.pub"), "utf8");
    const r = await run(["generate-key-pair", "k8s://release/second"], {
      KUBECONFIG: kubeconfig,
      COSIGN_PASSWORD: "x",
    });
    assert.notEqual(r.code, 0);
    assert.match(r.err, /cosign.pub/);
    assert.ok(!k8s.secrets.has("release/second"));
    // An output directory that does not exist fails before the secret is written.
    const nodir = await run(
      [
        "generate-key-pair",
        "--output-key-prefix",
        join(dir, "no", "such", "dir", "k"),
        "k8s://release/third",
      ],
      { KUBECONFIG: kubeconfig, COSIGN_PASSWORD: "x" },
    );
    assert.equal(nodir.code, 1, nodir.err);
    assert.match(firstLine(nodir.err), /no.such.dir.k\.pub/);
    assert.ok(!k8s.secrets.has("release/third"));
    assert.equal(readFileSync(join(dir, "cosign.pub"), "utf8"), before);
  });

  it("env://: signs with an encrypted key in a variable and verifies with a public key in another; unset, empty, not PEM are errors", async () => {
    const key = openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]);
    const der = openssl(["pkcs8", "-topk8", "-nocrypt", "-outform", "DER"], key);
    const pub = new TextDecoder().decode(openssl(["pkey", "-pubout"], key));
    writeFileSync(join(dir, "env.pub"), pub);
    const env = {
      SIGNING_KEY: pythonEncryptCosignKey(der, "env-pw"),
      COSIGN_PASSWORD: "env-pw",
      VERIFY_KEY: pub,
      EMPTY: "",
      NOT_PEM: "just text",
    };
    await blobRoundTrip("env://SIGNING_KEY", "env://VERIFY_KEY", "env.pub", "env", env);
    const pk = await run(["public-key", "--key", "env://SIGNING_KEY"], env);
    assert.equal(pk.out, pub);
    for (
      const [ref, pattern] of [
        ["env://UNSET_VAR", /"env:\/\/UNSET_VAR": UNSET_VAR is not set$/],
        ["env://EMPTY", /EMPTY is empty$/],
        ["env://NOT_PEM", /"env:\/\/NOT_PEM": it contains no PEM block$/],
      ] as const
    ) {
      const r = await run([
        "verify-blob",
        "--key",
        ref,
        "--signature",
        "env.sig",
        "--insecure-ignore-tlog",
        blob,
      ], env);
      assert.equal(r.code, 1, r.err);
      assert.match(firstLine(r.err), pattern);
      assert.doesNotMatch(r.err, /Verified OK/);
    }
  });

  it("https://: verifies with a public key served over TLS; 404, not PEM, oversized and plain http off loopback are errors", async () => {
    const tls = join(dir, "https");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(tls);
    const certs = await makeTestCertificates(tls);
    const pub = readFileSync(join(dir, "env.pub"), "utf8");
    const server: Server = createHttpsServer(
      { cert: readFileSync(certs.certFile), key: readFileSync(certs.keyFile) },
      (req, res) => {
        if (req.url === "/keys/cosign.pub") return void res.end(pub);
        if (req.url === "/page") return void res.end("<!doctype html><p>hello</p>");
        if (req.url === "/huge") return void res.end("A".repeat(2 << 20));
        res.writeHead(404).end("not found");
      },
    );
    const port = await listenLoopback(server as unknown as import("node:http").Server);
    try {
      const env = { NODE_EXTRA_CA_CERTS: certs.caFile };
      const url = `https://127.0.0.1:${port}`;
      const v = await run([
        "verify-blob",
        "--key",
        `${url}/keys/cosign.pub`,
        "--signature",
        "env.sig",
        "--insecure-ignore-tlog",
        blob,
      ], env);
      assert.equal(v.code, 0, v.err);
      const pk = await run(["public-key", "--key", `${url}/keys/cosign.pub`], env);
      assert.equal(pk.out, pub);
      for (
        const [ref, pattern, e] of [
          [`${url}/missing.pub`, /answered HTTP 404/, env],
          [`${url}/page`, /it contains no PEM block/, env],
          [`${url}/huge`, /sent more than 1048576 bytes/, env],
          [`${url}/keys/cosign.pub`, /certificate|TLS|self.signed|issuer/i, {}],
          ["http://example.com/cosign.pub", /plain http is only allowed to loopback/, env],
        ] as const
      ) {
        const r = await run([
          "verify-blob",
          "--key",
          ref,
          "--signature",
          "env.sig",
          "--insecure-ignore-tlog",
          blob,
        ], e);
        assert.equal(r.code, 1, `${ref}: ${r.err}`);
        assert.match(firstLine(r.err), pattern);
        assert.doesNotMatch(r.err, /\n\s+at /);
      }
    } finally {
      await closeServer(server);
    }
  });

  it("github://: generate-key-pair seals the three secrets to the repository key (python3-nacl opens them); sign is refused with a hint", async () => {
    const env = { GITHUB_API_URL: gh.url, GITHUB_TOKEN: "ghp_admin", COSIGN_PASSWORD: "gh-pw" };
    const g = await run(
      ["generate-key-pair", "--output-key-prefix", "github", "github://acme/app"],
      env,
    );
    assert.equal(g.code, 0, g.err);
    assert.equal(
      g.err,
      "Password written to COSIGN_PASSWORD github actions secret\n" +
        "Private key written to COSIGN_PRIVATE_KEY github actions secret\n" +
        "Public key written to COSIGN_PUBLIC_KEY github actions secret\n" +
        "Public key written to github.pub\n",
    );
    const { secretKey } = gh.keyPair("repos/acme/app");
    const open = (name: string) => {
      const r = spawnSync("/usr/bin/python3", [
        "-c",
        "import sys, base64\nfrom nacl.public import PrivateKey, SealedBox\n" +
        "sys.stdout.write(SealedBox(PrivateKey(base64.b64decode(sys.argv[1]))).decrypt(base64.b64decode(sys.argv[2])).decode())",
        Buffer.from(secretKey).toString("base64"),
        gh.secrets.get(`repos/acme/app/${name}`)!.encrypted_value,
      ]);
      assert.equal(r.status, 0, r.stderr?.toString());
      return r.stdout.toString();
    };
    assert.equal(open("COSIGN_PASSWORD"), "gh-pw");
    assert.equal(open("COSIGN_PUBLIC_KEY"), readFileSync(join(dir, "github.pub"), "utf8"));
    // The private key, as a workflow would get it (env://), signs; the written .pub verifies.
    const wf = {
      COSIGN_PRIVATE_KEY: open("COSIGN_PRIVATE_KEY"),
      COSIGN_PASSWORD: open("COSIGN_PASSWORD"),
    };
    await blobRoundTrip("env://COSIGN_PRIVATE_KEY", "github.pub", "github.pub", "gh", wf, {});
    const refused = await run([
      "sign-blob",
      "--key",
      "github://acme/app",
      "--tlog-upload=false",
      blob,
    ], env);
    assert.equal(refused.code, 1);
    assert.match(
      refused.err,
      /GitHub Actions secrets cannot be read back\nHint: .*env:\/\/COSIGN_PRIVATE_KEY/,
    );
    const noToken = await run([
      "generate-key-pair",
      "--output-key-prefix",
      "nogh",
      "github://acme/app",
    ], { GITHUB_API_URL: gh.url, COSIGN_PASSWORD: "x" });
    assert.equal(noToken.code, 1);
    assert.match(firstLine(noToken.err), /GITHUB_TOKEN is not set/);
    assert.ok(!existsSync(join(dir, "nogh.pub")));
  });

  it("gitlab://: generate-key-pair writes the variables; sign, verify and public-key read them back; errors are clear", async () => {
    const env = { GITLAB_HOST: gl.url, GITLAB_TOKEN: "glpat-maint", COSIGN_PASSWORD: "gl-pw" };
    const g = await run(
      ["generate-key-pair", "--output-key-prefix", "gitlab", "gitlab://acme/app"],
      env,
    );
    assert.equal(g.code, 0, g.err);
    assert.match(g.err, /^Password written to "COSIGN_PASSWORD" variable\n/);
    const pub = readFileSync(join(dir, "gitlab.pub"), "utf8");
    assert.equal(gl.variables.get("acme/app/COSIGN_PUBLIC_KEY")?.value, pub);
    const read = { GITLAB_HOST: gl.url, GITLAB_TOKEN: "glpat-maint" };
    const pk = await run(["public-key", "--key", "gitlab://7"], read);
    assert.equal(pk.out, pub);
    await blobRoundTrip("gitlab://acme/app", "gitlab://acme/app", "gitlab.pub", "gl", read);
    const ref = `${reg.host}/gl-signed:v1`;
    await pushTestImage(client, ref);
    const si = await run(["sign", "--key", "gitlab://acme/app", "--tlog-upload=false", ref], read);
    assert.equal(si.code, 0, si.err);
    const vi = await run(
      ["verify", "--key", "gitlab://acme/app", "--insecure-ignore-tlog", ref],
      read,
    );
    assert.equal(vi.code, 0, vi.err);
    const wrongKey = await run([
      "verify",
      "--key",
      "k8s://release/signing",
      "--insecure-ignore-tlog",
      ref,
    ], { KUBECONFIG: kubeconfig });
    assert.equal(wrongKey.code, 12, wrongKey.err);
    const bad = await run(["public-key", "--key", "gitlab://acme/app"], {
      GITLAB_HOST: gl.url,
      GITLAB_TOKEN: "glpat-nope",
    });
    assert.equal(bad.code, 1);
    assert.match(firstLine(bad.err), /refused GITLAB_TOKEN: 401 Unauthorized/);
    assert.doesNotMatch(bad.err, /glpat-nope/);
  });

  it("--help lists the k8s, github and gitlab key schemes", async () => {
    const h = await run(["--help"]);
    assert.equal(h.code, 0, h.err);
    for (const scheme of ["k8s", "github", "gitlab"]) {
      assert.match(h.out + h.err, new RegExp(`\\b${scheme}\\b.*key-${scheme}`));
    }
  });
});
