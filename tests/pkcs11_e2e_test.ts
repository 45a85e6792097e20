/**
 * End-to-end tests of PKCS#11 keys on dist/cosign-ts (bun:ffi in the compiled binary) with
 * SoftHSM2 tokens: keys made by OpenSC's pkcs11-tool (EC P-256, RSA 2048) sign blobs and images
 * through `pkcs11:` URIs, openssl verifies the blob signatures with the key pkcs11-tool reads
 * from the token, `public-key` prints that key, `verify`/`verify-blob` verify with the URI;
 * `pkcs11-tool list-tokens|list-keys-uris` print cosign's format and the listed URIs sign;
 * the token certificate goes into the output (unless COSIGN_PKCS11_IGNORE_CERTIFICATE=1); the
 * token is usable again afterwards; a wrong PIN, a missing module, token or key fail clearly,
 * never show the PIN, and write nothing.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BIN, cosign, ROOT, runProcess, tempDir } from "./helpers/cli.ts";
import { pushTestImage, startRegistry, type TestRegistry } from "./helpers/registry.ts";
import { type SoftHsm, softHsm, SOFTHSM_MODULE } from "./helpers/softhsm.ts";
import { RegistryClient } from "../oci/client.ts";

const PIN = "246810";
const TOKEN = "cosign e2e";

describe("PKCS#11 keys (SoftHSM2) on dist/cosign-ts", () => {
  let hsm: SoftHsm;
  let dir: string;
  let cleanup: () => Promise<void>;
  let slot: bigint;
  let blob: string;
  const uri = (path: string, query = "") =>
    `pkcs11:token=cosign%20e2e;${path}?module-path=${SOFTHSM_MODULE}${query}`;
  const run = (args: string[], env: Record<string, string> = {}) =>
    cosign(args, { env: { ...hsm.env, HOME: dir, DOCKER_CONFIG: dir, ...env }, cwd: dir });

  before(async () => {
    ({ dir, cleanup } = await tempDir("cosign-ts-pkcs11-"));
    hsm = await softHsm();
    slot = await hsm.initToken(TOKEN, PIN);
    await hsm.keyPair(TOKEN, PIN, { type: "EC:prime256v1", id: "0a", label: "release-ec" });
    await hsm.keyPair(TOKEN, PIN, { type: "rsa:2048", id: "0b", label: "release-rsa" });
    blob = join(dir, "artifact.txt");
    await writeFile(blob, "an artifact signed on a token\n");
  });

  after(async () => {
    await hsm?.cleanup();
    await cleanup?.();
  });

  for (
    const [kind, path, id] of [["EC P-256", "object=release-ec", "0a"], [
      "RSA 2048",
      "id=%0b",
      "0b",
    ]]
  ) {
    it(`${kind}: sign-blob signs, openssl verifies with the token's key, verify-blob verifies`, async () => {
      const ref = uri(path);
      const sigFile = join(dir, `sig-${id}`);
      const s = await run(
        ["sign-blob", "--key", ref, "--tlog-upload=false", "--output-signature", sigFile, blob],
        { COSIGN_PKCS11_PIN: PIN },
      );
      assert.equal(s.code, 0, s.err);
      assert.ok(!s.err.includes(PIN), "the PIN is never printed");

      const pk = await run(["public-key", "--key", ref]);
      assert.equal(pk.code, 0, pk.err);
      assert.equal(pk.out, await hsm.publicKeyPem(id));

      const pubFile = join(dir, `pub-${id}.pem`);
      await writeFile(pubFile, pk.out);
      const raw = join(dir, `sig-${id}.der`);
      await writeFile(
        raw,
        Uint8Array.from(atob(await readFile(sigFile, "utf8")), (c) => c.charCodeAt(0)),
      );
      const v = await runProcess("openssl", [
        "dgst",
        "-sha256",
        "-verify",
        pubFile,
        "-signature",
        raw,
        blob,
      ]);
      assert.equal(v.code, 0, v.err + v.out);
      assert.match(v.out, /Verified OK/);

      const vb = await run([
        "verify-blob",
        "--key",
        ref,
        "--signature",
        sigFile,
        "--insecure-ignore-tlog",
        blob,
      ]);
      assert.equal(vb.code, 0, vb.err);
      await writeFile(join(dir, "tampered.txt"), "another artifact\n");
      const bad = await run([
        "verify-blob",
        "--key",
        ref,
        "--signature",
        sigFile,
        "--insecure-ignore-tlog",
        join(dir, "tampered.txt"),
      ]);
      assert.equal(bad.code, 12, bad.err);
    });
  }

  it("signs and verifies an image with a pkcs11: key (COSIGN_PKCS11_MODULE_PATH, pin-value)", async () => {
    let reg: TestRegistry | undefined;
    try {
      reg = await startRegistry("plain");
      const client = new RegistryClient(reg.clientOptions());
      const img = await pushTestImage(client, `${reg.host}/hsm:v1`);
      const ref = `${reg.host}/hsm@${img.digest}`;
      const env = { COSIGN_PKCS11_MODULE_PATH: SOFTHSM_MODULE };
      const key = `pkcs11:token=cosign%20e2e;object=release-ec?pin-value=${PIN}`;
      const s = await run(["sign", "--key", key, "--tlog-upload=false", ref], env);
      assert.equal(s.code, 0, s.err);
      assert.ok(!s.err.includes(PIN));
      const v = await run([
        "verify",
        "--key",
        "pkcs11:token=cosign%20e2e;object=release-ec",
        "--insecure-ignore-tlog",
        ref,
      ], env);
      assert.equal(v.code, 0, v.err);
      assert.ok(JSON.parse(v.out)[0].critical.image["docker-manifest-digest"] === img.digest);
      // The RSA key did not sign it.
      const w = await run(["verify", "--key", uri("id=%0b"), "--insecure-ignore-tlog", ref]);
      assert.equal(w.code, 12, w.err);
    } finally {
      await reg?.stop();
    }
  });

  it("pkcs11-tool list-tokens and list-keys-uris print cosign's format; the URIs sign", async () => {
    const t = await run(["pkcs11-tool", "list-tokens", "--module-path", SOFTHSM_MODULE]);
    assert.equal(t.code, 0, t.err);
    assert.ok(t.out.startsWith(`\nListing tokens of PKCS11 module '${SOFTHSM_MODULE}'\n`), t.out);
    assert.ok(
      t.out.includes(
        `Token in slot ${slot}\n\tLabel: ${TOKEN}\n\tManufacturer: SoftHSM project\n\tModel: SoftHSM v2\n`,
      ),
      t.out,
    );
    const k = await run(["pkcs11-tool", "list-keys-uris", "--slot-id", String(slot)], {
      COSIGN_PKCS11_MODULE_PATH: SOFTHSM_MODULE,
      COSIGN_PKCS11_PIN: PIN,
    });
    assert.equal(k.code, 0, k.err);
    const ec =
      `pkcs11:token=cosign%20e2e;slot-id=${slot};id=%0a;object=release-ec?module-path=${SOFTHSM_MODULE}&pin-value=${PIN}`;
    const rsa =
      `pkcs11:token=cosign%20e2e;slot-id=${slot};id=%0b;object=release-rsa?module-path=${SOFTHSM_MODULE}&pin-value=${PIN}`;
    assert.ok(
      k.out.startsWith(
        `\nListing URIs of keys in slot '${slot}' of PKCS11 module '${SOFTHSM_MODULE}'\n`,
      ),
      k.out,
    );
    assert.ok(k.out.includes(`\tLabel: release-ec\n\tID: 0a\n\tURI: ${ec}\n`), k.out);
    assert.ok(k.out.includes(`\tLabel: release-rsa\n\tID: 0b\n\tURI: ${rsa}\n`), k.out);
    for (const listed of [ec, rsa]) {
      const s = await run(["sign-blob", "--key", listed, "--tlog-upload=false", blob]);
      assert.equal(s.code, 0, s.err);
    }
    const noSlot = await run([
      "pkcs11-tool",
      "list-keys-uris",
      "--module-path",
      SOFTHSM_MODULE,
      "--slot-id",
      "999",
      "--pin",
      PIN,
    ]);
    assert.equal(noSlot.code, 1);
    assert.match(noSlot.err, /Cannot list keys in slot 999 .*no such slot/);
    const noModule = await run(["pkcs11-tool", "list-tokens"]);
    assert.equal(noModule.code, 2);
    assert.match(noModule.err, /needs --module-path/);
  });

  it("puts the token's certificate into the output unless COSIGN_PKCS11_IGNORE_CERTIFICATE=1", async () => {
    // A key imported with its certificate (no public-key object on the token).
    const certPem = await hsm.importKeyWithCertificate(TOKEN, PIN, {
      id: "0c",
      label: "with-cert",
      subject: "/CN=token-cert",
    });
    const ref = uri("id=%0c", `&pin-value=${PIN}`);
    const certOut = join(dir, "out-cert.pem");
    const s = await run([
      "sign-blob",
      "--key",
      ref,
      "--tlog-upload=false",
      "--b64=false",
      "--output-certificate",
      certOut,
      blob,
    ]);
    assert.equal(s.code, 0, s.err);
    assert.equal(await readFile(certOut, "utf8"), await readFile(certPem, "utf8"));
    const ignoredOut = join(dir, "ignored-cert.pem");
    const i = await run(
      ["sign-blob", "--key", ref, "--tlog-upload=false", "--output-certificate", ignoredOut, blob],
      { COSIGN_PKCS11_IGNORE_CERTIFICATE: "1" },
    );
    assert.equal(i.code, 0, i.err);
    assert.equal(existsSync(ignoredOut), false);
  });

  it("asks for the PIN on a terminal, as cosign does, and never echoes it", async () => {
    const sigFile = join(dir, "prompted.sig");
    const r = await runProcess("python3", [
      join(ROOT, "tests", "helpers", "pty_drive.py"),
      JSON.stringify([[
        "Enter PIN for key 'release-ec' in PKCS11 token 'cosign e2e': ",
        PIN + "\r",
      ]]),
      BIN,
      "sign-blob",
      "--key",
      uri("object=release-ec"),
      "--tlog-upload=false",
      "--output-signature",
      sigFile,
      blob,
    ], { env: { ...hsm.env, HOME: dir }, timeoutMs: 90_000 });
    assert.equal(r.code, 0, r.err);
    const run = JSON.parse(r.out) as { transcript: string; code: number; failed: unknown };
    assert.equal(run.failed, null, run.transcript);
    assert.equal(run.code, 0, run.transcript);
    assert.ok(!run.transcript.includes(PIN), "the PIN was echoed:\n" + run.transcript);
    assert.ok(existsSync(sigFile));
  });

  it("fails clearly for a wrong PIN, a missing module, token or key, writing nothing", async () => {
    const out = join(dir, "never.sig");
    const cases: [string, string, Record<string, string>, RegExp][] = [
      ["wrong PIN", uri("object=release-ec"), { COSIGN_PKCS11_PIN: "999999" }, /wrong PIN/],
      [
        "missing key",
        uri("object=nope"),
        { COSIGN_PKCS11_PIN: PIN },
        /no private key with label "nope" on token "cosign e2e"/,
      ],
      ["missing token", uri("object=release-ec").replace("cosign%20e2e", "absent"), {
        COSIGN_PKCS11_PIN: PIN,
      }, /Cannot find token "absent"/],
      ["missing module", uri("object=release-ec").replace(SOFTHSM_MODULE, "/usr/lib/none/p11.so"), {
        COSIGN_PKCS11_PIN: PIN,
      }, /Cannot load PKCS#11 module "\/usr\/lib\/none\/p11.so": no such file/],
      [
        "no module path",
        "pkcs11:token=x;object=y",
        {},
        /no module-path, and COSIGN_PKCS11_MODULE_PATH is not set/,
      ],
      [
        "no PIN, no terminal",
        uri("object=release-ec"),
        {},
        /a PIN is needed and standard input is not a terminal/,
      ],
    ];
    for (const [what, ref, env, pattern] of cases) {
      const r = await run([
        "sign-blob",
        "--key",
        ref,
        "--tlog-upload=false",
        "--output-signature",
        out,
        blob,
      ], env);
      assert.equal(r.code, 1, `${what}: ${r.err}`);
      assert.match(r.err, pattern, what);
      assert.ok(!r.err.includes("999999") && !r.err.includes(PIN), `${what}: PIN shown`);
      assert.ok(!r.err.includes("    at "), `${what}: stack trace`);
      assert.equal(existsSync(out), false, what);
    }
    // A PIN in the URI is hidden in messages.
    const hidden = await run([
      "sign-blob",
      "--key",
      uri("object=nope", `&pin-value=${PIN}`),
      "--tlog-upload=false",
      blob,
    ]);
    assert.equal(hidden.code, 1);
    assert.match(hidden.err, /pin-value=\*\*\*/);
    assert.ok(!hidden.err.includes(PIN));
    // Also where verification names the key.
    const sig = join(dir, "for-verify.sig");
    const signed = await run(
      [
        "sign-blob",
        "--key",
        uri("object=release-ec", `&pin-value=${PIN}`),
        "--tlog-upload=false",
        "--output-signature",
        sig,
        blob,
      ],
    );
    assert.equal(signed.code, 0, signed.err);
    const wrongKey = await run(
      [
        "verify-blob",
        "--key",
        uri("object=release-rsa", `&pin-value=${PIN}`),
        "--signature",
        sig,
        "--insecure-ignore-tlog",
        blob,
      ],
    );
    assert.equal(wrongKey.code, 12, wrongKey.err);
    assert.match(wrongKey.err, /the key "pkcs11:.*pin-value=\*\*\*"/);
    assert.ok(!wrongKey.err.includes(PIN));
    // Sessions were closed: the token still works for another application.
    const after = await hsm.tool([
      "--token-label",
      TOKEN,
      "--login",
      "--pin",
      PIN,
      "--list-objects",
      "--type",
      "privkey",
    ]);
    assert.match(after.out, /release-ec/);
  });
});
