import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isCosignError } from "../core/errors.ts";
import { SIGNING_CONFIG_MEDIA_TYPE } from "../core/signing_config.ts";
import { DEFAULT_REKOR_URL, signingPlan } from "./sigstore_options.ts";

let dir: string;
const svc = (url: string, v = 1) => ({
  url,
  majorApiVersion: v,
  validFor: { start: "2020-01-01T00:00:00Z" },
});

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "cosign-ts-plan-"));
  await writeFile(
    join(dir, "v2.json"),
    JSON.stringify({
      mediaType: SIGNING_CONFIG_MEDIA_TYPE,
      caUrls: [svc("https://fulcio.test")],
      rekorTlogUrls: [svc("https://rekor1.test", 1), svc("https://rekor2.test", 2)],
      tsaUrls: [svc("https://tsa.test/api/v1/timestamp")],
    }),
  );
  await writeFile(
    join(dir, "v2-no-tsa.json"),
    JSON.stringify({
      mediaType: SIGNING_CONFIG_MEDIA_TYPE,
      caUrls: [svc("https://fulcio.test")],
      rekorTlogUrls: [svc("https://rekor2.test", 2)],
    }),
  );
  await writeFile(join(dir, "root.json"), "{ not json");
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("signing plan", () => {
  it("from flags: Rekor v1 at --rekor-url, TSA when given, nothing with --tlog-upload=false", async () => {
    const p = await signingPlan({ "insecure-skip-verify": true }, {
      keyless: true,
      tlogUpload: true,
    });
    assert.deepEqual(p.witnesses, {
      rekor: [{ url: DEFAULT_REKOR_URL, majorApiVersion: 1 }],
      tsaUrls: [],
    });
    assert.equal(p.ctlogs, undefined, "--insecure-skip-verify skips the SCT check");
    const q = await signingPlan(
      { "rekor-url": "http://r", "timestamp-server-url": "http://t/ts" },
      { keyless: false, tlogUpload: false },
    );
    assert.deepEqual(q.witnesses, { rekor: [], tsaUrls: ["http://t/ts"] });
  });

  it("keyless without --trusted-root checks SCTs against the embedded public-good CT logs", async () => {
    const p = await signingPlan({}, { keyless: true, tlogUpload: false });
    assert.ok(p.ctlogs && p.ctlogs.length >= 1);
    assert.ok(p.ctlogs.every((l) => l.logId.length === 32));
  });

  it("from a signing config: highest Rekor version, its TSA and Fulcio", async () => {
    const p = await signingPlan(
      { "signing-config": join(dir, "v2.json"), "insecure-skip-verify": true },
      { keyless: true, tlogUpload: true },
    );
    assert.equal(p.fulcioUrl, "https://fulcio.test");
    assert.deepEqual(p.witnesses, {
      rekor: [{ url: "https://rekor2.test", majorApiVersion: 2 }],
      tsaUrls: ["https://tsa.test/api/v1/timestamp"],
    });
  });

  it("refuses conflicting flags, Rekor v2 without a TSA, unreadable and malformed files", async () => {
    await assert.rejects(
      signingPlan(
        { "signing-config": join(dir, "v2.json"), "fulcio-url": "https://other" },
        { keyless: true, tlogUpload: true },
      ),
      (e) => isCosignError(e, "USAGE") && /--fulcio-url/.test(e.message),
    );
    await assert.rejects(
      signingPlan(
        { "signing-config": join(dir, "v2-no-tsa.json") },
        { keyless: true, tlogUpload: true },
      ),
      (e) => isCosignError(e, "INVALID_INPUT") && /Rekor v2 gives no signing time/.test(e.message),
    );
    await assert.rejects(
      signingPlan({ "signing-config": join(dir, "missing.json") }, {
        keyless: false,
        tlogUpload: true,
      }),
      (e) => isCosignError(e, "IO") && /missing\.json/.test(e.message),
    );
    await assert.rejects(
      signingPlan({ "trusted-root": join(dir, "root.json") }, { keyless: true, tlogUpload: true }),
      (e) => isCosignError(e, "INVALID_INPUT") && /root\.json/.test(e.message),
    );
  });
});
