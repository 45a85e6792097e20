/**
 * The "rekor" log through the TransparencyLog contract, both halves, against the loopback
 * Sigstore services (@sigstore/mock's Rekor v1 and v2 over real Merkle trees): entries it
 * submits are recognized and verified by its own verify() with the services' trusted root;
 * entries about another signature, from another log, or without a trusted root are refused with
 * check "tlog-entry"; a second log named "rekor" is refused naming both plugins.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { sign } from "node:crypto";
import { Buffer } from "node:buffer";
import { isCosignError } from "../../core/errors.ts";
import { definePlugin } from "../../core/plugin.ts";
import { parseTrustedRoot, type TrustedRoot } from "../../core/trust/trusted_root.ts";
import {
  type SigstoreServices,
  startSigstoreServices,
} from "../../tests/helpers/sigstore_services.ts";
import {
  assertSecondRefused,
  failedCheck,
  signedArtifact,
  witnessContext,
} from "../../tests/helpers/witnesses.ts";
import { rekorTransparencyLog, tlogRekorPlugin } from "./plugin.ts";

let svc: SigstoreServices;
let trust: TrustedRoot;
before(async () => {
  svc = await startSigstoreServices();
  trust = await parseTrustedRoot(JSON.stringify(svc.trustedRoot), "services");
});
after(async () => {
  await svc?.stop();
});

const { digest, privateKey, signature, submission, expected } = signedArtifact(
  "rekor plugin test artifact",
);
const tlogEntryCheck = failedCheck("tlog-entry");

describe('"rekor" transparency log plugin', () => {
  it("handles http(s) URLs only, and is what the registry picks for them", () => {
    const { ctx } = witnessContext();
    assert.equal(rekorTransparencyLog.handles!("https://rekor.sigstore.dev"), true);
    assert.equal(rekorTransparencyLog.handles!("HTTP://127.0.0.1:3000"), true);
    assert.equal(rekorTransparencyLog.handles!("file:///tmp/log.jsonl"), false);
    assert.equal(ctx.plugins.tlogFor(svc.rekorUrl), rekorTransparencyLog);
    assert.throws(
      () => ctx.plugins.tlogFor("file:///tmp/log.jsonl"),
      (e) => isCosignError(e, "UNSUPPORTED") && /file:\/\/\/tmp\/log\.jsonl/.test(e.message),
    );
  });

  it("verifies the Rekor v1 entry it submitted: SET time, log URL", async () => {
    const { ctx } = witnessContext();
    const log = ctx.plugins.tlogFor(svc.rekorUrl);
    const entry = await log.submit(submission, ctx, { url: svc.rekorUrl, majorApiVersion: 1 });
    assert.equal(log.recognizes!(entry, trust), true);
    assert.equal(ctx.plugins.tlogForEntry(entry, trust), rekorTransparencyLog);
    const r = await log.verify!(entry, expected, trust, ctx);
    assert.equal(r.integratedTime?.getTime(), Number(entry.integratedTime) * 1000);
    assert.equal(r.log, trust.tlogs[0].baseUrl);
    assert.equal(r.keyValidFor, undefined);
  });

  it("verifies a Rekor v2 entry by its proof: no signed time, the key's validity instead", async () => {
    const { ctx } = witnessContext();
    const entry = await rekorTransparencyLog.submit(submission, ctx, {
      url: svc.rekorV2Url,
      majorApiVersion: 2,
    });
    assert.equal(rekorTransparencyLog.recognizes!(entry, trust), true);
    // A real Rekor v2 gives no integrated time (the mock gives an unsigned one): then the log
    // key's validity window is what the caller checks against a verified timestamp.
    const r = await rekorTransparencyLog.verify!(
      { ...entry, integratedTime: "0" },
      expected,
      trust,
      ctx,
    );
    assert.equal(r.integratedTime, undefined);
    assert.deepEqual(r.keyValidFor, trust.tlogs[1].validFor);
    // An unsigned integrated time is no signing time either.
    const unsigned = await rekorTransparencyLog.verify!(entry, expected, trust, ctx);
    assert.equal(unsigned.integratedTime, undefined);
    assert.equal(unsigned.keyValidFor, undefined);
  });

  it("finds the entries of a signature by artifact hash, which its verify() accepts", async () => {
    const { ctx } = witnessContext();
    const log = ctx.plugins.tlogFor(svc.rekorUrl);
    const entry = await log.submit(submission, ctx, { url: svc.rekorUrl });
    const found = await log.find!({ sha256: digest, signature }, ctx, { url: svc.rekorUrl });
    assert.deepEqual(found.map((e) => e.logIndex), [entry.logIndex]);
    const r = await log.verify!(found[0], expected, trust, ctx);
    assert.equal(r.integratedTime?.getTime(), Number(entry.integratedTime) * 1000);
    const other = new Uint8Array(sign("sha256", Buffer.from("x"), privateKey));
    assert.deepEqual(
      await log.find!({ sha256: digest, signature: other }, ctx, { url: svc.rekorUrl }),
      [],
    );
  });

  it("refuses an entry about another signature, from another log, or without a trust root", async () => {
    const { ctx } = witnessContext();
    const entry = await rekorTransparencyLog.submit(submission, ctx, { url: svc.rekorUrl });
    const other = new Uint8Array(sign("sha256", Buffer.from("other"), privateKey));
    await assert.rejects(
      rekorTransparencyLog.verify!(entry, { ...expected, signature: other }, trust, ctx),
      (e: unknown) =>
        tlogEntryCheck(e) && /logged signature is not the bundle's signature/.test(e.message),
    );
    // A Rekor-kind entry from a log the trusted root does not name: still Rekor's, refused.
    const stranger = { ...entry, logId: { keyId: Buffer.alloc(32, 7).toString("base64") } };
    assert.equal(rekorTransparencyLog.recognizes!(stranger, trust), true);
    await assert.rejects(
      rekorTransparencyLog.verify!(stranger, expected, trust, ctx),
      (e: unknown) =>
        tlogEntryCheck(e) && /not a transparency log of the trusted root/.test(e.message),
    );
    await assert.rejects(
      rekorTransparencyLog.verify!(entry, expected, undefined, ctx),
      (e: unknown) => tlogEntryCheck(e) && /no trusted root/.test(e.message),
    );
  });

  it("does not recognize another log's kind of entry from a log outside the trusted root", () => {
    const foreign = {
      logIndex: "0",
      logId: { keyId: Buffer.alloc(32, 9).toString("base64") },
      kindVersion: { kind: "file-record", version: "1" },
      integratedTime: "1700000000",
      canonicalizedBody: btoa("{}"),
    };
    assert.equal(rekorTransparencyLog.recognizes!(foreign, trust), false);
    assert.equal(rekorTransparencyLog.recognizes!({}, undefined), false);
    const { ctx } = witnessContext();
    assert.equal(ctx.plugins.tlogForEntry(foreign, trust), undefined);
  });

  it('refuses a second log named "rekor", naming both plugins', () => {
    const impostor = definePlugin({
      name: "impostor-log",
      apiVersion: 1,
      tlogs: [{ ...rekorTransparencyLog, description: "another rekor" }],
    });
    const r = assertSecondRefused(tlogRekorPlugin, impostor, 'transparency log "rekor"');
    assert.deepEqual(r.tlogs().map((l) => l.name), ["rekor"]);
  });
});
