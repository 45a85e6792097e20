/**
 * End-to-end, through `dist/cosign-ts`: `--tlog NAME` and `--tsa NAME` (cosign-ts extensions)
 * choose the transparency log and timestamp authority plugins by name on `sign-blob`, against
 * the loopback Sigstore services (@sigstore/mock's Rekor and RFC 3161 TSA); the bundle verifies
 * with `verify-blob`; an unknown name is a clear error before any service is asked, with nothing
 * written.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { cosign, tempDir } from "./helpers/cli.ts";
import {
  PATHS,
  type SigstoreServices,
  startSigstoreServices,
} from "./helpers/sigstore_services.ts";

let svc: SigstoreServices;
let tmp: { dir: string; cleanup: () => Promise<void> };
let blob: string;
let root: string;
const env = { COSIGN_PASSWORD: "" };

before(async () => {
  svc = await startSigstoreServices();
  tmp = await tempDir("cosign-ts-witness-flags-");
  blob = join(tmp.dir, "artifact.txt");
  await writeFile(blob, "witness flags artifact\n");
  root = join(tmp.dir, "trusted_root.json");
  await writeFile(root, JSON.stringify(svc.trustedRoot));
  const r = await cosign(["generate-key-pair"], { cwd: tmp.dir, env });
  assert.equal(r.code, 0, r.err);
});
after(async () => {
  await svc?.stop();
  await tmp?.cleanup();
});

const requestsTo = (path: string, since: number) =>
  svc.requests.slice(since).filter((r) => r.path === path).length;

describe("--tlog NAME / --tsa NAME (sign-blob, e2e)", () => {
  it("name the rekor log and the rfc3161 TSA; the bundle verifies", async () => {
    const out = join(tmp.dir, "named.sigstore.json");
    const since = svc.requests.length;
    const r = await cosign([
      "sign-blob",
      "--key",
      "cosign.key",
      "-y",
      "--tlog",
      "rekor",
      "--rekor-url",
      svc.rekorUrl,
      "--tsa",
      "rfc3161",
      "--timestamp-server-url",
      svc.tsaUrl,
      "--new-bundle-format",
      "--bundle",
      out,
      blob,
    ], { cwd: tmp.dir, env });
    assert.equal(r.code, 0, r.err);
    assert.equal(requestsTo(PATHS.rekorV1, since), 1);
    assert.equal(requestsTo(PATHS.tsa, since), 1);
    const b = JSON.parse(await readFile(out, "utf8"));
    assert.equal(b.verificationMaterial.tlogEntries.length, 1);
    assert.equal(b.verificationMaterial.timestampVerificationData.rfc3161Timestamps.length, 1);
    const v = await cosign(
      ["verify-blob", "--key", "cosign.pub", "--bundle", out, "--trusted-root", root, blob],
      { cwd: tmp.dir, env },
    );
    assert.equal(v.code, 0, v.err);
    assert.match(v.err, /Verified OK/);
  });

  it("an unknown --tlog or --tsa name fails before any request, writing nothing", async () => {
    for (
      const [flags, message, hint] of [
        [
          ["--tlog", "nope", "--rekor-url", svc.rekorUrl],
          /transparency log plugin named "nope"/,
          /Known logs: rekor/,
        ],
        [
          ["--tsa", "nope", "--timestamp-server-url", svc.tsaUrl, "--rekor-url", svc.rekorUrl],
          /timestamp authority plugin named "nope"/,
          /Known timestamp authorities: rfc3161/,
        ],
      ] as const
    ) {
      const out = join(tmp.dir, "never.bundle");
      const since = svc.requests.length;
      const r = await cosign([
        "sign-blob",
        "--key",
        "cosign.key",
        "-y",
        ...flags,
        "--bundle",
        out,
        blob,
      ], { cwd: tmp.dir, env });
      assert.equal(r.code, 1, r.err);
      assert.match(r.err, message);
      assert.match(r.err, hint);
      assert.equal(svc.requests.length, since, "no service was asked");
      assert.equal(existsSync(out), false);
    }
  });
});
