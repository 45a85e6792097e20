/**
 * End-to-end tests of `awskms://` keys on dist/cosign-ts against the in-repo AWS KMS stand-in
 * (tests/helpers/aws_kms_standin.ts) — not the real AWS KMS. The stand-in has every request's
 * SigV4 signature recomputed by Debian's python3-botocore and rejects anything AWS would
 * (wrong secret, unknown key id, expired date, wrong scope); its keys are real, so signatures
 * are checked with openssl. Images are signed in a real registry (Debian's docker-registry).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { Buffer } from "node:buffer";
import { tempDir } from "./helpers/cli.ts";
import { kmsE2e, type KmsE2eState } from "./helpers/kms_e2e.ts";
import { startImdsStandin } from "./helpers/aws_imds_standin.ts";
import {
  type AwsKmsStandin,
  type StandinCredentials,
  startAwsKmsStandin,
} from "./helpers/aws_kms_standin.ts";
import { makeTestCertificates } from "./helpers/registry.ts";
import { imageRoundTrip } from "./helpers/kms_image.ts";

const REGION = "eu-west-1";
const NO_TLOG = "--tlog-upload=false";
const ENV_CREDS: StandinCredentials = {
  accessKeyId: "AKIAENVEXAMPLE00001",
  secretAccessKey: "envSECRETkey/with+chars0000000000000001",
};
const PROFILE_CREDS: StandinCredentials = {
  accessKeyId: "AKIAPROFILEEXAMPLE02",
  secretAccessKey: "profileSECRETkey00000000000000000000002",
};
const TEMP_CREDS: StandinCredentials = {
  accessKeyId: "ASIATEMPEXAMPLE00003",
  secretAccessKey: "tempSECRETkey0000000000000000000000003",
  sessionToken: "FwoGZXIvYXdzEXAMPLE-session-TOKEN-3",
};
/** Parts of secrets that must never be printed. */
const SECRETS = /SECRETkey|session-TOKEN|auth-TOKEN/;

