import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isCosignError } from "../errors.ts";
import { parseTrustedRoot, publicGoodTrustedRoot, withinValidity } from "./trusted_root.ts";
import { PUBLIC_GOOD_TRUSTED_ROOT } from "./public_good.ts";

describe("trusted_root.json", () => {
  it("parses the embedded public-good root: Rekor v1 + v2 logs, Fulcio CAs, CT logs, TSA", async () => {
    const t = await publicGoodTrustedRoot();
    assert.ok(
      t.tlogs.some((l) =>
        l.baseUrl === "https://rekor.sigstore.dev" && l.keyDetails === "PKIX_ECDSA_P256_SHA_256"
      ),
    );
    assert.ok(t.tlogs.some((l) => l.keyDetails === "PKIX_ED25519"));
    assert.ok(t.certificateAuthorities.length >= 2);
    assert.ok(t.ctlogs.length >= 2 && t.timestampAuthorities.length >= 1);
    const first = t.certificateAuthorities.find((c) => c.validFor.end)!;
    assert.equal(first.validFor.end!.toISOString(), "2022-12-31T23:59:59.999Z");
  });
  it("the Rekor v2 log ID is its signed-note key ID (checkpoint key hints are its first 4 bytes)", async () => {
    const t = await publicGoodTrustedRoot();
    const v2 = t.tlogs.find((l) => l.keyDetails === "PKIX_ED25519")!;
    const origin = new URL(v2.baseUrl).host;
    const data = new Uint8Array([
      ...new TextEncoder().encode(origin + "\n"),
      1,
      ...v2.spki.subarray(12),
    ]);
    const id = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
    assert.deepEqual(v2.logId, id);
  });
  it("validity windows are inclusive at both ends", () => {
    const w = { start: new Date(1000), end: new Date(2000) };
    assert.equal(withinValidity(w, new Date(1000)), true);
    assert.equal(withinValidity(w, new Date(2000)), true);
    assert.equal(withinValidity(w, new Date(999)), false);
    assert.equal(withinValidity(w, new Date(2001)), false);
    assert.equal(withinValidity({ start: new Date(0) }, new Date(8e15)), true);
  });
  const bad = async (text: string, re: RegExp) =>
    await assert.rejects(
      parseTrustedRoot(text, "t.json"),
      (e) => isCosignError(e, "INVALID_INPUT") && re.test(e.message),
    );
  it("rejects malformed JSON, other media types, keyless logs and empty chains", async () => {
    await bad("{", /malformed JSON/);
    await bad("[]", /not a JSON object/);
    await bad(JSON.stringify({ mediaType: "application/json" }), /unknown media type/);
    const root = JSON.parse(PUBLIC_GOOD_TRUSTED_ROOT);
    delete root.tlogs[0].publicKey;
    await bad(JSON.stringify(root), /tlogs\[0\] has no public key/);
    const root2 = JSON.parse(PUBLIC_GOOD_TRUSTED_ROOT);
    root2.certificateAuthorities[0].certChain.certificates = [];
    await bad(JSON.stringify(root2), /certificateAuthorities\[0\] has no certificates/);
  });
});
