/**
 * verify-blob with a certificate given on the command line (issue 9), through dist/cosign-ts:
 * - a real public-good cosign legacy bundle with its `cert` field removed, plus `--certificate`
 *   holding that certificate, verifies offline as the whole bundle does (log entry by its SET);
 * - `--certificate C --signature S --insecure-ignore-tlog` without any bundle verifies a
 *   signature made with a certificate of the test Sigstore instance, the certificate checked
 *   against the current time as cosign does when there is neither a log entry nor a timestamp.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import { sign } from "node:crypto";
import { cosign, ROOT, tempDir } from "./helpers/cli.ts";
import { certPem, createKeyless, type Keyless } from "./fixtures/keyless/factory.ts";

let tmp: { dir: string; cleanup: () => Promise<void> };
let k: Keyless;
before(async () => {
  tmp = await tempDir("cosign-ts-vbc-");
  k = await createKeyless();
});
after(async () => await tmp?.cleanup());
const empty = () => ({ COSIGN_TS_CACHE: join(tmp.dir, "no-cache") });

describe("verify-blob: a legacy bundle without its certificate, plus --certificate (real public-good)", () => {
  const LEGACY = join(ROOT, "tests", "fixtures", "blob", "cosign_legacy_bundle.json");
  const DIGEST = "sha256:d03cd623efbfe33052baa75e9dc6df83c3d957ecb67801a887ef6368d595c34e";
  const args = (bundle: string, cert: string) => [
    "verify-blob",
    "--bundle",
    bundle,
    "--certificate",
    cert,
    "--certificate-identity",
    "vu@krnl.xyz",
    "--certificate-oidc-issuer",
    "https://github.com/login/oauth",
    DIGEST,
  ];
  it("verifies; another certificate is refused", async () => {
    const b = JSON.parse(await readFile(LEGACY, "utf8"));
    await writeFile(join(tmp.dir, "cert.pem"), Buffer.from(b.cert, "base64"));
    delete b.cert;
    await writeFile(join(tmp.dir, "nocert.bundle"), JSON.stringify(b));
    const ok = await cosign(args(join(tmp.dir, "nocert.bundle"), join(tmp.dir, "cert.pem")), {
      env: empty(),
    });
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.err, /Verified OK/);
    const { cert } = await k.issue();
    await writeFile(join(tmp.dir, "other.pem"), certPem(cert));
    const no = await cosign(args(join(tmp.dir, "nocert.bundle"), join(tmp.dir, "other.pem")), {
      env: empty(),
    });
    assert.equal(no.code, 12, no.err);
  });
});

describe("verify-blob --certificate --signature --insecure-ignore-tlog (no bundle)", () => {
  const ID = "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main";
  const ISSUER = "https://token.actions.githubusercontent.com";
  it("verifies the signature, the chain (at the current time) and the identity", async () => {
    const art = new TextEncoder().encode("signed with a certificate, no log\n");
    const { cert, key } = await k.issue();
    const d = tmp.dir;
    await writeFile(join(d, "a.txt"), art);
    await writeFile(join(d, "a.sig"), Buffer.from(sign("sha256", art, key)).toString("base64"));
    await writeFile(join(d, "a.pem"), certPem(cert));
    await writeFile(join(d, "root.json"), JSON.stringify(k.trustedRoot));
    const run = (extra: string[], identity = ID) =>
      cosign([
        "verify-blob",
        "--certificate",
        join(d, "a.pem"),
        "--signature",
        join(d, "a.sig"),
        "--trusted-root",
        join(d, "root.json"),
        "--certificate-identity",
        identity,
        "--certificate-oidc-issuer",
        ISSUER,
        ...extra,
        join(d, "a.txt"),
      ], { env: empty() });
    // Checked at the current time: wait until the instance's clock (a little ahead, with its
    // certificates' notBefore) has passed.
    await new Promise((r) => setTimeout(r, Math.max(0, k.clock.getTime() - Date.now() + 100)));
    const ok = await run(["--insecure-ignore-tlog"]);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.err, /Verified OK/);
    const wrongId = await run(["--insecure-ignore-tlog"], "https://example.com/other");
    assert.equal(wrongId.code, 12);
    assert.match(wrongId.err, /identity/);
    await writeFile(join(d, "a.txt"), "changed\n");
    const changed = await run(["--insecure-ignore-tlog"]);
    assert.equal(changed.code, 12);
    assert.match(changed.err, /signature/);
    await writeFile(join(d, "a.txt"), art);
    // --rfc3161-timestamp: the timestamp is verified (one over other bytes is refused)
    const sigBytes = Buffer.from(
      (await readFile(join(d, "a.sig"), "utf8")).trim(),
      "base64",
    );
    const ts = (t: string) => JSON.stringify({ SignedRFC3161Timestamp: t });
    await writeFile(join(d, "ts.json"), ts(await k.timestamp(sigBytes)));
    const stamped = await run([
      "--insecure-ignore-tlog",
      "--rfc3161-timestamp",
      join(d, "ts.json"),
    ]);
    assert.equal(stamped.code, 0, stamped.err);
    await writeFile(join(d, "bad-ts.json"), ts(await k.timestamp(new TextEncoder().encode("x"))));
    const badTs = await run([
      "--insecure-ignore-tlog",
      "--rfc3161-timestamp",
      join(d, "bad-ts.json"),
    ]);
    assert.equal(badTs.code, 12);
    assert.match(badTs.err, /RFC 3161 timestamp: the message imprint/);
    const needsTlog = await run([]);
    assert.notEqual(needsTlog.code, 0);
    assert.match(needsTlog.err, /insecure-ignore-tlog|Rekor/);
  });
});
