/**
 * verify of an image signature that carries no Rekor bundle looks the entry up in Rekor
 * (--rekor-url) by the payload's hash, as cosign does (issue 9, item 2), through dist/cosign-ts
 * with the Debian registry and the loopback Rekor: the signature is made with
 * --tlog-upload=false, then logged in Rekor separately; verify finds the entry and checks its
 * SET against the trusted root. A signature Rekor never saw is refused.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import { cosign, tempDir } from "./helpers/cli.ts";
import { pushTestImage, startRegistry, type TestRegistry } from "./helpers/registry.ts";
import { RegistryClient } from "../oci/client.ts";
import { type SigstoreServices, startSigstoreServices } from "./helpers/sigstore_services.ts";
import { submitRekorV1 } from "../plugins/tlog-rekor/mod.ts";

let reg: TestRegistry;
let svc: SigstoreServices;
let tmp: { dir: string; cleanup: () => Promise<void> };
before(async () => {
  reg = await startRegistry("plain");
  svc = await startSigstoreServices();
  tmp = await tempDir("cosign-ts-imglookup-");
});
after(async () => {
  await svc?.stop();
  await reg?.stop();
  await tmp?.cleanup();
});

describe("verify: online Rekor lookup for image signatures without a Rekor bundle", () => {
  it("finds the entry logged for the signature; refuses one Rekor never saw", async () => {
    const d = tmp.dir;
    const env = { COSIGN_PASSWORD: "", DOCKER_CONFIG: d, HOME: d, COSIGN_TS_CACHE: join(d, "c") };
    const run = (args: string[]) => cosign(args, { env, cwd: d });
    assert.equal((await run(["generate-key-pair"])).code, 0);
    const client = new RegistryClient(reg.clientOptions());
    const root = join(d, "root.json");
    await writeFile(root, JSON.stringify(svc.trustedRoot));
    const verify = (ref: string) =>
      run([
        "verify",
        "--key",
        "cosign.pub",
        "--rekor-url",
        svc.rekorUrl,
        "--trusted-root",
        root,
        ref,
      ]);

    const logged = `${reg.host}/lookup1`;
    const img = await pushTestImage(client, `${logged}:v1`);
    const ref = `${logged}@${img.digest}`;
    assert.equal((await run(["sign", "--key", "cosign.key", "--tlog-upload=false", ref])).code, 0);
    const dl = JSON.parse((await run(["download", "signature", ref])).out.trim());
    const payload = Buffer.from(dl.Payload, "base64");
    await submitRekorV1(svc.rekorUrl, {
      kind: "hashedrekord",
      signature: new Uint8Array(Buffer.from(dl.Base64Signature, "base64")),
      digest: new Uint8Array(createHash("sha256").update(payload).digest()),
      verificationMaterial: await readFile(join(d, "cosign.pub"), "utf8"),
    });
    const ok = await verify(ref);
    assert.equal(ok.code, 0, ok.err);
    // The entry came from the online look-up: cosign's online wording, never "offline".
    assert.doesNotMatch(ok.err, /verified offline/);
    assert.match(ok.err, /- The claims were present in the transparency log\n/);
    assert.match(ok.err, /integrated into the transparency log when the certificate was valid/);
    // JSON (the default): the verified signature's item, as cosign prints it.
    const items = JSON.parse(ok.out);
    assert.equal(items.length, 1);
    assert.equal(items[0].critical.image["docker-manifest-digest"], img.digest);
    // --output text: the signed payload, one line per verified signature.
    const text = await run([
      "verify",
      "--key",
      "cosign.pub",
      "--rekor-url",
      svc.rekorUrl,
      "--trusted-root",
      root,
      "--output",
      "text",
      "--max-workers",
      "1",
      ref,
    ]);
    assert.equal(text.code, 0, text.err);
    assert.deepEqual(text.out.trim().split("\n"), [payload.toString("utf8")]);
    // --max-workers must be a whole number of at least 1 (usage error, exit 2).
    for (const bad of ["0", "-1", "two", "1.5"]) {
      const r = await run(["verify", "--key", "cosign.pub", "--max-workers", bad, ref]);
      assert.equal(r.code, 2, `${bad}: ${r.err}`);
      assert.match(r.err, /--max-workers/);
    }

    const unlogged = `${reg.host}/lookup2`;
    const img2 = await pushTestImage(client, `${unlogged}:v1`);
    const ref2 = `${unlogged}@${img2.digest}`;
    assert.equal((await run(["sign", "--key", "cosign.key", "--tlog-upload=false", ref2])).code, 0);
    const no = await verify(ref2);
    assert.equal(no.code, 12);
    assert.match(no.err, /has no entry for this signature/);
  });
});
