/**
 * The "rfc3161" timestamp authority through the TimestampAuthority contract, both halves,
 * against the loopback Sigstore services' TSA (@sigstore/mock behind a real RFC 3161 endpoint):
 * the token it obtains is recognized and verified by its own verify() with the services'
 * trusted root; a token over other bytes or from an authority outside the trusted root is
 * refused with check "timestamp"; a second TSA named "rfc3161" is refused naming both plugins.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { isCosignError } from "../../core/errors.ts";
import { definePlugin } from "../../core/plugin.ts";
import { parseTrustedRoot, type TrustedRoot } from "../../core/trust/trusted_root.ts";
import {
  type SigstoreServices,
  startSigstoreServices,
} from "../../tests/helpers/sigstore_services.ts";
import { assertSecondRefused, failedCheck, witnessContext } from "../../tests/helpers/witnesses.ts";
import { rfc3161TimestampAuthority, tsaRfc3161Plugin } from "./plugin.ts";

let svc: SigstoreServices;
let trust: TrustedRoot;
before(async () => {
  svc = await startSigstoreServices();
  trust = await parseTrustedRoot(JSON.stringify(svc.trustedRoot), "services");
});
after(async () => {
  await svc?.stop();
});

const signature = new TextEncoder().encode("signature bytes to timestamp");
const timestampCheck = failedCheck("timestamp");

describe('"rfc3161" timestamp authority plugin', () => {
  it("handles http(s) URLs, and is what the registry picks for them", () => {
    const { ctx } = witnessContext();
    assert.equal(rfc3161TimestampAuthority.handles!("https://timestamp.sigstore.dev/x"), true);
    assert.equal(rfc3161TimestampAuthority.handles!("file:///tmp/tsa"), false);
    assert.equal(ctx.plugins.timestampAuthorityFor(svc.tsaUrl), rfc3161TimestampAuthority);
    assert.equal(ctx.plugins.timestampAuthorityFor("x", "rfc3161"), rfc3161TimestampAuthority);
    assert.throws(
      () => ctx.plugins.timestampAuthorityFor("file:///tmp/tsa"),
      (e) =>
        isCosignError(e, "UNSUPPORTED") && /file:\/\/\/tmp\/tsa/.test(e.message) &&
        /Known timestamp authorities: rfc3161\. .*--tsa/.test(e.hint ?? ""),
    );
  });

  it("verifies the timestamp it obtained: the TSA's time and which authority signed", async () => {
    const { ctx } = witnessContext();
    const tsa = ctx.plugins.timestampAuthorityFor(svc.tsaUrl);
    const token = await tsa.timestamp(signature, ctx, { url: svc.tsaUrl });
    assert.equal(tsa.recognizes!(token, trust), true);
    assert.equal(ctx.plugins.timestampAuthorityForToken(token, trust), rfc3161TimestampAuthority);
    const r = await tsa.verify(token, signature, trust, ctx);
    assert.equal(r.time.getTime(), svc.clock.getTime());
    assert.equal(r.authority, `${trust.timestampAuthorities[0].uri} #0`);
  });

  it("refuses a token over other bytes, from an authority outside the trust root, or without one", async () => {
    const { ctx } = witnessContext();
    const token = await rfc3161TimestampAuthority.timestamp(signature, ctx, { url: svc.tsaUrl });
    await assert.rejects(
      rfc3161TimestampAuthority.verify(token, new Uint8Array([1, 2, 3]), trust, ctx),
      (e: unknown) => timestampCheck(e) && /message imprint/.test(e.message),
    );
    await assert.rejects(
      rfc3161TimestampAuthority.verify(
        token,
        signature,
        { ...trust, timestampAuthorities: [] },
        ctx,
      ),
      (e: unknown) =>
        timestampCheck(e) && /no timestamp authority of the trusted root/.test(e.message),
    );
    await assert.rejects(
      rfc3161TimestampAuthority.verify(token, signature, {}, ctx),
      (e: unknown) => timestampCheck(e) && /no trusted root/.test(e.message),
    );
  });

  it("recognizes DER only", () => {
    assert.equal(rfc3161TimestampAuthority.recognizes!(new Uint8Array([0x30, 0x03]), trust), true);
    assert.equal(
      rfc3161TimestampAuthority.recognizes!(new TextEncoder().encode("{}"), trust),
      false,
    );
    assert.equal(rfc3161TimestampAuthority.recognizes!(new Uint8Array(0), trust), false);
  });

  it('refuses a second TSA named "rfc3161", naming both plugins', () => {
    const impostor = definePlugin({
      name: "impostor-tsa",
      apiVersion: 1,
      timestamps: [{ ...rfc3161TimestampAuthority, description: "another" }],
    });
    const r = assertSecondRefused(tsaRfc3161Plugin, impostor, 'timestamp authority "rfc3161"');
    assert.deepEqual(r.timestampAuthorities().map((a) => a.name), ["rfc3161"]);
  });
});
