/**
 * End-to-end tests of `azurekms://` keys on dist/cosign-ts against the in-repo Entra ID + Key
 * Vault stand-in (tests/helpers/azure_kv_standin.ts: checks the client-credentials flow, token
 * signature, audience and tenant, access policies, key names and versions, and signs with real
 * keys) — not the real Azure services, which cannot run here. Signatures are checked with
 * openssl; images are signed in a real registry (Debian's docker-registry).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ROOT, runProcess, tempDir } from "./helpers/cli.ts";
import { type Env, kmsE2e, type KmsE2eState } from "./helpers/kms_e2e.ts";
import { type AzureKvStandin, startAzureKvStandin } from "./helpers/azure_kv_standin.ts";
import { imageRoundTrip } from "./helpers/kms_image.ts";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const OTHER_TENANT = "0a0b0c0d-0000-4000-8000-000000000001";
const CLIENT = "11111111-2222-4333-8444-555555555555";
const READER = "99999999-2222-4333-8444-555555555555";
const SECRET = "Zx8Q~standin-SECRET-never-printed";
const VAULT = "release.vault.azure.net";
const IDENTITY = "77777777-2222-4333-8444-555555555555";
const CERT_CLIENT = "88888888-2222-4333-8444-555555555555";
const IDENTITY_HEADER = "standin-SECRET-identity-header";

describe("azurekms:// keys on dist/cosign-ts (Entra ID + Key Vault stand-in)", () => {
  let az: AzureKvStandin;
  let cleanup: () => Promise<void>;
  let rotatedOld: string;
  const state: KmsE2eState = { dir: "", blob: "", env: {} };
  const noSecret = (r: { out: string; err: string }) => {
    assert.doesNotMatch(r.out + r.err, /-SECRET|eyJ/, "a secret or token was printed");
  };
  const { run, signBlob, opensslVerify, verifyBlob, signFails } = kmsE2e(state, noSecret);

  before(async () => {
    az = await startAzureKvStandin();
    az.addApp(TENANT, CLIENT, SECRET);
    az.addApp(TENANT, READER, SECRET);
    az.addApp(OTHER_TENANT, CLIENT, SECRET);
    az.addVault(VAULT, TENANT);
    az.allow(VAULT, CLIENT, ["get", "sign", "create"]);
    az.allow(VAULT, READER, ["get"]);
    az.addKey(VAULT, "p256", "EC-P-256");
    az.addKey(VAULT, "p384", "EC-P-384");
    az.addKey(VAULT, "rsa", "RSA-2048");
    rotatedOld = az.addKey(VAULT, "rotated", "EC-P-256");
    az.addKey(VAULT, "rotated", "EC-P-256");
    let dir: string;
    ({ dir, cleanup } = await tempDir("cosign-ts-azurekms-"));
    state.dir = dir;
    state.blob = join(state.dir, "blob.bin");
    await writeFile(state.blob, new Uint8Array(300_000).map((_, i) => (i * 29 + (i >> 5)) & 0xff));
    state.env = {
      AZURE_TENANT_ID: TENANT,
      AZURE_CLIENT_ID: CLIENT,
      AZURE_CLIENT_SECRET: SECRET,
      AZURE_AUTHORITY_HOST: az.authorityHost,
      COSIGN_TS_AZURE_VAULT_ENDPOINT: az.vaultEndpoint,
      HOME: dir,
    };
  });

  after(async () => {
    await az?.stop();
    await cleanup?.();
  });

  for (
    const [label, key, hash] of [
      ["EC P-256 (ES256)", "p256", "sha256"],
      ["EC P-384 (ES384)", "p384", "sha384"],
      ["RSA 2048 (RS256)", "rsa", "sha256"],
    ] as const
  ) {
    it(`${label}: sign-blob signs a digest in Key Vault; openssl and verify-blob accept it`, async () => {
      const ref = `azurekms://${VAULT}/${key}`;
      const before = az.requests.length;
      const sig = await signBlob(ref);
      const pub = az.publicKeyPem(VAULT, key);
      assert.ok(await opensslVerify(pub, sig, hash), "openssl rejects the Key Vault signature");
      const calls = az.requests.slice(before);
      assert.ok(
        calls.includes(`POST /${TENANT}/oauth2/v2.0/token`),
        "client credentials were used",
      );
      assert.ok(
        calls.some((c) => new RegExp(`^POST /${VAULT}/keys/${key}/[0-9a-f]{32}/sign$`).test(c)),
      );
      const p = await run(["public-key", "--key", ref]);
      assert.equal(p.code, 0, p.err);
      assert.equal(p.out, pub);
      const v = await verifyBlob(ref, sig);
      assert.equal(v.code, 0, v.err);
      assert.match(v.err, /Verified OK/);
    });
  }

  it("a vault in another cloud (*.vault.azure.cn) gets a token for that cloud's audience", async () => {
    const china = "release.vault.azure.cn";
    az.addVault(china, TENANT);
    az.allow(china, CLIENT, ["get", "sign"]);
    az.addKey(china, "cn", "EC-P-256");
    const sig = await signBlob(`azurekms://${china}/cn`);
    assert.ok(await opensslVerify(az.publicKeyPem(china, "cn"), sig));
  });

  it("a client certificate (AZURE_CLIENT_CERTIFICATE_PATH, PEM) instead of a secret", async () => {
    const d = state.dir;
    const openssl = (args: string[]) => runProcess("openssl", args);
    const make = async (name: string) => {
      const r = await openssl([
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        `/CN=${name}`,
        "-keyout",
        join(d, `${name}.key`),
        "-out",
        join(d, `${name}.crt`),
      ]);
      assert.equal(r.code, 0, r.err);
      // The key as PKCS#1 ("RSA PRIVATE KEY"), as some tools write it, after the certificate.
      const rsa = await openssl(["rsa", "-in", join(d, `${name}.key`), "-traditional"]);
      assert.equal(rsa.code, 0, rsa.err);
      const pem = join(d, `${name}.pem`);
      await writeFile(pem, (await readFile(join(d, `${name}.crt`), "utf8")) + rsa.out);
      return pem;
    };
    const uploaded = await make("cosign-sp");
    const stranger = await make("stranger");
    az.addAppCertificate(TENANT, CERT_CLIENT, await readFile(join(d, "cosign-sp.crt"), "utf8"));
    az.allow(VAULT, CERT_CLIENT, ["get", "sign"]);
    const env: Env = {
      AZURE_CLIENT_ID: CERT_CLIENT,
      AZURE_CLIENT_SECRET: undefined,
      AZURE_CLIENT_CERTIFICATE_PATH: uploaded,
    };
    const sig = await signBlob(`azurekms://${VAULT}/p256`, env);
    assert.ok(await opensslVerify(az.publicKeyPem(VAULT, "p256"), sig));
    let r = await signFails(`azurekms://${VAULT}/p256`, {
      ...env,
      AZURE_CLIENT_CERTIFICATE_PATH: stranger,
    });
    assert.match(
      r.err,
      /AADSTS700027: The certificate with identifier used to sign the client assertion is not registered/,
    );
    assert.match(r.err, /AZURE_CLIENT_CERTIFICATE_PATH is uploaded to the app registration/);
    assert.doesNotMatch(r.err, /PRIVATE KEY/);
    const pfx = join(d, "cosign-sp.pfx");
    const p = await openssl([
      "pkcs12",
      "-export",
      "-passout",
      "pass:",
      "-in",
      join(d, "cosign-sp.crt"),
      "-inkey",
      join(d, "cosign-sp.key"),
      "-out",
      pfx,
    ]);
    assert.equal(p.code, 0, p.err);
    r = await signFails(`azurekms://${VAULT}/p256`, { ...env, AZURE_CLIENT_CERTIFICATE_PATH: pfx });
    assert.match(r.err, /holds no PEM certificate \(PKCS#12\/PFX files are not supported\)/);
    assert.match(r.err, /openssl pkcs12 -in cert\.pfx -out cert\.pem -nodes/);
  });

  it("no service principal in the environment: the Azure CLI's login (az account get-access-token)", async () => {
    const bin = join(state.dir, "az-bin");
    const config = join(state.dir, "az-config");
    await mkdir(bin, { recursive: true });
    await mkdir(config, { recursive: true });
    await writeFile(
      join(bin, "az"),
      `#!/bin/sh\nexec python3 ${join(ROOT, "tests", "helpers", "az_cli_standin.py")} "$@"\n`,
      { mode: 0o755 },
    );
    const cli: Env = {
      AZURE_TENANT_ID: undefined,
      AZURE_CLIENT_ID: undefined,
      AZURE_CLIENT_SECRET: undefined,
      AZURE_CONFIG_DIR: config,
      PATH: `${bin}:/usr/bin:/bin`,
    };
    // Not logged in: az's own error, and what to do.
    let r = await signFails(`azurekms://${VAULT}/p256`, cli);
    assert.match(
      r.err,
      /with the Azure CLI login \(az\): az account get-access-token failed: ERROR: Please run 'az login'/,
    );
    // `az login` (as the service principal CLIENT): az's token for the vault's resource signs.
    await writeFile(
      join(config, "standin_login.json"),
      JSON.stringify({
        authority: az.authorityHost,
        tenant: TENANT,
        client_id: CLIENT,
        client_secret: SECRET,
      }),
    );
    const sig = await signBlob(`azurekms://${VAULT}/p256`, cli);
    assert.ok(await opensslVerify(az.publicKeyPem(VAULT, "p256"), sig));
    const calls = (await readFile(join(config, "standin_calls.log"), "utf8")).trim().split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(calls.at(-1), [
      "account",
      "get-access-token",
      "--output",
      "json",
      "--resource",
      "https://vault.azure.net",
    ]);
    // AZURE_AUTH_METHOD=cli with a tenant: az is asked for that tenant.
    r = await signFails(`azurekms://${VAULT}/p256`, {
      ...cli,
      AZURE_AUTH_METHOD: "cli",
      AZURE_TENANT_ID: OTHER_TENANT,
    });
    assert.match(r.err, /Tenant '0a0b0c0d-0000-4000-8000-000000000001' not found/);
  });

  it("AZURE_AUTH_METHOD=environment without a secret: the managed identity (IMDS, App Service)", async () => {
    az.managedIdentity = { tenant: TENANT, clientId: IDENTITY, identityHeader: IDENTITY_HEADER };
    az.allow(VAULT, IDENTITY, ["get", "sign"]);
    const mi: Env = {
      AZURE_AUTH_METHOD: "environment",
      AZURE_TENANT_ID: undefined,
      AZURE_CLIENT_ID: undefined,
      AZURE_CLIENT_SECRET: undefined,
      AZURE_POD_IDENTITY_AUTHORITY_HOST: az.authorityHost,
    };
    const pub = az.publicKeyPem(VAULT, "p256");
    const before = az.requests.length;
    assert.ok(await opensslVerify(pub, await signBlob(`azurekms://${VAULT}/p256`, mi)));
    assert.ok(az.requests.slice(before).includes("GET /metadata/identity/oauth2/token"));
    // App Service: IDENTITY_ENDPOINT + IDENTITY_HEADER, a user-assigned identity by AZURE_CLIENT_ID.
    const appService: Env = {
      ...mi,
      AZURE_CLIENT_ID: IDENTITY,
      IDENTITY_ENDPOINT: `${az.authorityHost}msi/token`,
      IDENTITY_HEADER: IDENTITY_HEADER,
    };
    assert.ok(await opensslVerify(pub, await signBlob(`azurekms://${VAULT}/p256`, appService)));
    let r = await signFails(`azurekms://${VAULT}/p256`, {
      ...appService,
      IDENTITY_HEADER: "wrong",
    });
    assert.match(r.err, /Cannot get an Azure token from the managed identity .*IDENTITY_ENDPOINT/);
    assert.match(r.err, /X-IDENTITY-HEADER is missing or invalid/);
    r = await signFails(`azurekms://${VAULT}/p256`, { ...mi, AZURE_CLIENT_ID: "someone-else" });
    assert.match(r.err, /Identity not found/);
    // Not on Azure: nothing answers at the metadata address.
    r = await signFails(`azurekms://${VAULT}/p256`, {
      ...mi,
      AZURE_POD_IDENTITY_AUTHORITY_HOST: "http://127.0.0.1:9",
    });
    assert.match(r.err, /Azure managed identity/);
    assert.match(r.err, /Managed identity works on Azure only/);
  });

  it("the current version signs; a pinned version is honoured", async () => {
    const current = await signBlob(`azurekms://${VAULT}/rotated`);
    assert.ok(await opensslVerify(az.publicKeyPem(VAULT, "rotated"), current));
    const pinned = await signBlob(`azurekms://${VAULT}/rotated/${rotatedOld}`);
    assert.ok(await opensslVerify(az.publicKeyPem(VAULT, "rotated", rotatedOld), pinned));
    const v = await verifyBlob(`azurekms://${VAULT}/rotated/${rotatedOld}`, current);
    assert.equal(v.code, 12, v.err);
  });

  it("signs an image in a real registry; verify accepts the KMS reference and its public key", async () => {
    const pubFile = join(state.dir, "image-key.pub");
    const p = await run(["public-key", "--key", `azurekms://${VAULT}/p256`, "--outfile", pubFile]);
    assert.equal(p.code, 0, p.err);
    await imageRoundTrip({
      run,
      keyRef: `azurekms://${VAULT}/p256`,
      pubFile,
      repo: "azure/app",
      dockerConfig: state.dir,
      checkSign: noSecret,
    });
  });

  it("generate-key-pair --kms creates an EC P-256 key tagged use=sigstore, then signs with it", async () => {
    const ref = `azurekms://${VAULT}/release-2026`;
    const g = await run(["generate-key-pair", "--kms", ref]);
    assert.equal(g.code, 0, g.err);
    noSecret(g);
    assert.match(g.err, /Public key written to cosign\.pub/);
    assert.deepEqual(az.created.at(-1), {
      kty: "EC",
      crv: "P-256",
      key_ops: ["sign", "verify"],
      attributes: { enabled: true },
      tags: { use: "sigstore" },
    });
    const pem = az.publicKeyPem(VAULT, "release-2026");
    assert.equal(await readFile(join(state.dir, "cosign.pub"), "utf8"), pem);
    assert.ok(await opensslVerify(pem, await signBlob(ref)));
    const again = await run(["generate-key-pair", "--kms", ref, "--output-key-prefix", "again"]);
    assert.equal(again.code, 0, again.err);
    assert.match(again.err, /already exists/);
    assert.equal(az.created.length, 1, "the existing key is reused, nothing created");
    assert.equal(await readFile(join(state.dir, "again.pub"), "utf8"), pem);
  });

  describe("errors: clear, naming the service, nothing written, no secrets", () => {
    const P256 = `azurekms://${VAULT}/p256`;

    it("a wrong client secret, an unknown tenant, missing variables", async () => {
      let r = await signFails(P256, { AZURE_CLIENT_SECRET: "wrong-SECRET" });
      assert.match(r.err, /Cannot sign in to Azure as client "11111111-.*" of tenant "72f988bf-/);
      assert.match(r.err, /AADSTS7000215: Invalid client secret provided/);
      assert.match(r.err, /AZURE_CLIENT_SECRET/);
      r = await signFails(P256, { AZURE_TENANT_ID: "00000000-0000-4000-8000-00000000dead" });
      assert.match(r.err, /AADSTS90002: Tenant '00000000-0000-4000-8000-00000000dead' not found/);
      // Incomplete variables and no Azure CLI on PATH (cosign would ask az next).
      r = await signFails(P256, {
        AZURE_CLIENT_SECRET: undefined,
        AZURE_CLIENT_ID: undefined,
        PATH: join(state.dir, "no-az"),
      });
      assert.match(
        r.err,
        /AZURE_CLIENT_ID, AZURE_CLIENT_SECRET not set and the Azure CLI \(az\) is not installed/,
      );
      assert.match(r.err, /run az login/);
    });

    it("a token of another tenant: the vault refuses it (401)", async () => {
      const r = await signFails(P256, { AZURE_TENANT_ID: OTHER_TENANT });
      assert.match(r.err, /Azure Key Vault refused the token of client/);
      assert.match(r.err, /AKV10032: Invalid issuer/);
    });

    it("no sign permission in the access policy (403)", async () => {
      const r = await signFails(P256, { AZURE_CLIENT_ID: READER });
      assert.match(r.err, /Azure Key Vault denied it to client "99999999-/);
      assert.match(r.err, /does not have keys sign permission/);
      assert.match(r.err, /Key Vault Crypto User/);
    });

    it("unknown key or version, bad reference, unknown vault host", async () => {
      let r = await signFails(`azurekms://${VAULT}/missing`);
      assert.match(r.err, /KeyNotFound: A key with \(name\/id\) missing was not found/);
      assert.match(r.err, /az keyvault key list --vault-name release/);
      r = await signFails(`azurekms://${VAULT}/p256/0123456789abcdef0123456789abcdef`);
      assert.match(r.err, /KeyNotFound/);
      r = await signFails("azurekms://release.vault.azure.net");
      assert.match(r.err, /Invalid Azure Key Vault key reference/);
      r = await signFails("azurekms://nowhere.vault.azure.net/p256");
      assert.match(r.err, /Azure Key Vault/);
    });

    it("a vault that does not answer: the -t/--timeout limit stops it", async () => {
      az.fault = "hang";
      try {
        const started = Date.now();
        const r = await signFails(P256, {}, ["--timeout", "2s"]);
        assert.ok(Date.now() - started < 20_000);
        assert.match(r.err, /Azure Key Vault/);
        assert.match(r.err, /timed out/);
        assert.match(r.err, /-t\/--timeout/);
      } finally {
        az.fault = undefined;
      }
    });

    it("garbage answers and wrong signatures are refused before anything is written", async () => {
      az.fault = "garbage";
      try {
        const r = await signFails(P256);
        assert.match(r.err, /Azure Key Vault .*not JSON/);
      } finally {
        az.fault = undefined;
      }
      az.fault = "wrong-signature";
      try {
        const r = await signFails(P256);
        assert.match(r.err, /answered a signature that does not verify with the key's public key/);
      } finally {
        az.fault = undefined;
      }
    });
  });
});
