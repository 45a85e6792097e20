import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Buffer } from "node:buffer";
import { amzDate, signV4 } from "./sigv4.ts";

const CHECKER = join(dirname(fileURLToPath(import.meta.url)), "../../tests/helpers/sigv4_check.py");

/** What Debian's python3-botocore computes for the same request. */
function botocore(req: Record<string, unknown>): string {
  const r = spawnSync("python3", [CHECKER], { input: JSON.stringify(req) + "\n", timeout: 30_000 });
  const out = JSON.parse(r.stdout.toString());
  if (!out.authorization) throw new Error(`checker: ${out.error ?? r.stderr}`);
  return out.authorization;
}

describe("SigV4", () => {
  it("matches AWS's documented get-vanilla vector", () => {
    const h = signV4({
      method: "GET",
      url: "https://example.amazonaws.com/",
      headers: {},
      body: "",
      region: "us-east-1",
      service: "service",
      credentials: {
        accessKeyId: "AKIDEXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        source: "test",
      },
      now: new Date("2015-08-30T12:36:00Z"),
    });
    assert.equal(h["x-amz-date"], "20150830T123600Z");
    assert.equal(
      h.authorization,
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, " +
        "SignedHeaders=host;x-amz-date, " +
        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    );
  });

  // Starting Python with botocore takes seconds on a busy machine: beyond bun's 5 s default.
  it("agrees with botocore on KMS requests with session tokens, ports and odd header values", {
    timeout: 60_000,
  }, () => {
    const body = JSON.stringify({ KeyId: "alias/release", Message: "AAAA", MessageType: "DIGEST" });
    const creds = {
      accessKeyId: "ASIAEXAMPLE",
      secretAccessKey: "c2VjcmV0/+key",
      sessionToken: "FwoGZXIvYXdzE//token==",
      source: "test",
    };
    const now = new Date("2026-12-02T08:15:42.123Z");
    const headers = signV4({
      method: "POST",
      url: "http://127.0.0.1:4566/",
      headers: {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "  TrentService.Sign  ",
      },
      body,
      region: "eu-west-1",
      service: "kms",
      credentials: creds,
      now,
    });
    assert.equal(headers["x-amz-date"], amzDate(now));
    assert.equal(headers["x-amz-security-token"], creds.sessionToken);
    const signed = Object.fromEntries(
      Object.entries(headers).filter(([k]) => k !== "authorization"),
    );
    assert.equal(
      headers.authorization,
      botocore({
        method: "POST",
        url: "http://127.0.0.1:4566/",
        headers: signed,
        body_b64: Buffer.from(body).toString("base64"),
        access_key: creds.accessKeyId,
        secret_key: creds.secretAccessKey,
        token: creds.sessionToken,
        region: "eu-west-1",
        service: "kms",
        amz_date: headers["x-amz-date"],
      }),
    );
  });
});
