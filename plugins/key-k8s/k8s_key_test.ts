import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import { isCosignError } from "../../core/errors.ts";
import { testContext, type TestContextOptions } from "../../tests/helpers/plugin_context.ts";
import { openssl, pythonDecryptCosignKey } from "../../tests/helpers/python.ts";
import { type K8sStandIn, startK8sStandIn } from "../../tests/helpers/k8s_api_standin.ts";
import { keyFilePlugin } from "../key-file/plugin.ts";
import { keyK8sPlugin } from "./plugin.ts";
import { clusterConnection } from "./kubeconfig.ts";
import { parseSecretRef } from "./secret_ref.ts";

function context(env: Record<string, string>, opts: TestContextOptions = {}) {
  return testContext([keyFilePlugin, keyK8sPlugin], env, opts);
}

const data = new TextEncoder().encode("signed through a Kubernetes secret");
const decode = (b64: string) => Buffer.from(b64, "base64").toString("utf8");

describe("k8s:// references", () => {
  it("parses k8s://NAMESPACE/SECRET and refuses anything else", () => {
    assert.deepEqual(parseSecretRef("k8s://release/cosign.keys"), {
      namespace: "release",
      name: "cosign.keys",
    });
    for (
      const bad of ["k8s://only", "k8s://a/b/c", "k8s://Upper/x", "k8s://ns/..", "k8s://ns/a%2Fb"]
    ) {
      assert.throws(
        () => parseSecretRef(bad),
        (e) => isCosignError(e, "INVALID_INPUT") && !!e.hint,
      );
    }
  });
});

