/**
 * End-to-end tests of `gcpkms://` keys on dist/cosign-ts against the in-repo Google Cloud KMS
 * stand-in (tests/helpers/gcp_kms_standin.ts: verifies the service-account JWT exchange, bearer
 * tokens, IAM-like permissions, resource names, CRC32C, and signs with real keys) — not the real
 * Cloud KMS, which cannot run here. Signatures are checked with openssl; images are signed in a
 * real registry (Debian's docker-registry).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tempDir } from "./helpers/cli.ts";
import { type Env, kmsE2e, type KmsE2eState } from "./helpers/kms_e2e.ts";
import { type GcpKmsStandin, startGcpKmsStandin } from "./helpers/gcp_kms_standin.ts";
import { imageRoundTrip } from "./helpers/kms_image.ts";

const RING = "projects/proj/locations/global/keyRings/ring";
const P256 = `${RING}/cryptoKeys/p256`;
const P384 = `${RING}/cryptoKeys/p384`;
const RSA = `${RING}/cryptoKeys/rsa`;
const ROTATED = `${RING}/cryptoKeys/rotated`;
const SIGNER = "signer@proj.iam.gserviceaccount.com";
const ADMIN = "admin@proj.iam.gserviceaccount.com";
const VIEWER = "viewer@proj.iam.gserviceaccount.com";
const USER = "developer@example.com";

describe("gcpkms:// keys on dist/cosign-ts (Google Cloud KMS stand-in)", () => {
  let kms: GcpKmsStandin;
  let cleanup: () => Promise<void>;
  const state: KmsE2eState = { dir: "", blob: "", env: {} };
  const saFiles: Record<string, string> = {};
  const secrets: string[] = [];
  const noSecret = (r: { out: string; err: string }) => {
    for (const s of secrets) assert.ok(!(r.out + r.err).includes(s), "a private key was printed");
    assert.doesNotMatch(r.out + r.err, /ya29\.|PRIVATE KEY|eyJ/, "a token or key was printed");
  };
  const e2e = kmsE2e(state, noSecret);
  const { run, opensslVerify, verifyBlob, signFails } = e2e;
  const signBlob = (key: string, extra: Env = {}) => e2e.signBlob(`gcpkms://${key}`, extra);

  before(async () => {
    kms = await startGcpKmsStandin();
    kms.projects.add("proj");
    let dir: string;
    ({ dir, cleanup } = await tempDir("cosign-ts-gcpkms-"));
    state.dir = dir;
    state.blob = join(state.dir, "blob.bin");
    await writeFile(state.blob, new Uint8Array(300_000).map((_, i) => (i * 13 + (i >> 7)) & 0xff));
    for (const email of [SIGNER, ADMIN, VIEWER]) {
      const sa = kms.addServiceAccount(email);
      secrets.push(sa.private_key.split("\n")[5]);
      saFiles[email] = join(state.dir, `${email.split("@")[0]}.json`);
      await writeFile(saFiles[email], JSON.stringify(sa, null, 2));
    }
    kms.grant(SIGNER, RING, "roles/cloudkms.viewer");
    kms.grant(SIGNER, RING, "roles/cloudkms.signerVerifier");
    kms.grant(ADMIN, "projects/proj", "roles/cloudkms.admin");
    kms.grant(ADMIN, "projects/proj", "roles/cloudkms.signerVerifier");
    kms.grant(VIEWER, RING, "roles/cloudkms.viewer");
    kms.grant(USER, "projects/proj", "roles/cloudkms.viewer");
    kms.grant(USER, "projects/proj", "roles/cloudkms.signerVerifier");
    kms.addKey(P256, "EC_SIGN_P256_SHA256");
    kms.addKey(P384, "EC_SIGN_P384_SHA384");
    kms.addKey(RSA, "RSA_SIGN_PKCS1_2048_SHA256");
    kms.addKey(ROTATED, "EC_SIGN_P256_SHA256");
    kms.addVersion(ROTATED);
    kms.addVersion(ROTATED, "DISABLED");
    kms.addKey(`${RING}/cryptoKeys/symmetric`, "GOOGLE_SYMMETRIC_ENCRYPTION");
    state.env = {
      GOOGLE_APPLICATION_CREDENTIALS: saFiles[SIGNER],
      CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDKMS: kms.url,
      GCE_METADATA_HOST: kms.metadataHost,
      HOME: dir,
    };
  });

  after(async () => {
    await kms?.stop();
    await cleanup?.();
  });

  for (
    const [label, key, hash] of [
      ["P-256", P256, "sha256"],
      ["P-384", P384, "sha384"],
      ["RSA 2048 PKCS#1", RSA, "sha256"],
    ] as const
  ) {
    it(`${label}: sign-blob signs a digest in KMS; openssl and verify-blob accept it`, async () => {
      const before = kms.requests.length;
      const sig = await signBlob(key);
      const pub = kms.publicKeyPem(`${key}/cryptoKeyVersions/1`);
      assert.ok(await opensslVerify(pub, sig, hash), "openssl rejects the KMS signature");
      const calls = kms.requests.slice(before);
      assert.ok(calls.includes("POST /token"), "the service-account JWT was exchanged");
      assert.ok(calls.includes(`POST /v1/${key}/cryptoKeyVersions/1:asymmetricSign`));
      const p = await run(["public-key", "--key", `gcpkms://${key}`]);
      assert.equal(p.code, 0, p.err);
      assert.equal(p.out, pub);
      const v = await verifyBlob(`gcpkms://${key}`, sig);
      assert.equal(v.code, 0, v.err);
      assert.match(v.err, /Verified OK/);
    });
  }

  it("P-384: signatures over SHA-384 verify with the public key file too (signature and bundle)", async () => {
    const pubFile = join(state.dir, "p384.pub");
    const p = await run(["public-key", "--key", `gcpkms://${P384}`, "--outfile", pubFile]);
    assert.equal(p.code, 0, p.err);
    const v = await verifyBlob(pubFile, await signBlob(P384));
    assert.equal(v.code, 0, v.err);
    const bundle = join(state.dir, "p384.sigstore.json");
    const s = await run([
      "sign-blob",
      "--key",
      `gcpkms://${P384}`,
      "--tlog-upload=false",
      "--new-bundle-format",
      "--bundle",
      bundle,
      state.blob,
    ]);
    assert.equal(s.code, 0, s.err);
    const b = JSON.parse(await readFile(bundle, "utf8"));
    assert.equal(b.messageSignature.messageDigest.algorithm, "SHA2_384");
    for (const key of [pubFile, `gcpkms://${P384}`]) {
      const r = await run([
        "verify-blob",
        "--key",
        key,
        "--insecure-ignore-tlog",
        "--bundle",
        bundle,
        state.blob,
      ]);
      assert.equal(r.code, 0, r.err);
    }
  });

  it("the newest enabled version signs; pinned versions (cryptoKeyVersions/ and versions/) are honoured", async () => {
    const newest = await signBlob(ROTATED);
    assert.ok(await opensslVerify(kms.publicKeyPem(`${ROTATED}/cryptoKeyVersions/2`), newest));
    for (const form of ["cryptoKeyVersions", "versions"]) {
      const pinned = await signBlob(`${ROTATED}/${form}/1`);
      assert.ok(await opensslVerify(kms.publicKeyPem(`${ROTATED}/cryptoKeyVersions/1`), pinned));
    }
    // A signature of version 2 does not verify with version 1's key: exit 12.
    const v = await verifyBlob(`gcpkms://${ROTATED}/cryptoKeyVersions/1`, newest);
    assert.equal(v.code, 12, v.err);
    // A disabled version cannot sign.
    const d = await signFails(`gcpkms://${ROTATED}/cryptoKeyVersions/3`);
    assert.equal(d.code, 1);
    assert.match(d.err, /state is "DISABLED", not ENABLED/);
  });

  it("signs an image in a real registry; verify accepts the KMS reference and its public key", async () => {
    const pubFile = join(state.dir, "image-key.pub");
    const p = await run(["public-key", "--key", `gcpkms://${P256}`, "--outfile", pubFile]);
    assert.equal(p.code, 0, p.err);
    await imageRoundTrip({
      run,
      keyRef: `gcpkms://${P256}`,
      pubFile,
      repo: "gcp/app",
      dockerConfig: state.dir,
      checkSign: noSecret,
    });
  });

  it("generate-key-pair --kms creates the key ring and an EC_SIGN_P256_SHA256 key, then signs with it", async () => {
    const ref =
      "gcpkms://projects/proj/locations/europe-west1/keyRings/new-ring/cryptoKeys/release";
    const admin = { GOOGLE_APPLICATION_CREDENTIALS: saFiles[ADMIN] };
    const before = kms.requests.length;
    const g = await run(["generate-key-pair", "--kms", ref], admin);
    assert.equal(g.code, 0, g.err);
    noSecret(g);
    assert.match(
      g.err,
      /Created key ring projects\/proj\/locations\/europe-west1\/keyRings\/new-ring/,
    );
    assert.match(g.err, /Public key written to cosign\.pub/);
    const calls = kms.requests.slice(before);
    assert.ok(calls.includes("POST /v1/projects/proj/locations/europe-west1/keyRings"));
    assert.ok(
      calls.includes("POST /v1/projects/proj/locations/europe-west1/keyRings/new-ring/cryptoKeys"),
    );
    const name = "projects/proj/locations/europe-west1/keyRings/new-ring/cryptoKeys/release";
    const pem = kms.publicKeyPem(`${name}/cryptoKeyVersions/1`);
    assert.equal(await readFile(join(state.dir, "cosign.pub"), "utf8"), pem);
    assert.match(pem, /BEGIN PUBLIC KEY/);
    const sig = await signBlob(name, admin);
    assert.ok(await opensslVerify(pem, sig));
    // Again: the existing key is used (cosign's behaviour), nothing new is created.
    const again = await run(
      ["generate-key-pair", "--kms", ref, "--output-key-prefix", "again"],
      admin,
    );
    assert.equal(again.code, 0, again.err);
    assert.match(again.err, /already exists/);
    assert.equal(await readFile(join(state.dir, "again.pub"), "utf8"), pem);
  });

  it("user credentials (gcloud auth application-default login): named, or gcloud's well-known file", async () => {
    const user = kms.addUser(USER);
    secrets.push(user.refresh_token, user.client_secret);
    const file = join(state.dir, "user-adc.json");
    await writeFile(file, JSON.stringify(user));
    const sig = await signBlob(P256, { GOOGLE_APPLICATION_CREDENTIALS: file });
    assert.ok(await opensslVerify(kms.publicKeyPem(`${P256}/cryptoKeyVersions/1`), sig));
    // Without the variable, gcloud's file in $CLOUDSDK_CONFIG (or ~/.config/gcloud) is used.
    const gcloud = join(state.dir, "gcloud-config");
    await mkdir(gcloud, { recursive: true });
    await writeFile(join(gcloud, "application_default_credentials.json"), JSON.stringify(user));
    const p = await run(["public-key", "--key", `gcpkms://${P256}`], {
      GOOGLE_APPLICATION_CREDENTIALS: undefined,
      CLOUDSDK_CONFIG: gcloud,
    });
    assert.equal(p.code, 0, p.err);
    assert.equal(p.out, kms.publicKeyPem(`${P256}/cryptoKeyVersions/1`));
    // A revoked sign-in: invalid_grant, and what to do.
    kms.revoke(user.refresh_token);
    const r = await signFails(`gcpkms://${P256}`, { GOOGLE_APPLICATION_CREDENTIALS: file });
    assert.match(r.err, /Token has been expired or revoked/);
    assert.match(r.err, /gcloud auth application-default login/);
  });

  it("workload identity federation (external_account): file and url sources, impersonation or direct", async () => {
    const AUD =
      "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/ci/providers/github";
    const SUB = "repo:org/app:ref:refs/heads/main";
    kms.addWorkloadProvider(AUD);
    const principal = kms.principalOf(AUD, SUB);
    kms.allowImpersonation(principal, SIGNER);
    secrets.push(kms.oidcRequestToken);
    const pub = kms.publicKeyPem(`${P256}/cryptoKeyVersions/1`);
    const tokenFile = join(state.dir, "oidc.jwt");
    await writeFile(tokenFile, await kms.oidcToken(SUB, `https:${AUD}`));
    const config = (extra: Record<string, unknown>) => ({
      type: "external_account",
      audience: AUD,
      subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
      token_url: kms.stsUrl,
      credential_source: { file: tokenFile },
      ...extra,
    });
    const use = async (name: string, cfg: Record<string, unknown>) => {
      const file = join(state.dir, name);
      await writeFile(file, JSON.stringify(cfg));
      return { GOOGLE_APPLICATION_CREDENTIALS: file };
    };
    // A token file (text), impersonating the signer's service account.
    const impersonating = await use(
      "wif.json",
      config({ service_account_impersonation_url: kms.impersonationUrl(SIGNER) }),
    );
    let before = kms.requests.length;
    assert.ok(await opensslVerify(pub, await signBlob(P256, impersonating)));
    const calls = kms.requests.slice(before);
    assert.ok(calls.includes("POST /sts/v1/token"));
    assert.ok(calls.some((c) => c.includes(":generateAccessToken")));
    // A token URL (GitHub Actions' shape: bearer request token, JSON field "value"), direct access.
    kms.grant(principal, RING, "roles/cloudkms.viewer");
    kms.grant(principal, RING, "roles/cloudkms.signerVerifier");
    const direct = await use(
      "wif-url.json",
      config({
        credential_source: {
          url: `${kms.oidcTokenUrl}?audience=${encodeURIComponent(`https:${AUD}`)}`,
          headers: { Authorization: `Bearer ${kms.oidcRequestToken}` },
          format: { type: "json", subject_token_field_name: "value" },
        },
      }),
    );
    before = kms.requests.length;
    assert.ok(await opensslVerify(pub, await signBlob(P256, direct)));
    assert.ok(!kms.requests.slice(before).some((c) => c.includes(":generateAccessToken")));
    // A token for another audience: STS refuses it.
    const otherAud = join(state.dir, "other-aud.jwt");
    await writeFile(otherAud, await kms.oidcToken(SUB, "https://example.com"));
    let r = await signFails(
      `gcpkms://${P256}`,
      await use("wif-bad.json", config({ credential_source: { file: otherAud } })),
    );
    assert.match(r.err, /Cannot exchange the workload identity token .* at Google STS/);
    assert.match(r.err, /invalid_grant|audience/);
    // Not allowed to impersonate that account.
    r = await signFails(
      `gcpkms://${P256}`,
      await use(
        "wif-viewer.json",
        config({ service_account_impersonation_url: kms.impersonationUrl(VIEWER) }),
      ),
    );
    assert.match(
      r.err,
      /Cannot impersonate service account "viewer@proj\.iam\.gserviceaccount\.com"/,
    );
    assert.match(r.err, /roles\/iam\.workloadIdentityUser/);
    // Executable sources are refused by name.
    r = await signFails(
      `gcpkms://${P256}`,
      await use("wif-exec.json", config({ credential_source: { executable: { command: "x" } } })),
    );
    assert.match(r.err, /only file and url credential sources are supported/);
  });

  it("uses the metadata server when GOOGLE_APPLICATION_CREDENTIALS is not set", async () => {
    kms.metadataAccount = SIGNER;
    try {
      const p = await run(["public-key", "--key", `gcpkms://${P256}`], {
        GOOGLE_APPLICATION_CREDENTIALS: undefined,
      });
      assert.equal(p.code, 0, p.err);
      assert.equal(p.out, kms.publicKeyPem(`${P256}/cryptoKeyVersions/1`));
    } finally {
      kms.metadataAccount = undefined;
    }
    const none = await run(["public-key", "--key", `gcpkms://${P256}`], {
      GOOGLE_APPLICATION_CREDENTIALS: undefined,
    });
    assert.equal(none.code, 1);
    assert.match(none.err, /No Google credentials: GOOGLE_APPLICATION_CREDENTIALS is not set/);
    assert.match(none.err, /GCE metadata server/);
  });

  describe("errors: clear, naming the service, nothing written, no secrets", () => {
    it("a service-account key Google does not know: invalid_grant from Google OAuth2", async () => {
      const forged = kms.addServiceAccount("forged@proj.iam.gserviceaccount.com");
      const real = JSON.parse(await readFile(saFiles[SIGNER], "utf8"));
      const file = join(state.dir, "forged.json");
      await writeFile(file, JSON.stringify({ ...real, private_key: forged.private_key }));
      secrets.push(forged.private_key.split("\n")[5]);
      const r = await signFails(`gcpkms://${P256}`, { GOOGLE_APPLICATION_CREDENTIALS: file });
      assert.match(r.err, /Cannot get a Google access token for service account "signer@proj/);
      assert.match(r.err, /invalid_grant|Invalid JWT Signature/);
      assert.match(r.err, /current key of an enabled service account/);
    });

    it("missing or unusable credentials files", async () => {
      let r = await signFails(`gcpkms://${P256}`, {
        GOOGLE_APPLICATION_CREDENTIALS: join(state.dir, "nope.json"),
      });
      assert.match(
        r.err,
        /Cannot read Google credentials ".*nope\.json" \(GOOGLE_APPLICATION_CREDENTIALS\)/,
      );
      const impersonated = join(state.dir, "impersonated.json");
      await writeFile(impersonated, JSON.stringify({ type: "impersonated_service_account" }));
      r = await signFails(`gcpkms://${P256}`, { GOOGLE_APPLICATION_CREDENTIALS: impersonated });
      assert.match(
        r.err,
        /its type is "impersonated_service_account"; "service_account", "authorized_user" and "external_account"/,
      );
      const partial = join(state.dir, "partial.json");
      await writeFile(partial, JSON.stringify({ type: "authorized_user", client_id: "x" }));
      r = await signFails(`gcpkms://${P256}`, { GOOGLE_APPLICATION_CREDENTIALS: partial });
      assert.match(r.err, /it has no "client_secret"/);
    });

    it("no permission to sign: PERMISSION_DENIED names the permission and the fix", async () => {
      const r = await signFails(`gcpkms://${P256}`, {
        GOOGLE_APPLICATION_CREDENTIALS: saFiles[VIEWER],
      });
      assert.match(r.err, /Google Cloud KMS denied it to service account "viewer@proj/);
      assert.match(r.err, /cloudkms\.cryptoKeyVersions\.(viewPublicKey|useToSign)/);
      assert.match(r.err, /roles\/cloudkms\.signerVerifier/);
    });

    it("unknown key, bad reference, key that cannot sign", async () => {
      let r = await signFails(`gcpkms://${RING}/cryptoKeys/missing`);
      assert.match(r.err, /NOT_FOUND: CryptoKey .*missing not found/);
      assert.match(r.err, /Check the project, location, key ring and key/);
      r = await signFails("gcpkms://projects/proj/keyRings/ring/cryptoKeys/k");
      assert.match(r.err, /Invalid Google Cloud KMS key reference/);
      assert.match(r.err, /gcpkms:\/\/projects\/PROJECT\/locations\/LOCATION/);
      r = await signFails(`gcpkms://${RING}/cryptoKeys/symmetric`);
      assert.match(r.err, /purpose is "ENCRYPT_DECRYPT", not ASYMMETRIC_SIGN/);
    });

    it("a KMS that does not answer: the -t/--timeout limit stops it", async () => {
      kms.fault = "hang";
      try {
        const started = Date.now();
        const r = await signFails(`gcpkms://${P256}`, {}, ["--timeout", "2s"]);
        assert.ok(Date.now() - started < 20_000);
        assert.match(r.err, /Google Cloud KMS/);
        assert.match(r.err, /timed out|time|2s/i);
      } finally {
        kms.fault = undefined;
      }
    });

    it("generate-key-pair --kms: a key that stays PENDING_GENERATION past -t/--timeout, cosign.pub not written", async () => {
      kms.generationReads = 1_000_000;
      try {
        const ref = `gcpkms://${RING}/cryptoKeys/slow`;
        const r = await run([
          "--timeout",
          "2s",
          "generate-key-pair",
          "--kms",
          ref,
          "--output-key-prefix",
          "slow",
        ], {
          GOOGLE_APPLICATION_CREDENTIALS: saFiles[ADMIN],
        });
        assert.equal(r.code, 1, r.err);
        assert.match(r.err, /Cannot create Google Cloud KMS key ".*\/slow": timed out waiting/);
        assert.match(r.err, /the key is reused/);
        assert.ok(!existsSync(join(state.dir, "slow.pub")), "a public key file was written");
        noSecret(r);
      } finally {
        kms.generationReads = undefined;
      }
    });

    it("garbage answers and wrong signatures are refused before anything is written", async () => {
      kms.fault = "garbage";
      try {
        const r = await signFails(`gcpkms://${P256}`);
        assert.match(r.err, /Google Cloud KMS .*not JSON/);
      } finally {
        kms.fault = undefined;
      }
      kms.fault = "wrong-signature";
      try {
        const r = await signFails(`gcpkms://${P256}`);
        assert.match(r.err, /answered a signature that does not verify with the key's public key/);
      } finally {
        kms.fault = undefined;
      }
    });
  });
});
