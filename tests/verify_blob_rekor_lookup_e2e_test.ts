/**
 * verify-blob --key --signature without a bundle looks the entry up in Rekor by the blob's hash
 * (issue 9, item 2), through dist/cosign-ts against the loopback Rekor: the entry sign-blob
 * uploaded is found and its SET verified with the trusted root; a signature Rekor never saw,
 * a root without that log, and --offline are refused clearly.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { cosign, tempDir } from "./helpers/cli.ts";
import { type SigstoreServices, startSigstoreServices } from "./helpers/sigstore_services.ts";

let svc: SigstoreServices;
let tmp: { dir: string; cleanup: () => Promise<void> };
before(async () => {
  svc = await startSigstoreServices();
  tmp = await tempDir("cosign-ts-lookup-");
});
after(async () => {
  await svc?.stop();
  await tmp?.cleanup();
});

describe("verify-blob: online Rekor lookup when no bundle is given", () => {
  it("finds and verifies the uploaded entry; refuses what Rekor does not hold", async () => {
    const d = tmp.dir;
    const env = { COSIGN_PASSWORD: "pw", COSIGN_TS_CACHE: join(d, "cache") };
    let r = await cosign(["generate-key-pair"], { cwd: d, env });
    assert.equal(r.code, 0, r.err);
    const blob = `looked up ${Date.now()}\n`;
    await writeFile(join(d, "blob.txt"), blob);
    await writeFile(join(d, "root.json"), JSON.stringify(svc.trustedRoot));
    r = await cosign([
      "sign-blob",
      "--key",
      "cosign.key",
      "-y",
      "--rekor-url",
      svc.rekorUrl,
      "blob.txt",
    ], {
      cwd: d,
      env,
    });
    assert.equal(r.code, 0, r.err);
    const sig = r.out.trim();
    const verify = (signature: string, extra: string[] = [], root = "root.json") =>
      cosign([
        "verify-blob",
        "--key",
        "cosign.pub",
        "--signature",
        signature,
        "--rekor-url",
        svc.rekorUrl,
        "--trusted-root",
        root,
        ...extra,
        "blob.txt",
      ], { cwd: d, env });
    const ok = await verify(sig);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.err, /Verified OK/);
    assert.ok(svc.requests.some((q) => q.path === "/api/v1/index/retrieve"));

    // signed but never uploaded: Rekor has no entry for it (another blob: signatures are
    // deterministic, the same blob would give the uploaded signature again)
    await writeFile(join(d, "blob.txt"), `never uploaded ${Date.now()}\n`);
    r = await cosign(["sign-blob", "--key", "cosign.key", "--tlog-upload=false", "blob.txt"], {
      cwd: d,
      env,
    });
    const notUploaded = await verify(r.out.trim());
    assert.equal(notUploaded.code, 12);
    assert.match(notUploaded.err, /has no entry for this signature/);
    assert.match(notUploaded.err, /--insecure-ignore-tlog/);

    await writeFile(join(d, "blob.txt"), blob);
    // a trusted root without this Rekor: the looked-up entry does not verify
    const other = structuredClone(svc.trustedRoot) as { tlogs: unknown[] };
    other.tlogs = [];
    await writeFile(join(d, "other.json"), JSON.stringify(other));
    const untrusted = await verify(sig, [], "other.json");
    assert.equal(untrusted.code, 12);

    const offline = await verify(sig, ["--offline"]);
    assert.equal(offline.code, 2);
    assert.match(offline.err, /--offline: no bundle with a transparency log entry/);
  });
});