describe("key-k8s against the Kubernetes API stand-in", () => {
  const dir = mkdtempSync(join(tmpdir(), "key-k8s-"));
  let k8s: K8sStandIn;
  const kubeconfig = join(dir, "kubeconfig");
  before(async () => {
    k8s = await startK8sStandIn({
      dir,
      namespaces: ["default", "release"],
      tokens: { "good-token": "alice", "bob-token": "bob" },
      basic: { carol: "s3cret" },
      forbidden: ["bob"],
    });
  });
  after(async () => {
    await k8s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("generate writes cosign.key, cosign.pub, cosign.password (immutable); sign and verify read them", async () => {
    writeFileSync(kubeconfig, k8s.kubeconfig({ token: "good-token" }));
    const { ctx, info } = context({ KUBECONFIG: kubeconfig }, { password: "k8s-pass" });
    const material = await ctx.plugins.keyProvider("k8s://release/cosign").provider.generate!(
      "k8s://release/cosign",
      ctx,
    );
    const s = k8s.secrets.get("release/cosign")!;
    assert.deepEqual(Object.keys(s.data).sort(), ["cosign.key", "cosign.password", "cosign.pub"]);
    assert.equal(s.immutable, true);
    assert.equal(decode(s.data["cosign.password"]), "k8s-pass");
    assert.equal(decode(s.data["cosign.pub"]), material.pem);
    // Python (libsodium + hashlib.scrypt) opens the stored key with the stored password.
    const { pkcs8, info: envelope } = pythonDecryptCosignKey(
      decode(s.data["cosign.key"]),
      "k8s-pass",
    );
    assert.equal(envelope.label, "ENCRYPTED SIGSTORE PRIVATE KEY");
    const pub = openssl(["pkey", "-inform", "DER", "-pubout"], pkcs8);
    assert.equal(new TextDecoder().decode(pub), material.pem);
    assert.deepEqual(info, ["Successfully created secret cosign in namespace release"]);
    // Sign without any password prompt (cosign.password is used), verify with cosign.pub.
    const signing = context({ KUBECONFIG: kubeconfig });
    const signer = await signing.ctx.plugins.signer("k8s://release/cosign", signing.ctx);
    const sig = await signer.sign(data);
    assert.deepEqual(signing.asked, []);
    const verifier = await signing.ctx.plugins.verifier("k8s://release/cosign", signing.ctx);
    assert.equal((await verifier.publicKey()).pem, material.pem);
    assert.ok(await verifier.verify(data, sig));
    assert.ok(!(await verifier.verify(new TextEncoder().encode("tampered"), sig)));
    assert.ok(k8s.requests.every((r) => r.user === "alice" && r.via === "token"));
    const create = k8s.requests.find((r) => r.method === "POST")!;
    assert.equal(create.path, "/api/v1/namespaces/release/secrets");
  });

  it("authenticates with a client certificate and with basic credentials", async () => {
    for (
      const [user, via, who] of [
        [{ clientCert: true }, "client-certificate", "cert-user"],
        [{ basic: ["carol", "s3cret"] as [string, string] }, "basic", "carol"],
      ] as const
    ) {
      writeFileSync(kubeconfig, k8s.kubeconfig(user));
      const { ctx } = context({ KUBECONFIG: kubeconfig });
      const before = k8s.requests.length;
      const v = await ctx.plugins.verifier("k8s://release/cosign", ctx);
      assert.match((await v.publicKey()).pem, /BEGIN PUBLIC KEY/);
      assert.deepEqual(
        k8s.requests.slice(before).map((r) => [r.user, r.via]),
        [[who, via]],
      );
    }
  });

  it("an existing secret keeps its other data; a cosign.key is replaced only when confirmed", async () => {
    writeFileSync(kubeconfig, k8s.kubeconfig({ token: "good-token" }));
    k8s.secrets.set("default/app", {
      metadata: {
        name: "app",
        namespace: "default",
        uid: "u",
        resourceVersion: "7",
        creationTimestamp: "2026-01-01T00:00:00Z",
      },
      data: { "other": btoa("keep me") },
      type: "Opaque",
    });
    const first = context({ KUBECONFIG: kubeconfig }, { password: "p1" });
    await first.ctx.plugins.keyProvider("k8s://default/app").provider.generate!(
      "k8s://default/app",
      first.ctx,
    );
    const updated = k8s.secrets.get("default/app")!;
    assert.equal(decode(updated.data.other), "keep me");
    assert.equal(decode(updated.data["cosign.password"]), "p1");
    assert.deepEqual(first.asked, ["password: private key"]);
    // Now it holds a key (and is immutable): refused before anything is sent.
    const again = context({ KUBECONFIG: kubeconfig }, { password: "p2", yes: true });
    const sent = k8s.requests.length;
    await assert.rejects(
      again.ctx.plugins.keyProvider("k8s://default/app").provider.generate!(
        "k8s://default/app",
        again.ctx,
      ),
      (e) =>
        isCosignError(e, "KEY") && /immutable/.test(e.message) &&
        /kubectl delete secret/.test(e.hint!),
    );
    assert.ok(k8s.requests.slice(sent).every((r) => r.method === "GET"));
    // A mutable secret with a cosign.key: asks, and "no" leaves it alone.
    const s = k8s.secrets.get("default/app")!;
    delete s.immutable;
    const no = context({ KUBECONFIG: kubeconfig }, { password: "p3", yes: false });
    await assert.rejects(
      no.ctx.plugins.keyProvider("k8s://default/app").provider.generate!(
        "k8s://default/app",
        no.ctx,
      ),
      (e) => isCosignError(e, "ABORTED"),
    );
    assert.match(no.asked[0], /already holds a cosign.key. Overwrite\?/);
    assert.equal(decode(k8s.secrets.get("default/app")!.data["cosign.password"]), "p1");
  });

  it("gives clear errors: missing secret, missing data key, wrong token, RBAC, unknown namespace, no kubeconfig", async () => {
    const cases: [string, Record<string, unknown>, string, RegExp, string][] = [
      [
        "k8s://release/absent",
        { token: "good-token" },
        "signer",
        /secret "absent" does not exist in namespace "release"/,
        "KEY",
      ],
      [
        "k8s://release/cosign",
        { token: "wrong" },
        "verifier",
        /refused the credentials of kubeconfig .*: Unauthorized/,
        "AUTH",
      ],
      [
        "k8s://release/cosign",
        { token: "bob-token" },
        "verifier",
        /secrets "cosign" is forbidden: User "bob" cannot get/,
        "AUTH",
      ],
      [
        "k8s://nowhere/x",
        { token: "good-token" },
        "generate",
        /namespaces "nowhere" not found/,
        "KEY",
      ],
    ];
    for (const [ref, user, op, pattern, code] of cases) {
      writeFileSync(kubeconfig, k8s.kubeconfig(user));
      const { ctx } = context({ KUBECONFIG: kubeconfig }, { password: "x" });
      const p = ctx.plugins.keyProvider(ref).provider;
      const run = op === "signer"
        ? p.signer(ref, ctx)
        : op === "verifier"
        ? p.verifier!(ref, ctx)
        : p.generate!(ref, ctx);
      await assert.rejects(run, (e) => {
        assert.ok(isCosignError(e), String(e));
        assert.equal(e.code, code, e.message);
        assert.match(e.message, pattern);
        assert.ok(e.hint);
        assert.doesNotMatch(e.message, /good-token|bob-token/);
        return true;
      });
    }
    assert.ok(!k8s.secrets.has("nowhere/x"));
    k8s.secrets.set("default/partial", {
      ...k8s.secrets.get("default/app")!,
      data: { "cosign.pub": btoa("x") },
    });
    writeFileSync(kubeconfig, k8s.kubeconfig({ token: "good-token" }));
    const { ctx } = context({ KUBECONFIG: kubeconfig });
    await assert.rejects(
      ctx.plugins.signer("k8s://default/partial", ctx),
      (e) => isCosignError(e, "KEY") && /has no "cosign.key"/.test(e.message),
    );
    const none = context({ HOME: join(dir, "no-home") });
    await assert.rejects(
      none.ctx.plugins.verifier("k8s://default/app", none.ctx),
      (e) => isCosignError(e, "AUTH") && /no kubeconfig .* not inside a cluster/.test(e.message),
    );
  });

  it("reads certificate-authority and tokenFile relative to the kubeconfig; malformed kubeconfigs are clear errors", async () => {
    const sub = join(dir, "conf");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(join(sub, "pki"), { recursive: true });
    writeFileSync(join(sub, "pki", "ca.pem"), k8s.caPem);
    writeFileSync(join(sub, "token"), "good-token\n");
    const files = join(sub, "config");
    writeFileSync(
      files,
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        `- name: c\n  cluster:\n    server: ${k8s.url}/\n    certificate-authority: pki/ca.pem`,
        "users:",
        "- name: u\n  user:\n    tokenFile: token",
        "contexts:",
        "- name: ctx\n  context: {cluster: c, user: u}",
        "current-context: ctx",
      ].join("\n"),
    );
    const conn = await clusterConnection(context({ KUBECONFIG: files }).ctx);
    assert.equal(conn.server, k8s.url);
    assert.equal(conn.caPem, k8s.caPem);
    assert.equal(conn.token, "good-token");
    const { ctx } = context({ KUBECONFIG: files });
    assert.match(
      (await (await ctx.plugins.verifier("k8s://release/cosign", ctx)).publicKey()).pem,
      /PUBLIC KEY/,
    );
    const bad: [string, string, RegExp][] = [
      ["not: [yaml", "INVALID_INPUT", /it is not YAML/],
      ["clusters: {}", "INVALID_INPUT", /"clusters" is not a list/],
      ["clusters:\n- cluster: {server: x}", "INVALID_INPUT", /a cluster entry has no name/],
      ["contexts:\n- name: a\n  context: {cluster: c}", "AUTH", /has no current-context/],
      ["current-context: gone\ncontexts: []", "AUTH", /context "gone" is not in kubeconfig/],
      [
        "current-context: a\ncontexts:\n- name: a\n  context: {cluster: c, user: u}\nclusters:\n- name: c\n  cluster: {server: https://127.0.0.1:1}\nusers:\n- name: u\n  user: {auth-provider: {name: gcp}}",
        "UNSUPPORTED",
        /auth-provider plugins are not supported/,
      ],
      [
        "current-context: a\ncontexts:\n- name: a\n  context: {cluster: c, user: u}\nclusters:\n- name: c\n  cluster: {server: https://127.0.0.1:1, certificate-authority: missing.pem}",
        "IO",
        /Cannot read the cluster CA certificate ".*missing\.pem"/,
      ],
    ];
    for (const [text, code, pattern] of bad) {
      writeFileSync(files, text);
      await assert.rejects(clusterConnection(context({ KUBECONFIG: files }).ctx), (e) => {
        assert.ok(isCosignError(e), String(e));
        assert.equal(e.code, code, `${text}: ${e.message}`);
        assert.match(e.message, pattern);
        assert.ok(e.hint);
        return true;
      });
    }
  });

  it("KUBECONFIG lists merge (first wins, missing files skipped); exec plugins and in-cluster accounts work", async () => {
    const second = join(dir, "second");
    writeFileSync(
      second,
      "current-context: other\ncontexts:\n- name: other\n  context: {cluster: x}\n",
    );
    writeFileSync(kubeconfig, k8s.kubeconfig({ token: "good-token" }));
    const list = [join(dir, "missing"), kubeconfig, second].join(":");
    const conn = await clusterConnection(context({ KUBECONFIG: list }).ctx);
    assert.equal(conn.server, k8s.url);
    assert.equal(conn.token, "good-token");
    assert.match(conn.source, /context "standin"/);
    // An exec credential plugin (client.authentication.k8s.io/v1), relative to the kubeconfig.
    writeFileSync(
      join(dir, "get-token.sh"),
      '#!/bin/sh\necho "$KUBERNETES_EXEC_INFO" | grep -q \'"interactive":false\' || exit 3\n' +
        `echo "$KUBERNETES_EXEC_INFO" | grep -qF '"server":"${k8s.url}"' || exit 4\n` +
        'printf \'{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}\' "$TOKEN_FROM_ENV"\n',
      { mode: 0o755 },
    );
    writeFileSync(
      kubeconfig,
      k8s.kubeconfig({
        exec: {
          apiVersion: "client.authentication.k8s.io/v1",
          command: "./get-token.sh",
          env: [{ name: "TOKEN_FROM_ENV", value: "good-token" }],
          provideClusterInfo: true,
        },
      }),
    );
    const viaExec = context({ KUBECONFIG: kubeconfig });
    const v = await viaExec.ctx.plugins.verifier("k8s://release/cosign", viaExec.ctx);
    assert.match((await v.publicKey()).pem, /PUBLIC KEY/);
    assert.equal(k8s.requests.at(-1)?.user, "alice");
    // An exec plugin may give a client certificate instead (v1beta1 here).
    writeFileSync(
      join(dir, "cred.json"),
      JSON.stringify({
        apiVersion: "client.authentication.k8s.io/v1beta1",
        kind: "ExecCredential",
        status: { clientCertificateData: k8s.clientCert.cert, clientKeyData: k8s.clientCert.key },
      }),
    );
    const execUser = (exec: Record<string, unknown>) =>
      writeFileSync(kubeconfig, k8s.kubeconfig({ exec }));
    execUser({
      apiVersion: "client.authentication.k8s.io/v1beta1",
      command: "cat",
      args: [join(dir, "cred.json")],
    });
    const viaCert = context({ KUBECONFIG: kubeconfig });
    await viaCert.ctx.plugins.verifier("k8s://release/cosign", viaCert.ctx);
    assert.equal(k8s.requests.at(-1)?.via, "client-certificate");
    // Exec plugins that cannot run or answer nonsense: clear AUTH/UNSUPPORTED errors.
    const execCases: [Record<string, unknown>, string, RegExp][] = [
      [
        { apiVersion: "client.authentication.k8s.io/v1", command: "./no-such-plugin" },
        "AUTH",
        /the command was not found/,
      ],
      [
        {
          apiVersion: "client.authentication.k8s.io/v1",
          command: "sh",
          args: ["-c", "echo boom >&2; exit 3"],
        },
        "AUTH",
        /it failed: boom/,
      ],
      [
        { apiVersion: "client.authentication.k8s.io/v1", command: "echo", args: ["not json"] },
        "AUTH",
        /did not print an ExecCredential/,
      ],
      [
        {
          apiVersion: "client.authentication.k8s.io/v1",
          command: "cat",
          args: [join(dir, "cred.json")],
        },
        "AUTH",
        /expected ExecCredential client.authentication.k8s.io\/v1$/,
      ],
      [
        { apiVersion: "client.authentication.k8s.io/v1alpha1", command: "true" },
        "UNSUPPORTED",
        /apiVersion "client.authentication.k8s.io\/v1alpha1" is not supported/,
      ],
    ];
    for (const [exec, code, pattern] of execCases) {
      execUser(exec);
      const c = context({ KUBECONFIG: kubeconfig });
      await assert.rejects(c.ctx.plugins.verifier("k8s://release/cosign", c.ctx), (e) => {
        assert.ok(isCosignError(e), String(e));
        assert.equal(e.code, code, e.message);
        assert.match(e.message, pattern);
        return true;
      });
    }
    // In cluster: service host/port and the mounted token and CA.
    const sa = join(dir, "sa");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(sa);
    writeFileSync(join(sa, "token"), "good-token\n");
    writeFileSync(join(sa, "ca.crt"), k8s.caPem);
    const port = new URL(k8s.url).port;
    const pod = await clusterConnection(
      context({
        HOME: join(dir, "no-home"),
        KUBERNETES_SERVICE_HOST: "127.0.0.1",
        KUBERNETES_SERVICE_PORT: port,
      }).ctx,
      { serviceAccountDir: sa },
    );
    assert.deepEqual(pod, {
      server: k8s.url,
      token: "good-token",
      caPem: k8s.caPem,
      source: "the in-cluster service account",
    });
  });
});
