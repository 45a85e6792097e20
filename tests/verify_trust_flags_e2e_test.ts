/**
 * cosign's trust flags of verify-blob (issue 9, item 3), through dist/cosign-ts with bundles of
 * the test Sigstore instance: `--ca-roots` replaces the trusted root's Fulcio CAs and
 * `--timestamp-certificate-chain` its timestamp authorities; without them the same trusted root
 * (with those parts removed) refuses the bundle.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import { cosign, tempDir } from "./helpers/cli.ts";
import { certPem, createKeyless, type Keyless, messageBundle } from "./fixtures/keyless/factory.ts";

// deno-lint-ignore no-explicit-any
type Json = any;
let k: Keyless;
let tmp: { dir: string; cleanup: () => Promise<void> };
const art = new TextEncoder().encode("trust flags\n");
before(async () => {
  k = await createKeyless();
  tmp = await tempDir("cosign-ts-tflags-");
  await writeFile(join(tmp.dir, "a.txt"), art);
});
after(async () => await tmp?.cleanup());

const pem = (c: Json) => certPem(Buffer.from(c.rawBytes, "base64"));

/** verify-blob of a test-instance bundle with a trusted root file and extra flags. */
const verifyBlob = (bundle: string, root: string, extra: string[]) =>
  cosign([
    "verify-blob",
    "--bundle",
    bundle,
    "--trusted-root",
    root,
    "--certificate-identity",
    "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main",
    "--certificate-oidc-issuer",
    "https://token.actions.githubusercontent.com",
    ...extra,
    join(tmp.dir, "a.txt"),
  ], { env: { COSIGN_TS_CACHE: join(tmp.dir, "cache") } });

describe("verify-blob --ca-roots / --timestamp-certificate-chain", () => {
  it("--ca-roots stands in for the trusted root's Fulcio CAs", async () => {
    const d = tmp.dir;
    await writeFile(join(d, "b1.json"), JSON.stringify(await messageBundle(k, art)));
    const root = structuredClone(k.trustedRoot);
    await writeFile(
      join(d, "roots.pem"),
      root.certificateAuthorities.map((c: Json) => pem(c.certChain.certificates[0])).join(""),
    );
    root.certificateAuthorities = [];
    await writeFile(join(d, "noca.json"), JSON.stringify(root));
    const run = (extra: string[]) => verifyBlob(join(d, "b1.json"), join(d, "noca.json"), extra);
    const no = await run([]);
    assert.equal(no.code, 12);
    assert.match(no.err, /certificate chain/);
    const ok = await run(["--ca-roots", join(d, "roots.pem")]);
    assert.equal(ok.code, 0, ok.err);
    const bad = await run(["--ca-intermediates", join(d, "roots.pem")]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--ca-intermediates needs --ca-roots/);
  });
  it("--timestamp-certificate-chain stands in for the trusted root's TSAs", async () => {
    const d = tmp.dir;
    await writeFile(
      join(d, "b2.json"),
      JSON.stringify(await messageBundle(k, art, { tlog: "v2", tsa: true })),
    );
    const root = structuredClone(k.trustedRoot);
    await writeFile(
      join(d, "tsa.pem"),
      root.timestampAuthorities[0].certChain.certificates.map(pem).join(""),
    );
    root.timestampAuthorities = [];
    await writeFile(join(d, "notsa.json"), JSON.stringify(root));
    const run = (extra: string[]) => verifyBlob(join(d, "b2.json"), join(d, "notsa.json"), extra);
    const no = await run([]);
    assert.equal(no.code, 12);
    assert.match(no.err, /RFC 3161 timestamp/);
    const ok = await run(["--timestamp-certificate-chain", join(d, "tsa.pem")]);
    assert.equal(ok.code, 0, ok.err);
  });
});
