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
    assert.match(ok.err, /Existence of the claims in the transparency log was verified/);

    const unlogged = `${reg.host}/lookup2`;
    const img2 = await pushTestImage(client, `${unlogged}:v1`);
    const ref2 = `${unlogged}@${img2.digest}`;
    assert.equal((await run(["sign", "--key", "cosign.key", "--tlog-upload=false", ref2])).code, 0);
    const no = await verify(ref2);
    assert.equal(no.code, 12);
    assert.match(no.err, /has no entry for this signature/);
  });
});