describe("awskms:// keys on dist/cosign-ts (AWS KMS stand-in, SigV4 checked by botocore)", () => {
  let kms: AwsKmsStandin;
  let dir: string;
  let cleanup: () => Promise<void>;
  let blob: string;
  let blobBytes: Uint8Array;
  const noSecret = (r: { out: string; err: string }) =>
    assert.doesNotMatch(r.out + r.err, SECRETS, "secrets must never be printed");
  const state: KmsE2eState = { dir: "", blob: "", env: {} };
  const e2e = kmsE2e(state, noSecret);
  const run = e2e.run;
  /** openssl's verdict on a base64 signature as sign-blob prints it. */
  const opensslVerify = (pem: string, sigB64: string, hash = "sha256") =>
    e2e.opensslVerify(pem, new Uint8Array(Buffer.from(sigB64.trim(), "base64")), hash);
  const lastOf = (operation: string) => kms.requests.findLast((q) => q.operation === operation);
  const digestHex = (alg: string) => createHash(alg).update(blobBytes).digest("hex");

  before(async () => {
    kms = await startAwsKmsStandin({
      region: REGION,
      credentials: [ENV_CREDS, PROFILE_CREDS, TEMP_CREDS],
    });
    ({ dir, cleanup } = await tempDir("cosign-ts-awskms-"));
    blob = join(dir, "blob.bin");
    blobBytes = new Uint8Array(250_000).map((_, i) => (i * 13 + (i >> 7)) & 0xff);
    await writeFile(blob, blobBytes);
    state.dir = dir;
    state.blob = blob;
    state.env = {
      HOME: dir,
      AWS_ENDPOINT_URL: kms.url,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: ENV_CREDS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ENV_CREDS.secretAccessKey,
      AWS_SESSION_TOKEN: undefined,
      AWS_PROFILE: undefined,
      AWS_DEFAULT_PROFILE: undefined,
      AWS_DEFAULT_REGION: undefined,
      AWS_ENDPOINT_URL_KMS: undefined,
      AWS_CONFIG_FILE: undefined,
      AWS_SHARED_CREDENTIALS_FILE: undefined,
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
    };
  });

  after(async () => {
    await kms?.stop();
    await cleanup?.();
  });

  it("generate-key-pair --kms creates an ECC_NIST_P256 key and its alias, once; public-key prints it", async () => {
    const r = await run(["generate-key-pair", "--kms", "awskms:///alias/release"]);
    assert.equal(r.code, 0, r.err);
    noSecret(r);
    assert.deepEqual(lastOf("CreateKey")?.body, {
      CustomerMasterKeySpec: "ECC_NIST_P256",
      Description: "Created by Sigstore",
      KeyUsage: "SIGN_VERIFY",
    });
    assert.equal(lastOf("CreateAlias")?.body.AliasName, "alias/release");
    const pem = kms.key("alias/release")!.pem;
    assert.equal(await readFile(join(dir, "cosign.pub"), "utf8"), pem);
    // Only the look-up before creating may fail (NotFoundException); every signature checked out.
    assert.deepEqual(
      kms.requests.filter((q) => q.error && q.error !== "NotFoundException"),
      [],
    );
    // Again: the existing key is returned, nothing is created.
    const creates = kms.requests.filter((q) => q.operation === "CreateKey").length;
    const again = await run(["generate-key-pair", "--kms", "awskms:///alias/release", "-y"]);
    assert.equal(again.code, 0, again.err);
    assert.equal(kms.requests.filter((q) => q.operation === "CreateKey").length, creates);
    const p = await run(["public-key", "--key", "awskms:///alias/release"]);
    assert.equal(p.code, 0, p.err);
    assert.equal(p.out, pem);
  });

  it("signs blobs by digest with every reference form; openssl and verify-blob agree", async () => {
    const id = kms.createKey("ECC_NIST_P256", "alias/forms");
    const pem = kms.key(id)!.pem;
    const forms = [
      "awskms:///alias/forms",
      `awskms:///${id}`,
      `awskms:///${kms.arn(id)}`,
      `awskms:///arn:aws:kms:${REGION}:111122223333:alias/forms`,
    ];
    for (const ref of forms) {
      const s = await run(["sign-blob", "--key", ref, NO_TLOG, blob]);
      assert.equal(s.code, 0, `${ref}: ${s.err}`);
      noSecret(s);
      const sign = lastOf("Sign")!;
      assert.equal(sign.error, undefined);
      assert.equal(sign.accessKeyId, ENV_CREDS.accessKeyId);
      assert.equal(sign.body.MessageType, "DIGEST");
      assert.equal(sign.body.SigningAlgorithm, "ECDSA_SHA_256");
      assert.equal(sign.body.KeyId, ref.slice("awskms:///".length));
      assert.equal(
        Buffer.from(sign.body.Message as string, "base64").toString("hex"),
        digestHex("sha256"),
      );
      assert.equal(await opensslVerify(pem, s.out), true, ref);
      await writeFile(join(dir, "blob.sig"), s.out.trim());
      const v = await run([
        "verify-blob",
        "--key",
        ref,
        "--signature",
        join(dir, "blob.sig"),
        "--insecure-ignore-tlog",
        blob,
      ]);
      assert.equal(v.code, 0, v.err);
    }
    await writeFile(join(dir, "other.bin"), "other content");
    const bad = await run([
      "verify-blob",
      "--key",
      forms[0],
      "--signature",
      join(dir, "blob.sig"),
      "--insecure-ignore-tlog",
      join(dir, "other.bin"),
    ]);
    assert.notEqual(bad.code, 0);
  });

  it("uses the key's own algorithm: ECC_NIST_P384 signs SHA-384 digests", async () => {
    kms.createKey("ECC_NIST_P384", "alias/p384");
    const s = await run(["sign-blob", "--key", "awskms:///alias/p384", NO_TLOG, blob]);
    assert.equal(s.code, 0, s.err);
    const sign = lastOf("Sign")!;
    assert.equal(sign.body.SigningAlgorithm, "ECDSA_SHA_384");
    assert.equal(
      Buffer.from(sign.body.Message as string, "base64").toString("hex"),
      digestHex("sha384"),
    );
    assert.equal(await opensslVerify(kms.key("alias/p384")!.pem, s.out, "sha384"), true);
    await writeFile(join(dir, "p384.sig"), s.out.trim());
    const v = await run([
      "verify-blob",
      "--key",
      "awskms:///alias/p384",
      "--signature",
      join(dir, "p384.sig"),
      "--insecure-ignore-tlog",
      blob,
    ]);
    assert.equal(v.code, 0, v.err);
  });

  it("Sigstore bundles and blob attestations with a P-384 key verify through the KMS reference", async () => {
    const bundle = join(dir, "p384.sigstore.json");
    let r = await run([
      "sign-blob",
      "--key",
      "awskms:///alias/p384",
      NO_TLOG,
      "--new-bundle-format",
      "--bundle",
      bundle,
      blob,
    ]);
    assert.equal(r.code, 0, r.err);
    const ms = JSON.parse(await readFile(bundle, "utf8")).messageSignature;
    assert.equal(ms.messageDigest.algorithm, "SHA2_384");
    assert.equal(
      Buffer.from(ms.messageDigest.digest, "base64").toString("hex"),
      digestHex("sha384"),
    );
    r = await run([
      "verify-blob",
      "--key",
      "awskms:///alias/p384",
      "--bundle",
      bundle,
      "--insecure-ignore-tlog",
      blob,
    ]);
    assert.equal(r.code, 0, r.err);
    const att = join(dir, "p384.att.json");
    await writeFile(join(dir, "predicate.json"), '{"builder":"ci"}');
    r = await run([
      "attest-blob",
      "--key",
      "awskms:///alias/p384",
      NO_TLOG,
      "-y",
      "--predicate",
      join(dir, "predicate.json"),
      "--type",
      "custom",
      "--new-bundle-format",
      "--bundle",
      att,
      blob,
    ]);
    assert.equal(r.code, 0, r.err);
    r = await run([
      "verify-blob-attestation",
      "--key",
      "awskms:///alias/p384",
      "--bundle",
      att,
      "--type",
      "custom",
      "--insecure-ignore-tlog",
      blob,
    ]);
    assert.equal(r.code, 0, r.err);
    noSecret(r);
  });

  it("RSA_2048 keys sign with their first algorithm, RSASSA_PKCS1_V1_5_SHA_256", async () => {
    kms.createKey("RSA_2048", "alias/rsa");
    const s = await run(["sign-blob", "--key", "awskms:///alias/rsa", NO_TLOG, blob]);
    assert.equal(s.code, 0, s.err);
    assert.equal(lastOf("Sign")!.body.SigningAlgorithm, "RSASSA_PKCS1_V1_5_SHA_256");
    assert.equal(await opensslVerify(kms.key("alias/rsa")!.pem, s.out), true);
    const p = await run(["public-key", "--key", "awskms:///alias/rsa"]);
    assert.equal(p.out, kms.key("alias/rsa")!.pem);
  });

  it("reads credentials and region from profiles in the shared files (AWS_PROFILE wins, as the Go SDK)", async () => {
    const creds = join(dir, "aws-credentials");
    const config = join(dir, "aws-config");
    await writeFile(
      creds,
      `# test credentials\n[default]\naws_access_key_id = AKIAUNKNOWN0000000\naws_secret_access_key = nope\n\n` +
        `[ci]\naws_access_key_id = ${PROFILE_CREDS.accessKeyId}\naws_secret_access_key = ${PROFILE_CREDS.secretAccessKey}\n`,
    );
    await writeFile(
      config,
      `[default]\nregion = us-east-1\n\n[profile temp]\nregion = ${REGION}\n` +
        `aws_access_key_id = ${TEMP_CREDS.accessKeyId}\naws_secret_access_key = ${TEMP_CREDS.secretAccessKey}\n` +
        `aws_session_token = ${TEMP_CREDS.sessionToken}\n`,
    );
    const files = { AWS_SHARED_CREDENTIALS_FILE: creds, AWS_CONFIG_FILE: config };
    const sign = (extra: Record<string, string | undefined>) =>
      run(["sign-blob", "--key", "awskms:///alias/release", NO_TLOG, blob], { ...files, ...extra });

    let s = await sign({ AWS_PROFILE: "ci" });
    assert.equal(s.code, 0, s.err);
    assert.equal(lastOf("Sign")?.accessKeyId, PROFILE_CREDS.accessKeyId);

    s = await sign({
      AWS_PROFILE: "temp",
      AWS_REGION: undefined,
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
    });
    assert.equal(s.code, 0, s.err);
    assert.equal(lastOf("Sign")?.accessKeyId, TEMP_CREDS.accessKeyId);
    noSecret(s);

    // ~/.aws/credentials [default] with the environment's keys gone.
    await mkdir(join(dir, ".aws"), { recursive: true });
    await writeFile(
      join(dir, ".aws", "credentials"),
      `[default]\naws_access_key_id=${PROFILE_CREDS.accessKeyId}\naws_secret_access_key=${PROFILE_CREDS.secretAccessKey}\n`,
    );
    try {
      s = await run(["sign-blob", "--key", "awskms:///alias/release", NO_TLOG, blob], {
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
      });
      assert.equal(s.code, 0, s.err);
      assert.equal(lastOf("Sign")?.accessKeyId, PROFILE_CREDS.accessKeyId);
    } finally {
      await writeFile(join(dir, ".aws", "credentials"), "");
    }

    const missing = await sign({ AWS_PROFILE: "nosuch" });
    assert.notEqual(missing.code, 0);
    assert.match(missing.err, /AWS profile "nosuch" is not in/);
  });

  it("falls back to container credentials, then the EC2 instance role (IMDSv2)", async () => {
    const md = await startImdsStandin({
      role: "signer",
      credentials: TEMP_CREDS,
      containerToken: "container-auth-TOKEN",
    });
    try {
      const noKeys = { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined };
      let s = await run(["sign-blob", "--key", "awskms:///alias/release", NO_TLOG, blob], {
        ...noKeys,
        AWS_EC2_METADATA_DISABLED: undefined,
        AWS_EC2_METADATA_SERVICE_ENDPOINT: md.url,
      });
      assert.equal(s.code, 0, s.err);
      assert.equal(lastOf("Sign")?.accessKeyId, TEMP_CREDS.accessKeyId);
      assert.ok(md.paths.includes("PUT /latest/api/token"));
      s = await run(["sign-blob", "--key", "awskms:///alias/release", NO_TLOG, blob], {
        ...noKeys,
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `${md.url}/creds`,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: "container-auth-TOKEN",
      });
      assert.equal(s.code, 0, s.err);
      assert.equal(lastOf("Sign")?.accessKeyId, TEMP_CREDS.accessKeyId);
      assert.ok(md.paths.includes("GET /creds"));
      noSecret(s);
    } finally {
      await md.stop();
    }
  });

  it("reaches the endpoint named in the reference over HTTPS, and AWS_ENDPOINT_URL_KMS over AWS_ENDPOINT_URL", async () => {
    const certs = await makeTestCertificates(dir);
    const tls = await startAwsKmsStandin({
      region: REGION,
      credentials: [ENV_CREDS],
      tls: { certFile: certs.certFile, keyFile: certs.keyFile },
    });
    try {
      tls.createKey("ECC_NIST_P256", "alias/tls");
      const ref = `awskms://${tls.host}/alias/tls`;
      const s = await run(["sign-blob", "--key", ref, NO_TLOG, blob], {
        AWS_ENDPOINT_URL: "http://127.0.0.1:9/not-used",
        NODE_EXTRA_CA_CERTS: certs.caFile,
      });
      assert.equal(s.code, 0, s.err);
      assert.equal(tls.requests.findLast((q) => q.operation === "Sign")?.error, undefined);
      assert.equal(await opensslVerify(tls.key("alias/tls")!.pem, s.out), true);

      const k = await run(["public-key", "--key", "awskms:///alias/release"], {
        AWS_ENDPOINT_URL: "http://127.0.0.1:9/not-used",
        AWS_ENDPOINT_URL_KMS: kms.url,
      });
      assert.equal(k.code, 0, k.err);
      assert.equal(k.out, kms.key("alias/release")!.pem);
    } finally {
      await tls.stop();
    }
  });

  it("signs and verifies an image in a real registry", async () => {
    await imageRoundTrip({
      run,
      keyRef: "awskms:///alias/release",
      pubFile: join(dir, "cosign.pub"),
      repo: "aws/app",
      dockerConfig: dir,
      checkSign: noSecret,
    });
  });

  it("bad credentials, expired signatures, unknown keys, missing config: clear errors, nothing written", async () => {
    const cases: [Record<string, string | undefined>, string, RegExp, RegExp][] = [
      [
        { AWS_SECRET_ACCESS_KEY: "wrongSECRETkey0000000000000000000000000" },
        "alias/release",
        /HTTP 400 InvalidSignatureException: The request signature we calculated does not match/,
        /Check the secret access key of AKIAENVEXAMPLE00001 \(from the environment/,
      ],
      [
        { AWS_ACCESS_KEY_ID: "AKIANOBODY000000000" },
        "alias/release",
        /UnrecognizedClientException: The security token included in the request is invalid/,
        /Check the AWS credentials \(access key AKIANOBODY000000000/,
      ],
      [
        { AWS_REGION: "us-west-2" },
        "alias/release",
        /InvalidSignatureException: Credential should be scoped/,
        /signed for region us-west-2: set AWS_REGION/,
      ],
      [
        {},
        "alias/missing",
        /NotFoundException: Alias .*alias\/missing is not found/,
        /generate-key-pair --kms awskms:\/\/\/alias\/missing/,
      ],
      [{ AWS_REGION: undefined }, "alias/release", /no AWS region is set/, /Set AWS_REGION/],
      [
        { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined },
        "alias/release",
        /no AWS credentials found/,
        /Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/,
      ],
    ];
    for (const [extra, key, message, hint] of cases) {
      const r = await e2e.signFails(`awskms:///${key}`, extra);
      assert.match(r.err, message, r.err);
      assert.match(r.err, hint, r.err);
    }

    kms.faults.clockSkewMs = 20 * 60_000;
    try {
      const r = await run(["sign-blob", "--key", "awskms:///alias/release", NO_TLOG, blob]);
      assert.notEqual(r.code, 0);
      assert.match(r.err, /InvalidSignatureException: Signature expired/);
      assert.match(r.err, /check the system clock/);
    } finally {
      kms.faults.clockSkewMs = 0;
    }

    const badRef = await run(["public-key", "--key", "awskms:///not-a-key"]);
    assert.notEqual(badRef.code, 0);
    assert.match(badRef.err, /not an AWS KMS key reference/);
    const byId = await run([
      "generate-key-pair",
      "--kms",
      "awskms:///1234abcd-12ab-34cd-56ef-1234567890ab",
      "--output-key-prefix",
      "never",
    ]);
    assert.notEqual(byId.code, 0);
    assert.match(byId.err, /created under an alias/);
    const denied = await run(
      ["generate-key-pair", "--kms", "awskms:///alias/new", "--output-key-prefix", "never"],
      { AWS_SECRET_ACCESS_KEY: "wrongSECRETkey0000000000000000000000000" },
    );
    assert.notEqual(denied.code, 0);
    assert.equal(existsSync(join(dir, "never.pub")), false);
    assert.equal(kms.key("alias/new"), undefined);
  });

  it("an AWS KMS that times out, answers garbage or bad signatures: clear errors, nothing written", async () => {
    const sign = (flags: string[] = []) => e2e.signFails("awskms:///alias/release", {}, flags);
    try {
      kms.faults.delayMs = 10_000;
      const started = Date.now();
      const slow = await sign(["-t", "1s"]);
      assert.ok(Date.now() - started < 8000, "the timeout must stop the command");
      assert.match(slow.err, /AWS KMS/);
      assert.match(slow.err, /timed out/);
      kms.faults.delayMs = 0;

      kms.faults.garbage = true;
      const garbage = await sign();
      assert.match(
        garbage.err,
        /AWS KMS at http:\/\/127\.0\.0\.1:\d+\/ sent an answer that is not JSON/,
      );
      kms.faults.garbage = false;

      kms.faults.badSignatures = true;
      const badSig = await sign();
      assert.match(badSig.err, /AWS KMS answered a signature that does not verify/);
    } finally {
      kms.faults.delayMs = 0;
      kms.faults.garbage = false;
      kms.faults.badSignatures = false;
    }
  });
});
