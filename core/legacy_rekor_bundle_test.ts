/**
 * cosign's legacy Rekor bundle (`rekorBundle`, the `dev.sigstore.cosign/bundle` annotation): read
 * as a Sigstore TransparencyLogEntry (legacy_signature.ts tlogEntryFromRekorBundle) and verified
 * through the log plugins (verify/witnesses.ts verifyRekorBundle).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isCosignError } from "./errors.ts";
import { tlogEntryFromRekorBundle } from "./legacy_signature.ts";
import { verifyRekorBundle } from "./verify/witnesses.ts";
import { witnessContext } from "../tests/helpers/witnesses.ts";

const body = btoa(JSON.stringify({ apiVersion: "0.0.1", kind: "hashedrekord", spec: {} }));
const good = {
  SignedEntryTimestamp: btoa("set"),
  Payload: { body, integratedTime: 1700000000, logIndex: 42, logID: "ab".repeat(32) },
};

describe("Rekor bundle annotation", () => {
  it("maps cosign's bundle onto a TransparencyLogEntry", () => {
    const e = tlogEntryFromRekorBundle(JSON.stringify(good)) as Record<string, unknown>;
    assert.equal(e.logIndex, "42");
    assert.equal(e.integratedTime, "1700000000");
    assert.deepEqual(e.kindVersion, { kind: "hashedrekord", version: "0.0.1" });
    assert.deepEqual(e.logId, { keyId: Buffer.from("ab".repeat(32), "hex").toString("base64") });
    assert.deepEqual(e.inclusionPromise, { signedEntryTimestamp: btoa("set") });
    assert.equal(e.canonicalizedBody, body);
  });
  it("rejects malformed bundles with clear VERIFY errors", () => {
    const cases: unknown[] = [
      "not json",
      {},
      { ...good, Payload: { ...good.Payload, body: "%%%" } },
      { ...good, Payload: { ...good.Payload, body: btoa("not json") } },
      { ...good, Payload: { ...good.Payload, logID: "xyz" } },
      { ...good, Payload: { ...good.Payload, logIndex: -1 } },
      { ...good, Payload: { ...good.Payload, integratedTime: "soon" } },
      { ...good, SignedEntryTimestamp: 5 },
    ];
    for (const c of cases) {
      assert.throws(
        () => tlogEntryFromRekorBundle(typeof c === "string" ? c : JSON.stringify(c)),
        (e) => isCosignError(e, "VERIFY") && /Rekor bundle is malformed/.test(e.message),
        JSON.stringify(c),
      );
    }
  });
  it("a signature without a bundle, or with an unknown log, does not verify", async () => {
    const { ctx } = witnessContext();
    const expected = {
      kind: "message" as const,
      signature: new TextEncoder().encode("sig"),
      digest: new Uint8Array(32),
      keyDer: new Uint8Array(0),
    };
    await assert.rejects(
      verifyRekorBundle(undefined, expected, { tlogs: [] }, ctx),
      (e) => isCosignError(e, "VERIFY"),
    );
    await assert.rejects(
      verifyRekorBundle(JSON.stringify(good), expected, { tlogs: [] }, ctx),
      (e) => isCosignError(e, "VERIFY"),
    );
  });
});
