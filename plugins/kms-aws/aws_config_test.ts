import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Context } from "../../core/plugin.ts";
import { isCosignError } from "../../core/errors.ts";
import { awsConfig, parseIni } from "./aws_config.ts";
import { parseAwsReference } from "./aws_reference.ts";

const UUID = "1234abcd-12ab-34cd-56ef-1234567890ab";
const ctxWith = (vars: Record<string, string>): Context =>
  ({ env: (n: string) => vars[n] }) as unknown as Context;

describe("awskms:// references", () => {
  it("parses cosign's four forms, with and without an endpoint", () => {
    assert.deepEqual(parseAwsReference(`awskms:///${UUID}`), { keyId: UUID });
    assert.deepEqual(parseAwsReference(`awskms://localhost:4566/mrk-${UUID.replaceAll("-", "")}`), {
      endpoint: "localhost:4566",
      keyId: `mrk-${UUID.replaceAll("-", "")}`,
    });
    assert.deepEqual(
      parseAwsReference(`awskms:///arn:aws:kms:us-east-2:111122223333:key/${UUID}`),
      { keyId: `arn:aws:kms:us-east-2:111122223333:key/${UUID}`, arnRegion: "us-east-2" },
    );
    assert.deepEqual(parseAwsReference("awskms:///alias/release"), {
      keyId: "alias/release",
      alias: "alias/release",
    });
    assert.deepEqual(
      parseAwsReference("awskms://kms.local/arn:aws-us-gov:kms:us-gov-west-1:111122223333:alias/x"),
      {
        endpoint: "kms.local",
        keyId: "arn:aws-us-gov:kms:us-gov-west-1:111122223333:alias/x",
        alias: "alias/x",
        arnRegion: "us-gov-west-1",
      },
    );
    for (const bad of ["awskms://alias/x", "awskms:///key/x", "awskms:///", "hashivault://x"]) {
      assert.throws(() => parseAwsReference(bad), (e) => isCosignError(e, "INVALID_INPUT"), bad);
    }
  });
});

describe("AWS configuration", () => {
  let dir: string;
  let creds: string;
  let config: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "cosign-ts-awscfg-"));
    creds = join(dir, "credentials");
    config = join(dir, "config");
    await writeFile(
      creds,
      "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = s1\n; comment\n" +
        "[dev]\naws_access_key_id=AKIADEV\naws_secret_access_key=s2\naws_session_token=t2\n",
    );
    await writeFile(
      config,
      "[default]\nregion = us-east-1\n[profile dev]\nregion = eu-central-1\ns3 =\n  region = x\n" +
        "[profile role]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = default\n" +
        "[profile local]\nregion = eu-west-3\nendpoint_url = http://127.0.0.1:4566\n" +
        "aws_access_key_id = AKIALOCAL\naws_secret_access_key = s3\n",
    );
  });
  after(() => rm(dir, { recursive: true, force: true }));
  const files = () => ({ AWS_SHARED_CREDENTIALS_FILE: creds, AWS_CONFIG_FILE: config });
  const alias = parseAwsReference("awskms:///alias/k");

  it("parses INI sections, skipping comments and nested settings", () => {
    const s = parseIni("# c\n[profile a]\nregion = x\nkms =\n  endpoint_url = y\nk=v = w\n");
    assert.deepEqual(s.get("profile a"), { region: "x", kms: "", k: "v = w" });
  });

  it("environment first; an explicit AWS_PROFILE wins over it; regions and endpoints", async () => {
    const env = { ...files(), AWS_ACCESS_KEY_ID: "AKIAENV", AWS_SECRET_ACCESS_KEY: "se" };
    let c = await awsConfig(alias, "r", ctxWith(env));
    assert.equal(c.credentials.accessKeyId, "AKIAENV");
    assert.equal(c.region, "us-east-1");
    assert.equal(c.endpoint, "https://kms.us-east-1.amazonaws.com");
    c = await awsConfig(alias, "r", ctxWith({ ...env, AWS_PROFILE: "dev" }));
    assert.equal(c.credentials.accessKeyId, "AKIADEV");
    assert.equal(c.credentials.sessionToken, "t2");
    assert.equal(c.region, "eu-central-1");
    c = await awsConfig(
      alias,
      "r",
      ctxWith({ ...files(), AWS_PROFILE: "local", AWS_REGION: "ap-south-1" }),
    );
    assert.equal(c.credentials.accessKeyId, "AKIALOCAL");
    assert.equal(c.region, "ap-south-1");
    assert.equal(c.endpoint, "http://127.0.0.1:4566");
    c = await awsConfig(
      parseAwsReference("awskms://kms.example:8443/alias/k"),
      "r",
      ctxWith({ ...files(), AWS_ENDPOINT_URL_KMS: "http://ignored" }),
    );
    assert.equal(c.endpoint, "https://kms.example:8443");
    assert.equal(c.credentials.accessKeyId, "AKIADEFAULT");
  });

  it("an ARN's region is the last resort; unsupported profiles and missing settings are clear", async () => {
    const arn = parseAwsReference(`awskms:///arn:aws:kms:sa-east-1:111122223333:key/${UUID}`);
    const c = await awsConfig(
      arn,
      "r",
      ctxWith({ AWS_ACCESS_KEY_ID: "A", AWS_SECRET_ACCESS_KEY: "s", HOME: dir }),
    );
    assert.equal(c.region, "sa-east-1");
    await assert.rejects(
      awsConfig(alias, "r", ctxWith({ ...files(), AWS_PROFILE: "role" })),
      (e) => isCosignError(e, "UNSUPPORTED") && /assume-role/.test(e.message),
    );
    await assert.rejects(
      awsConfig(
        alias,
        "r",
        ctxWith({ HOME: dir, AWS_REGION: "x", AWS_EC2_METADATA_DISABLED: "true" }),
      ),
      (e) => isCosignError(e, "AUTH") && /no AWS credentials/.test(e.message),
    );
    await assert.rejects(
      awsConfig(
        alias,
        "r",
        ctxWith({ HOME: dir, AWS_ACCESS_KEY_ID: "A", AWS_SECRET_ACCESS_KEY: "s" }),
      ),
      (e) => isCosignError(e, "INVALID_INPUT") && /no AWS region/.test(e.message),
    );
    await assert.rejects(
      awsConfig(
        alias,
        "r",
        ctxWith({
          HOME: dir,
          AWS_ACCESS_KEY_ID: "A",
          AWS_SECRET_ACCESS_KEY: "s",
          AWS_REGION: "x",
          AWS_ENDPOINT_URL: "localhost:4566",
        }),
      ),
      (e) =>
        isCosignError(e, "INVALID_INPUT") &&
        e.message ===
          'Invalid AWS KMS endpoint "localhost:4566" for key "r": not an http(s) URL' &&
        /AWS_ENDPOINT_URL/.test(e.hint ?? ""),
    );
  });
});
