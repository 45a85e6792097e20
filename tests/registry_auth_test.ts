/**
 * Authentication and TLS against real registries: docker-registry with TLS (test CA + leaf) and
 * htpasswd Basic auth, and docker-registry with bearer tokens from a token server issuing JWTs.
 * skopeo checks the credentials file format independently.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isCosignError } from "../core/errors.ts";
import { RegistryClient } from "../oci/client.ts";
import { saveLogin } from "../oci/docker_config.ts";
import { runProcess, tempDir } from "./helpers/cli.ts";
import {
  pushTestImage,
  skopeoCertDir,
  skopeoInspectDigest,
  startRegistry,
  type TestRegistry,
} from "./helpers/registry.ts";

const anonymous = () => Promise.resolve(undefined);

describe("TLS + htpasswd registry", () => {
  let reg: TestRegistry;
  let tmp: { dir: string; cleanup: () => Promise<void> };
  before(async () => {
    reg = await startRegistry("tls-basic");
    tmp = await tempDir();
  });
  after(async () => {
    await reg?.stop();
    await tmp?.cleanup();
  });

  it("round trip over HTTPS with Basic credentials and the extra CA", async () => {
    const client = new RegistryClient(reg.clientOptions());
    const img = await pushTestImage(client, `${reg.host}/sec/app:v1`);
    const m = await client.getManifest(`${reg.host}/sec/app:v1`);
    assert.equal(m.digest, img.digest);
    assert.ok(reg.accessLog().length > 0);
  });

  it("credentials from a docker config.json written by saveLogin; skopeo accepts the same file", async () => {
    const env = (n: string) => (n === "DOCKER_CONFIG" ? join(tmp.dir, "docker") : undefined);
    const path = await saveLogin(reg.host, reg.username!, reg.password!, env);
    const client = new RegistryClient({ env, caCerts: [reg.caPem!] });
    const img = await pushTestImage(client, `${reg.host}/sec/cfg:v1`, { layers: 1 });
    // skopeo reads our config.json as its --authfile and sees the same digest.
    const certDir = await skopeoCertDir(reg, tmp.dir);
    const r = await skopeoInspectDigest(`${reg.host}/sec/cfg:v1`, path, certDir);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out.trim(), img.digest);
    // and the other way: skopeo login writes, we read.
    const other = join(tmp.dir, "skopeo-auth.json");
    const login = await runProcess("skopeo", [
      "login",
      "--authfile",
      other,
      "--cert-dir",
      certDir,
      "-u",
      reg.username!,
      "--password-stdin",
      reg.host,
    ], { stdin: reg.password! + "\n" });
    assert.equal(login.code, 0, login.err);
    const otherDir = join(tmp.dir, "from-skopeo");
    await mkdir(otherDir, { recursive: true });
    const { readFile } = await import("node:fs/promises");
    await writeFile(join(otherDir, "config.json"), await readFile(other));
    const c2 = new RegistryClient({
      env: (n) => (n === "DOCKER_CONFIG" ? otherDir : undefined),
      caCerts: [reg.caPem!],
    });
    assert.equal((await c2.getManifest(`${reg.host}/sec/cfg:v1`)).digest, img.digest);
  });

  it("no credentials: AUTH error that names cosign-ts login", async () => {
    const client = new RegistryClient(reg.clientOptions({ credentials: anonymous }));
    await assert.rejects(client.getManifest(`${reg.host}/sec/app:v1`), (e: unknown) => {
      assert.ok(isCosignError(e, "AUTH"), String(e));
      assert.match((e as Error).message, /401/);
      assert.match((e as { hint?: string }).hint ?? "", /cosign-ts login 127\.0\.0\.1:\d+/);
      return true;
    });
  });

  it("wrong password: AUTH error, checkCredentials rejects it too", async () => {
    const wrong = { username: reg.username!, password: "wrong" };
    const client = new RegistryClient(reg.clientOptions({ credentials: wrong }));
    await assert.rejects(
      client.getManifest(`${reg.host}/sec/app:v1`),
      (e: unknown) =>
        isCosignError(e, "AUTH") && /cosign-ts login/.test(String((e as { hint?: string }).hint)),
    );
    await assert.rejects(
      new RegistryClient(reg.clientOptions()).checkCredentials(reg.host, wrong),
      (e: unknown) => isCosignError(e, "AUTH"),
    );
    await new RegistryClient(reg.clientOptions()).checkCredentials(reg.host, {
      username: reg.username!,
      password: reg.password!,
    });
  });

  it("without the CA: a TLS error with a hint about --registry-cacert", async () => {
    const client = new RegistryClient(reg.clientOptions({ caCerts: undefined }));
    await assert.rejects(client.getManifest(`${reg.host}/sec/app:v1`), (e: unknown) => {
      assert.ok(isCosignError(e, "NETWORK"), String(e));
      assert.match((e as Error).message, /TLS|certificate/i);
      assert.match((e as { hint?: string }).hint ?? "", /--registry-cacert/);
      return true;
    });
  });
});

describe("bearer-token registry (token server issuing JWTs)", () => {
  let reg: TestRegistry;
  before(async () => {
    reg = await startRegistry("token");
  });
  after(async () => {
    await reg?.stop();
  });

  it("push and pull with tokens; tokens are cached per scope", async () => {
    const client = new RegistryClient(reg.clientOptions());
    const t0 = reg.tokenRequests();
    const img = await pushTestImage(client, `${reg.host}/tok/app:v1`);
    const pushTokens = reg.tokenRequests() - t0;
    assert.ok(pushTokens >= 1 && pushTokens <= 2, `token requests for a push: ${pushTokens}`);
    const t1 = reg.tokenRequests();
    assert.equal((await client.getManifest(`${reg.host}/tok/app:v1`)).digest, img.digest);
    await client.getBlobBytes(`${reg.host}/tok/app`, img.layers[0].digest);
    assert.equal(reg.tokenRequests() - t1, 0, "the push token serves reads too");
    const reader = new RegistryClient(reg.clientOptions());
    const t2 = reg.tokenRequests();
    await reader.getManifest(`${reg.host}/tok/app:v1`);
    await reader.getBlobBytes(`${reg.host}/tok/app`, img.layers[0].digest);
    await reader.getManifest(`${reg.host}/tok/app:v1`);
    assert.equal(reg.tokenRequests() - t2, 1, "one pull token for three reads");
    // delete needs its own scope
    await client.deleteManifest(`${reg.host}/tok/app:v1`);
    assert.equal(await reader.headManifest(`${reg.host}/tok/app@${img.digest}`), undefined);
  });

  it("cross-repository mount asks for pull on the source too", async () => {
    const client = new RegistryClient(reg.clientOptions());
    const data = new TextEncoder().encode("mount me " + Date.now());
    const d = await client.putBlob(`${reg.host}/tok/src`, data);
    assert.equal(
      await client.mountBlob(`${reg.host}/tok/dst`, d.digest, `${reg.host}/tok/src`),
      true,
    );
    assert.equal(await client.blobExists(`${reg.host}/tok/dst`, d.digest), true);
  });

  it("identity (refresh) token from docker config is exchanged with a POST", async () => {
    const client = new RegistryClient(
      reg.clientOptions({ credentials: { identityToken: reg.identityToken } }),
    );
    const img = await pushTestImage(client, `${reg.host}/tok/idt:v1`, { layers: 1 });
    assert.equal(await client.resolveDigest(`${reg.host}/tok/idt:v1`), img.digest);
    const bad = new RegistryClient(reg.clientOptions({ credentials: { identityToken: "nope" } }));
    await assert.rejects(
      bad.getManifest(`${reg.host}/tok/idt:v1`),
      (e: unknown) => isCosignError(e, "AUTH"),
    );
  });

  it("anonymous tokens carry no access: AUTH error naming cosign-ts login", async () => {
    const client = new RegistryClient(reg.clientOptions({ credentials: anonymous }));
    await assert.rejects(client.getManifest(`${reg.host}/tok/app:v1`), (e: unknown) => {
      assert.ok(isCosignError(e, "AUTH"), String(e));
      assert.match((e as { hint?: string }).hint ?? "", /cosign-ts login/);
      return true;
    });
  });

  it("bad password: the token server's 401 becomes an AUTH error", async () => {
    const client = new RegistryClient(
      reg.clientOptions({ credentials: { username: reg.username, password: "bad" } }),
    );
    await assert.rejects(client.getManifest(`${reg.host}/tok/app:v1`), (e: unknown) => {
      assert.ok(isCosignError(e, "AUTH"), String(e));
      assert.match((e as Error).message, /token server refused the credentials/);
      return true;
    });
  });
});

describe("bearer tokens expire", () => {
  it("a new token is fetched once the old one is about to expire", async () => {
    const reg = await startRegistry("token", { tokenTtl: 2 });
    try {
      const client = new RegistryClient(reg.clientOptions());
      const img = await pushTestImage(client, `${reg.host}/exp/app:v1`, { layers: 1 });
      const t0 = reg.tokenRequests();
      await client.getManifest(`${reg.host}/exp/app@${img.digest}`);
      assert.equal(reg.tokenRequests() - t0, 0, "still valid");
      await new Promise((r) => setTimeout(r, 1200)); // past half of a 2 s lifetime
      await client.getManifest(`${reg.host}/exp/app@${img.digest}`);
      assert.equal(reg.tokenRequests() - t0, 1, "renewed");
    } finally {
      await reg.stop();
    }
  });
});
