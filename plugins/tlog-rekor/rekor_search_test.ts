import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { isCosignError } from "../../core/errors.ts";
import { submitRekorV1 } from "./rekor_v1.ts";
import { findRekorEntries, REKOR_V1_INDEX_PATH, searchRekorV1 } from "./rekor_search.ts";
import {
  type SigstoreServices,
  startSigstoreServices,
} from "../../tests/helpers/sigstore_services.ts";

let svc: SigstoreServices;
before(async () => {
  svc = await startSigstoreServices();
});
after(async () => {
  await svc?.stop();
});

const sha256 = (b: Uint8Array) => new Uint8Array(createHash("sha256").update(b).digest());

describe("Rekor v1 search (loopback Rekor)", () => {
  it("finds the entries of an artifact and keeps the one with the signature", async () => {
    const data = new TextEncoder().encode(`searched ${Math.random()}`);
    const submitted = [];
    for (let i = 0; i < 2; i++) {
      const k = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
      const signature = new Uint8Array(sign("sha256", data, k.privateKey));
      const entry = await submitRekorV1(svc.rekorUrl, {
        kind: "hashedrekord",
        signature,
        digest: sha256(data),
        verificationMaterial: k.publicKey.export({ type: "spki", format: "pem" }).toString(),
      });
      submitted.push({ signature, entry });
    }
    assert.equal((await searchRekorV1(svc.rekorUrl, sha256(data))).length, 2);
    const all = await findRekorEntries(svc.rekorUrl, { sha256: sha256(data) });
    assert.equal(all.length, 2);
    const one = await findRekorEntries(svc.rekorUrl, {
      sha256: sha256(data),
      signature: submitted[1].signature,
    });
    // What the lookup returns is what Rekor returned when the entry was made (SET and proof).
    assert.deepEqual(one, [submitted[1].entry]);
    assert.deepEqual(
      await findRekorEntries(svc.rekorUrl, { sha256: sha256(new TextEncoder().encode("none")) }),
      [],
    );
  });
  it("a failing or confused Rekor is a clear error", async () => {
    svc.fail(REKOR_V1_INDEX_PATH, { status: 500, times: 1 });
    await assert.rejects(
      searchRekorV1(svc.rekorUrl, sha256(new Uint8Array(1))),
      (e: unknown) => isCosignError(e, "NETWORK") && /HTTP 500/.test((e as Error).message),
    );
    svc.fail(REKOR_V1_INDEX_PATH, { status: 200, body: '{"not":"a list"}', times: 1 });
    await assert.rejects(
      searchRekorV1(svc.rekorUrl, sha256(new Uint8Array(1))),
      (e: unknown) =>
        isCosignError(e, "INVALID_INPUT") && /list of entry UUIDs/.test((e as Error).message),
    );
  });
});
