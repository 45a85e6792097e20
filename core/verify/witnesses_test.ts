/**
 * Witness dispatch (core/verify/witnesses.ts) on a real public-good bundle: the log entry goes to
 * the log plugin that recognizes it, from the context's registry or from an explicit list (an
 * empty list recognizes nothing: a tlog-entry failure naming the entry); timestamps likewise.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseBundle } from "../bundle.ts";
import { isCosignError } from "../errors.ts";
import { publicGoodTrustedRoot } from "../trust/trusted_root.ts";
import { verifyBundle } from "./verify_bundle.ts";
import { logForEntry, verifyTimestampToken } from "./witnesses.ts";
import { witnessContext } from "../../tests/helpers/witnesses.ts";
// The built-in witness plugins as library callers get them.
import { rekorTransparencyLog, rfc3161TimestampAuthority } from "../../mod.ts";

const dir = new URL("../../tests/fixtures/public_good/", import.meta.url);
const text = readFileSync(new URL("sigstore-3.1.0.sigstore.json", dir), "utf8");
const tgz = new Uint8Array(readFileSync(new URL("sigstore-3.1.0.tgz", dir)));
const policy = {
  identity: "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main",
  issuer: "https://token.actions.githubusercontent.com",
};
const entryJson = JSON.parse(text).verificationMaterial.tlogEntries[0];

describe("witness dispatch", () => {
  it("a context's registry: the rekor plugin recognizes and verifies the entry", async () => {
    const { ctx, debug } = witnessContext();
    const trust = await publicGoodTrustedRoot();
    assert.equal(logForEntry(entryJson, trust, ctx), rekorTransparencyLog);
    const { bundle } = await parseBundle(text);
    const r = await verifyBundle(bundle, { bytes: tgz }, policy, trust, ctx);
    assert.equal(r.tlogEntries, 1);
    assert.ok(debug.some((m) => /"rekor" log plugin/.test(m)));
  });

  it("an explicit list is used instead of the registry", async () => {
    const { ctx } = witnessContext();
    const trust = await publicGoodTrustedRoot();
    const { bundle } = await parseBundle(text);
    const only = { ctx, tlogs: [rekorTransparencyLog], timestampAuthorities: [] };
    assert.equal((await verifyBundle(bundle, { bytes: tgz }, policy, trust, only)).tlogEntries, 1);
    const none = { ctx, tlogs: [], timestampAuthorities: [] };
    assert.equal(logForEntry(entryJson, trust, none), undefined);
    await assert.rejects(
      verifyBundle(bundle, { bytes: tgz }, policy, trust, none),
      (e: unknown) =>
        isCosignError(e, "VERIFY") && e.check === "tlog-entry" &&
        /no transparency log plugin recognizes it \(intoto 0\.0\.2, log ID wNI9/.test(e.message),
    );
  });

  it("a token no timestamp authority recognizes fails as a timestamp check", async () => {
    const { ctx } = witnessContext();
    const trust = await publicGoodTrustedRoot();
    const notDer = new TextEncoder().encode("{}");
    await assert.rejects(
      verifyTimestampToken(notDer, new Uint8Array(1), trust, ctx),
      (e: unknown) =>
        isCosignError(e, "VERIFY") && e.check === "timestamp" &&
        /no timestamp authority plugin recognizes it/.test(e.message),
    );
    // Recognized by the rfc3161 plugin, whose own verification then refuses the garbage.
    await assert.rejects(
      verifyTimestampToken(Uint8Array.of(0x30, 0), new Uint8Array(1), trust, {
        ctx,
        timestampAuthorities: [rfc3161TimestampAuthority],
      }),
      (e: unknown) =>
        isCosignError(e, "VERIFY") && e.check === "timestamp" && /RFC 3161/.test(e.message),
    );
  });
});
