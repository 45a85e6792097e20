/**
 * `verify --local-image DIR` (issue 9, item 3), through dist/cosign-ts: an image signed in the
 * Debian registry and saved with `cosign-ts save` is verified from its OCI layout on disk, with
 * the registry stopped (no registry involved), as cosign's `verify --local-image`; the JSON
 * output is cosign's; a cosign v3 bundle saved as a referrer verifies from disk too; another key
 * does not match (12); a layout without signatures gives 10; a signature layer changed on disk is
 * refused.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { cosign, tempDir } from "./helpers/cli.ts";
import { pushTestImage, startRegistry, type TestRegistry } from "./helpers/registry.ts";
import { RegistryClient } from "../oci/client.ts";
import { openssl } from "./helpers/openssl.ts";
import { attachV3Bundle } from "./helpers/v3_bundle.ts";

let reg: TestRegistry | undefined;
let tmp: { dir: string; cleanup: () => Promise<void> };
before(async () => {
  reg = await startRegistry("plain");
  tmp = await tempDir("cosign-ts-localimg-");
});
after(async () => {
  await reg?.stop();
  await tmp?.cleanup();
});

describe("verify --local-image", () => {
  it("verifies an image saved with save from disk, without the registry", async () => {
    const d = tmp.dir;
    const env = { COSIGN_PASSWORD: "", DOCKER_CONFIG: d, HOME: d, COSIGN_TS_CACHE: join(d, "c") };
    const run = (args: string[]) => cosign(args, { env, cwd: d });
    assert.equal((await run(["generate-key-pair"])).code, 0);
    await run(["generate-key-pair", "--output-key-prefix", "other"]);
    const client = new RegistryClient(reg!.clientOptions());
    const ref = `${reg!.host}/local/app`;
    const img = await pushTestImage(client, `${ref}:v1`);
    const unsigned = await pushTestImage(client, `${reg!.host}/local/unsigned:v1`);
    const s = await run(["sign", "--key", "cosign.key", "--tlog-upload=false", `${ref}:v1`]);
    assert.equal(s.code, 0, s.err);
    // A cosign v3 signature too: a bundle (signed by openssl) attached as an OCI 1.1 referrer.
    const v3Key = join(d, "v3.pem");
    const v3Pub = join(d, "v3.pub");
    await openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", v3Key]);
    await openssl(["ec", "-in", v3Key, "-pubout", "-out", v3Pub]);
    await attachV3Bundle(client, ref, img.descriptor, img.digest, v3Key, d);
    const saved = join(d, "saved");
    const sv = await run(["save", "--dir", saved, `${ref}:v1`]);
    assert.equal(sv.code, 0, sv.err);
    const bare = join(d, "bare");
    const sb = await run(["save", "--dir", bare, `${reg!.host}/local/unsigned@${unsigned.digest}`]);
    assert.equal(sb.code, 0, sb.err);
    await reg!.stop();
    reg = undefined;

    const verify = (key: string, dir: string, extra: string[] = []) =>
      run(["verify", "--key", key, "--insecure-ignore-tlog", "--local-image", ...extra, dir]);
    const ok = await verify("cosign.pub", saved);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.err, /The cosign claims were validated/);
    const out = JSON.parse(ok.out);
    assert.equal(out.length, 1);
    assert.equal(out[0].critical.image["docker-manifest-digest"], img.digest);
    const text = await verify("cosign.pub", saved, ["--output", "text"]);
    assert.equal(text.code, 0, text.err);
    assert.equal(JSON.parse(text.out.trim()).critical.image["docker-manifest-digest"], img.digest);
    const wrongKey = await verify("other.pub", saved);
    assert.equal(wrongKey.code, 12, wrongKey.err);
    // The saved referrer (cosign v3 bundle) verifies from disk with its key.
    const v3 = await verify(v3Pub, saved);
    assert.equal(v3.code, 0, v3.err);
    const v3Out = JSON.parse(v3.out);
    assert.equal(v3Out.length, 1);
    assert.equal(v3Out[0].critical.type, "https://sigstore.dev/cosign/sign/v1");
    assert.equal(v3Out[0].critical.image["docker-manifest-digest"], img.digest);
    const none = await verify("cosign.pub", bare);
    assert.equal(none.code, 10, none.err);
    assert.match(none.err, /no signatures found/);
    // A signature layer changed on disk: refused (its digest no longer matches).
    const blobs = join(saved, "blobs", "sha256");
    let changed = false;
    for (const f of await readdir(blobs)) {
      const text = await readFile(join(blobs, f), "utf8").catch(() => "");
      if (text.includes('"docker-manifest-digest"') && !changed) {
        await writeFile(join(blobs, f), text.replace(img.digest.slice(-6), "000000"));
        changed = true;
      }
    }
    assert.ok(changed);
    const tampered = await verify("cosign.pub", saved);
    assert.notEqual(tampered.code, 0);
    assert.match(tampered.err, /does not match its digest/);
  });
});
