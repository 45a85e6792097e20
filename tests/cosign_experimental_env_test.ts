/**
 * COSIGN_EXPERIMENTAL is read as cosign 2.x and later read it (issue 9, item 3): keyless signing,
 * keyless verification and the transparency log are the default since cosign 2.0, so the
 * variable enables nothing and changes no verdict; whatever its value, it is accepted
 * (never an error) and `env` lists it. Through dist/cosign-ts, with bundles of the test Sigstore
 * instance (tests/fixtures/keyless/factory.ts).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { cosign, tempDir } from "./helpers/cli.ts";
import { createKeyless, type Keyless, messageBundle } from "./fixtures/keyless/factory.ts";

let k: Keyless;
let tmp: { dir: string; cleanup: () => Promise<void> };
const art = new TextEncoder().encode("experimental\n");
before(async () => {
  k = await createKeyless();
  tmp = await tempDir("cosign-ts-experimental-");
  await writeFile(join(tmp.dir, "a.txt"), art);
});
after(async () => await tmp?.cleanup());

describe("COSIGN_EXPERIMENTAL (a no-op, as in cosign 2.x+)", () => {
  it("changes no verdict and no output, whatever its value", async () => {
    const d = tmp.dir;
    await writeFile(join(d, "b.json"), JSON.stringify(await messageBundle(k, art)));
    await writeFile(join(d, "root.json"), JSON.stringify(k.trustedRoot));
    const verify = (identity: string, experimental?: string) =>
      cosign([
        "verify-blob",
        "--bundle",
        join(d, "b.json"),
        "--trusted-root",
        join(d, "root.json"),
        "--certificate-identity",
        identity,
        "--certificate-oidc-issuer",
        "https://token.actions.githubusercontent.com",
        join(d, "a.txt"),
      ], {
        env: {
          COSIGN_TS_CACHE: join(d, "cache"),
          ...(experimental === undefined ? {} : { COSIGN_EXPERIMENTAL: experimental }),
        },
      });
    const id = "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main";
    const base = await verify(id);
    assert.equal(base.code, 0, base.err);
    const wrongBase = await verify("https://example.com/other");
    assert.equal(wrongBase.code, 12, wrongBase.err);
    for (const value of ["1", "true", "0", "false", "not-a-bool"]) {
      const ok = await verify(id, value);
      assert.equal(ok.code, base.code, `${value}: ${ok.err}`);
      assert.equal(ok.out, base.out);
      assert.equal(ok.err, base.err);
      const wrong = await verify("https://example.com/other", value);
      assert.equal(wrong.code, wrongBase.code, `${value}: ${wrong.err}`);
    }
    // Neither a key nor a bundle: still a usage error (cosign 1.x's experimental keyless
    // look-up is gone in cosign 2.x too).
    const bare = await cosign(["verify-blob", "--signature", "AAAA", join(d, "a.txt")], {
      env: { COSIGN_EXPERIMENTAL: "1", COSIGN_TS_CACHE: join(d, "cache") },
    });
    assert.notEqual(bare.code, 0);
    // `env` lists it, with cosign's description.
    const env = await cosign(["env", "--show-descriptions"], { env: { COSIGN_EXPERIMENTAL: "1" } });
    assert.equal(env.code, 0, env.err);
    assert.match(env.out, /COSIGN_EXPERIMENTAL="1"/);
  });
});
