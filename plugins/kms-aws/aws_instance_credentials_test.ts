import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isCosignError } from "../../core/errors.ts";
import { containerCredentials, imdsCredentials } from "./aws_instance_credentials.ts";
import { type ImdsStandin, startImdsStandin } from "../../tests/helpers/aws_imds_standin.ts";

const CREDS = {
  accessKeyId: "ASIAINSTANCE",
  secretAccessKey: "instSecret",
  sessionToken: "instTok",
};
const envOf = (vars: Record<string, string>) => (n: string) => vars[n];

describe("AWS container and instance credentials", () => {
  let md: ImdsStandin;
  let dir: string;
  before(async () => {
    md = await startImdsStandin({ role: "builder", credentials: CREDS, containerToken: "ctok" });
    dir = await mkdtemp(join(tmpdir(), "cosign-ts-imds-"));
  });
  after(async () => {
    await md.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("IMDSv2: a token first, then the role and its credentials", async () => {
    const c = await imdsCredentials(envOf({ AWS_EC2_METADATA_SERVICE_ENDPOINT: md.url }));
    assert.equal(c?.accessKeyId, CREDS.accessKeyId);
    assert.equal(c?.secretAccessKey, CREDS.secretAccessKey);
    assert.equal(c?.sessionToken, CREDS.sessionToken);
    assert.match(c!.source, /instance role "builder"/);
    assert.deepEqual(md.paths.slice(0, 3), [
      "PUT /latest/api/token",
      "GET /latest/meta-data/iam/security-credentials/",
      "GET /latest/meta-data/iam/security-credentials/builder",
    ]);
  });

  it("no metadata service, or disabled: no credentials, no error", async () => {
    const closed = await startImdsStandin({ role: "r", credentials: CREDS, containerToken: "x" });
    const url = closed.url;
    await closed.stop();
    assert.equal(
      await imdsCredentials(envOf({ AWS_EC2_METADATA_SERVICE_ENDPOINT: url })),
      undefined,
    );
    const before = md.paths.length;
    assert.equal(
      await imdsCredentials(
        envOf({ AWS_EC2_METADATA_SERVICE_ENDPOINT: md.url, AWS_EC2_METADATA_DISABLED: "true" }),
      ),
      undefined,
    );
    assert.equal(md.paths.length, before);
  });

  it("container endpoint: FULL_URI with the token (or its file); wrong token or host refused", async () => {
    assert.equal(await containerCredentials(envOf({})), undefined);
    const full = `${md.url}/creds`;
    const c = await containerCredentials(
      envOf({
        AWS_CONTAINER_CREDENTIALS_FULL_URI: full,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: "ctok",
      }),
    );
    assert.equal(c?.accessKeyId, CREDS.accessKeyId);
    const file = join(dir, "token");
    await writeFile(file, "ctok\n");
    const f = await containerCredentials(
      envOf({
        AWS_CONTAINER_CREDENTIALS_FULL_URI: full,
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: file,
      }),
    );
    assert.equal(f?.sessionToken, CREDS.sessionToken);
    await assert.rejects(
      containerCredentials(
        envOf({
          AWS_CONTAINER_CREDENTIALS_FULL_URI: full,
          AWS_CONTAINER_AUTHORIZATION_TOKEN: "bad",
        }),
      ),
      (e) => isCosignError(e, "AUTH") && /HTTP 401/.test(e.message),
    );
    await assert.rejects(
      containerCredentials(
        envOf({ AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://example.com/creds" }),
      ),
      (e) => isCosignError(e, "INVALID_INPUT") && /must be HTTPS/.test(e.message),
    );
    // httpUrl: what is not an http(s) URL is named as such.
    for (const bad of ["creds", "ftp://127.0.0.1/creds"]) {
      await assert.rejects(
        containerCredentials(envOf({ AWS_CONTAINER_CREDENTIALS_FULL_URI: bad })),
        (e) =>
          isCosignError(e, "INVALID_INPUT") &&
          e.message === `Invalid AWS_CONTAINER_CREDENTIALS_FULL_URI "${bad}": not an http(s) URL`,
      );
    }
    // Plain HTTP to any loopback address (isLoopbackHost), as the SDKs allow.
    const loopback = full.replace("127.0.0.1", "127.0.0.2");
    if (loopback !== full) {
      const l = await containerCredentials(
        envOf({
          AWS_CONTAINER_CREDENTIALS_FULL_URI: loopback,
          AWS_CONTAINER_AUTHORIZATION_TOKEN: "ctok",
        }),
      ).catch((e) => e);
      assert.ok(!isCosignError(l, "INVALID_INPUT"), String(l));
    }
  });
});
