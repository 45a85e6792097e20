/**
 * End-to-end tests of `hashivault://` keys on dist/cosign-ts against the in-repo Vault transit
 * stand-in (tests/helpers/vault_standin.ts: checks token, namespace, paths and bodies, signs with
 * real keys) — not a real Vault, which cannot be installed here. Signatures are checked with
 * openssl; images are signed in a real registry (Debian's docker-registry).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { Buffer } from "node:buffer";
import { tempDir } from "./helpers/cli.ts";
import { startVaultStandin, type VaultStandin } from "./helpers/vault_standin.ts";
import { imageRoundTrip } from "./helpers/kms_image.ts";
import { type Env, kmsE2e, type KmsE2eState } from "./helpers/kms_e2e.ts";
import { opensslVerify as opensslVerifyFile } from "./helpers/openssl.ts";

const TOKEN = "hvs.standin-T0KEN-never-printed";
const NAMESPACE = "team-a";
const MOUNT = "cosign-transit";

describe("hashivault:// keys on dist/cosign-ts (Vault transit stand-in)", () => {
  let vault: VaultStandin;
  let cleanup: () => Promise<void>;
  let blobBytes: Uint8Array;
  const state: KmsE2eState = { dir: "", blob: "", env: {} };
  const noSecret = (r: { out: string; err: string }) => {
    assert.doesNotMatch(r.out + r.err, /T0KEN/, "the token must never be printed");
  };
  const kms = kmsE2e(state, noSecret);
  const run = kms.run;

  before(async () => {
    vault = await startVaultStandin({ token: TOKEN, namespace: NAMESPACE, mount: MOUNT });
    let dir: string;
    ({ dir, cleanup } = await tempDir("cosign-ts-vault-"));
    state.dir = dir;
    state.blob = join(dir, "blob.bin");
    blobBytes = new Uint8Array(300_000).map((_, i) => (i * 7 + (i >> 9)) & 0xff);
    await writeFile(state.blob, blobBytes);
    state.env = {
      VAULT_ADDR: vault.url,
      VAULT_TOKEN: TOKEN,
      VAULT_NAMESPACE: NAMESPACE,
      TRANSIT_SECRET_ENGINE_PATH: MOUNT,
      HOME: dir,
    };
  });

  after(async () => {
    await vault?.stop();
    await cleanup?.();
  });

  it("generate-key-pair --kms creates an ecdsa-p256 transit key; public-key prints it", async () => {
    const r = await run(["generate-key-pair", "--kms", "hashivault://release"]);
    assert.equal(r.code, 0, r.err);
    noSecret(r);
    const create = vault.requests.find((q) =>
      q.method === "POST" && q.path.endsWith("/keys/release")
    );
    assert.deepEqual(create?.body, { type: "ecdsa-p256" });
    assert.equal(create?.path, `/v1/${MOUNT}/keys/release`);
    assert.equal(create?.namespace, NAMESPACE);
    const pem = vault.key("release")!.pem;
    assert.equal(await readFile(join(state.dir, "cosign.pub"), "utf8"), pem);
    const p = await run(["public-key", "--key", "hashivault://release"]);
    assert.equal(p.code, 0, p.err);
    assert.equal(p.out, pem);
    noSecret(p);
  });

  it("sign-blob sends only the SHA-256 digest (prehashed); openssl and Vault's verify agree", async () => {
    const before = vault.requests.length;
    const sig = await kms.signBlob("hashivault://release");
    const sign = vault.requests.slice(before).find((q) => q.path.includes("/sign/"))!;
    assert.equal(sign.path, `/v1/${MOUNT}/sign/release/sha2-256`);
    assert.equal(sign.body?.prehashed, true);
    assert.equal(sign.body?.signature_algorithm, "pkcs1v15");
    assert.equal(
      Buffer.from(sign.body?.input as string, "base64").toString("hex"),
      createHash("sha256").update(blobBytes).digest("hex"),
    );
    assert.equal(await kms.opensslVerify(vault.key("release")!.pem, sig), true);

    const mark = vault.requests.length;
    const v = await kms.verifyBlob("hashivault://release", sig);
    assert.equal(v.code, 0, v.err);
    assert.match(v.err, /Verified OK/);
    const verify = vault.requests.slice(mark).find((q) => q.path.includes("/verify/"))!;
    assert.equal(verify.path, `/v1/${MOUNT}/verify/release/sha2-256`);
    assert.match(verify.body?.signature as string, /^vault:v1:/);

    const bad = await kms.verifyBlob(
      "hashivault://release",
      sig.map((b, i) => i === 10 ? b ^ 1 : b),
    );
    assert.notEqual(bad.code, 0);
  });

  it("reads the token from ~/.vault-token when VAULT_TOKEN is not set", async () => {
    const tokenFile = join(state.dir, ".vault-token");
    await writeFile(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    try {
      await kms.signBlob("hashivault://release", { VAULT_TOKEN: undefined });
    } finally {
      await writeFile(tokenFile, "");
    }
    const none = await kms.signFails("hashivault://release", { VAULT_TOKEN: undefined });
    assert.match(none.err, /no Vault token: VAULT_TOKEN is not set/);
    assert.match(none.err, /vault login/);
  });

  it("signs with RSA (PKCS#1 v1.5) and Ed25519 transit keys; openssl verifies", async () => {
    vault.addKey("rsa", "rsa-2048");
    vault.addKey("ed", "ed25519");
    const rsaSig = await kms.signBlob("hashivault://rsa");
    assert.equal(await kms.opensslVerify(vault.key("rsa")!.pem, rsaSig), true);
    const edSig = await kms.signBlob("hashivault://ed");
    const pub = join(state.dir, "ed.pub");
    const sigFile = join(state.dir, "ed.sig");
    await writeFile(pub, vault.key("ed")!.pem);
    await writeFile(sigFile, edSig);
    assert.equal(await opensslVerifyFile("ed25519", pub, state.blob, sigFile), true);
    for (const name of ["rsa", "ed"]) {
      const p = await run(["public-key", "--key", `hashivault://${name}`]);
      assert.equal(p.out, vault.key(name)!.pem);
    }
  });

  it("signs and verifies an image in a real registry", async () => {
    await imageRoundTrip({
      run,
      keyRef: "hashivault://release",
      pubFile: join(state.dir, "cosign.pub"),
      repo: "vault/app",
      dockerConfig: state.dir,
      checkSign: noSecret,
    });
  });

  it("bad token, wrong namespace, unknown key, bad reference: clear errors, nothing written", async () => {
    const cases: [Env, string, RegExp, RegExp][] = [
      [{ VAULT_TOKEN: "hvs.wrong-T0KEN" }, "release", /HTTP 403: permission denied/, /VAULT_TOKEN/],
      [{ VAULT_NAMESPACE: "team-b" }, "release", /HTTP 403: permission denied/, /VAULT_NAMESPACE/],
      [{}, "missing", /HTTP 404/, /no transit key "missing".*generate-key-pair --kms/],
      [
        { TRANSIT_SECRET_ENGINE_PATH: "transit" },
        "release",
        /HTTP 404/,
        /TRANSIT_SECRET_ENGINE_PATH/,
      ],
      [{ VAULT_ADDR: undefined }, "release", /VAULT_ADDR is not set/, /Set VAULT_ADDR/],
    ];
    for (const [extra, name, message, hint] of cases) {
      const r = await kms.signFails(`hashivault://${name}`, extra);
      assert.match(r.err, message, r.err);
      assert.match(r.err, hint, r.err);
    }
    const bad = await run(["public-key", "--key", "hashivault://a/b"]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.err, /not a Vault key reference/);
    vault.addKey("secrets", "aes256-gcm96");
    const aes = await run(["public-key", "--key", "hashivault://secrets"]);
    assert.notEqual(aes.code, 0);
    assert.match(aes.err, /type aes256-gcm96, which cannot sign/);
    const gen = await run(
      ["generate-key-pair", "--kms", "hashivault://new", "--output-key-prefix", "never"],
      { VAULT_TOKEN: "hvs.wrong-T0KEN" },
    );
    assert.notEqual(gen.code, 0);
    noSecret(gen);
    assert.equal(existsSync(join(state.dir, "never.pub")), false);
  });

  it("a Vault that times out, answers garbage or bad signatures: clear errors, nothing written", async () => {
    try {
      vault.faults.delayMs = 10_000;
      const started = Date.now();
      const slow = await kms.signFails("hashivault://release", {}, ["--timeout", "1s"]);
      assert.ok(Date.now() - started < 8000, "the timeout must stop the command");
      assert.match(slow.err, /Vault/);
      assert.match(slow.err, /timed out/);
      assert.match(slow.err, /-t\/--timeout/);
      vault.faults.delayMs = 0;

      vault.faults.garbage = true;
      const garbage = await kms.signFails("hashivault://release");
      assert.match(garbage.err, /Vault at http:\/\/127\.0\.0\.1:\d+\/v1\/.* not JSON/);
      vault.faults.garbage = false;

      vault.faults.badSignatures = true;
      const badSig = await kms.signFails("hashivault://release");
      assert.match(badSig.err, /Vault answered a signature that does not verify/);
    } finally {
      vault.faults.delayMs = 0;
      vault.faults.garbage = false;
      vault.faults.badSignatures = false;
    }
  });
});
