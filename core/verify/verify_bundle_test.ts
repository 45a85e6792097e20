import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseBundle } from "../bundle.ts";
import { isCosignError } from "../errors.ts";
import { publicGoodTrustedRoot } from "../trust/trusted_root.ts";
import { pae } from "../dsse.ts";
import { verifyBundle } from "./verify_bundle.ts";
import { witnessContext } from "../../tests/helpers/witnesses.ts";

const dir = new URL("../../tests/fixtures/public_good/", import.meta.url);
const text = readFileSync(new URL("sigstore-3.1.0.sigstore.json", dir), "utf8");
const tgz = new Uint8Array(readFileSync(new URL("sigstore-3.1.0.tgz", dir)));
const { ctx } = witnessContext();
const policy = {
  identity: "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main",
  issuer: "https://token.actions.githubusercontent.com",
};

describe("verifyBundle on a real public-good bundle (same answer on every runtime)", () => {
  it("verifies offline with the embedded trusted root", async () => {
    const { bundle } = await parseBundle(text);
    const r = await verifyBundle(
      bundle,
      { bytes: tgz },
      policy,
      await publicGoodTrustedRoot(),
      ctx,
    );
    assert.equal(r.identity?.github.repository, "sigstore/sigstore-js");
    assert.equal(r.identity?.github.sha, "06cd267cbdc2eeaa04294995622db9f6ad2fa7cf");
    assert.deepEqual(r.timestamps, [{ source: "tlog", time: new Date(1738701347000) }]);
    assert.equal(r.dssePayload?.payloadType, "application/vnd.in-toto+json");
  });
  it("rejects a changed artifact and a changed integrated time", async () => {
    const trust = await publicGoodTrustedRoot();
    const { bundle } = await parseBundle(text);
    const other = tgz.slice();
    other[100] ^= 1;
    await assert.rejects(
      verifyBundle(bundle, { bytes: other }, policy, trust, ctx),
      (e) => isCosignError(e, "VERIFY") && /artifact digest/.test(e.message),
    );
    const j = JSON.parse(text);
    j.verificationMaterial.tlogEntries[0].integratedTime = "1738701348";
    const { bundle: b2 } = await parseBundle(JSON.stringify(j));
    await assert.rejects(
      verifyBundle(b2, { bytes: tgz }, policy, trust, ctx),
      (e) => isCosignError(e, "VERIFY") && /SET/.test(e.message),
    );
  });
  it("PAE is DSSEv1 <len> <type> <len> <payload>", () => {
    assert.equal(
      new TextDecoder().decode(pae("t/x", new TextEncoder().encode("héllo"))),
      "DSSEv1 3 t/x 6 héllo",
    );
  });
});
