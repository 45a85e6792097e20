/**
 * End-to-end tests of the security key (`--sk`/`--slot`, `piv-tool`) on dist/cosign-ts:
 * Debian's libykcs11 (Yubico's PKCS#11 module for PIV) loaded over bun:ffi, without pcscd (a
 * clear error naming pcscd) and with pcscd running and no card (zero tokens: "no cards found"
 * on every command); and the whole --sk path with SoftHSM2 standing in for libykcs11
 * (`COSIGN_TS_PIV_MODULE`; keys at the object IDs libykcs11 gives PIV slots: 1 = 9a
 * authentication, 2 = 9c signature): signatures openssl verifies, `public-key --sk`, image sign
 * and verify with --sk, one card required, and `piv-tool set-pin` changing the PIN.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { Buffer } from "node:buffer";
import { join } from "node:path";
import { cosign, runProcess, tempDir } from "./helpers/cli.ts";
import { ensurePcscd, pcscdAnswers } from "./helpers/pcscd.ts";
import { pushTestImage, startRegistry } from "./helpers/registry.ts";
import { softHsm, SOFTHSM_MODULE } from "./helpers/softhsm.ts";
import { RegistryClient } from "../oci/client.ts";

const YKCS11 = "/usr/lib/x86_64-linux-gnu/libykcs11.so";
const NO_CARD =
  /Cannot use the security key: no cards found \(PKCS#11 module ".*libykcs11\.so" reports no token\)/;

describe("security keys (--sk, piv-tool) on dist/cosign-ts", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let blob: string;
  const run = (args: string[], env: Record<string, string> = {}) =>
    cosign(args, { env: { HOME: dir, DOCKER_CONFIG: dir, ...env }, cwd: dir });

  before(async () => {
    ({ dir, cleanup } = await tempDir("cosign-ts-piv-"));
    blob = join(dir, "blob.txt");
    await writeFile(blob, "signed with a security key\n");
  });
  after(() => cleanup?.());

  it("libykcs11 without pcscd: a clear error that names pcscd", { skip: false }, async (t) => {
    if (await pcscdAnswers()) {
      t.skip("a pcscd is already running on this machine");
      return;
    }
    const r = await run(["public-key", "--sk"]);
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /libykcs11\.so": CKR_DEVICE_ERROR/);
    assert.match(r.err, /pcscd running/);
  });

  it("libykcs11 with pcscd and no card: zero tokens, and every command says so", async () => {
    const pcscd = await ensurePcscd();
    try {
      const t = await run(["pkcs11-tool", "list-tokens", "--module-path", YKCS11]);
      assert.equal(t.code, 0, t.err);
      assert.equal(t.out, `\nListing tokens of PKCS11 module '${YKCS11}'\n`);
      for (
        const args of [
          ["public-key", "--sk"],
          ["sign-blob", "--sk", "--tlog-upload=false", blob],
          ["sign-blob", "--sk", "--slot", "authentication", "--tlog-upload=false", blob],
          ["sign", "--sk", "--tlog-upload=false", "127.0.0.1:1/none@sha256:" + "0".repeat(64)],
          ["verify", "--sk", "--insecure-ignore-tlog", "127.0.0.1:1/none@sha256:" + "0".repeat(64)],
          ["piv-tool", "set-pin", "--old-pin", "123456", "--new-pin", "654321"],
          ["piv-tool", "generate-key", "--slot", "signature"],
        ]
      ) {
        const r = await run(args);
        assert.equal(r.code, 1, `${args.join(" ")}: ${r.err}`);
        assert.match(r.err, NO_CARD, args.join(" "));
        assert.match(r.err, /Insert a YubiKey/);
        assert.ok(!r.err.includes("654321"), "PINs are never shown");
      }
    } finally {
      await pcscd.stop();
    }
  });

  it("piv-tool operations PKCS#11 cannot do fail clearly, naming Yubico's tool", async () => {
    for (
      const [args, pattern] of [
        [["piv-tool", "reset"], /Cannot reset the PIV applet: .*no call for it/],
        [["piv-tool", "set-puk", "--new-puk", "12345678"], /Cannot change the PIV PUK/],
        [["piv-tool", "unblock", "--puk", "12345678"], /Cannot unblock the PIV PIN/],
        [["piv-tool", "set-management-key"], /Cannot change the PIV management key/],
        [["piv-tool", "attestation", "--slot", "signature"], /Cannot read a PIV attestation/],
        [
          ["piv-tool", "generate-key", "--pin-policy", "once"],
          /Cannot set the --pin-policy of PIV slot "signature"/,
        ],
        [["piv-tool", "generate-key", "--touch-policy", "always"], /Cannot set the --touch-policy/],
      ] as const
    ) {
      const r = await run([...args]);
      assert.equal(r.code, 1, `${args.join(" ")}: ${r.err}`);
      assert.match(r.err, pattern);
      assert.match(r.err, /Hint: Use Yubico's tools: ykman/);
    }
  });

  it("bad flag combinations are usage errors", async () => {
    const a = await run(["sign-blob", "--slot", "signature", "--tlog-upload=false", blob]);
    assert.equal(a.code, 2);
    assert.match(a.err, /--slot "signature" needs --sk/);
    const b = await run(["sign-blob", "--sk", "--key", "cosign.key", "--tlog-upload=false", blob]);
    assert.equal(b.code, 2);
    assert.match(b.err, /--key and --sk cannot be used together/);
    const c = await run(["public-key", "--sk", "--slot", "retired-1"]);
    assert.equal(c.code, 2);
    assert.match(c.err, /Unknown security key slot "retired-1"/);
  });

  it("--sk signs and verifies through a PKCS#11 module at libykcs11's slot IDs (SoftHSM2 stand-in)", async () => {
    const hsm = await softHsm();
    const reg = await startRegistry("plain");
    try {
      await hsm.initToken("YubiKey PIV #1", "123456");
      await hsm.keyPair("YubiKey PIV #1", "123456", {
        type: "EC:prime256v1",
        id: "02",
        label: "sig",
        // As PIV's signature slot: the PIN again for every signature.
        alwaysAuth: true,
      });
      await hsm.keyPair("YubiKey PIV #1", "123456", { type: "rsa:2048", id: "01", label: "auth" });
      const env = { ...hsm.env, COSIGN_TS_PIV_MODULE: SOFTHSM_MODULE, COSIGN_PKCS11_PIN: "123456" };
      for (const [slot, id] of [["signature", "02"], ["authentication", "01"]]) {
        const slotArgs = slot === "signature" ? [] : ["--slot", slot];
        const pk = await run(["public-key", "--sk", ...slotArgs], env);
        assert.equal(pk.code, 0, pk.err);
        assert.equal(pk.out, await hsm.publicKeyPem(id));
        const s = await run([
          "sign-blob",
          "--sk",
          ...slotArgs,
          "--tlog-upload=false",
          "--b64=false",
          "--output-signature",
          join(dir, `${slot}.sig`),
          blob,
        ], env);
        assert.equal(s.code, 0, s.err);
        await writeFile(join(dir, `${slot}.pub`), pk.out);
        const v = await runProcess("openssl", [
          "dgst",
          "-sha256",
          "-verify",
          join(dir, `${slot}.pub`),
          "-signature",
          join(dir, `${slot}.sig`),
          blob,
        ]);
        assert.match(v.out, /Verified OK/, v.err);
        const b64 = join(dir, `${slot}.b64`);
        await writeFile(
          b64,
          Buffer.from(await readFile(join(dir, `${slot}.sig`))).toString("base64"),
        );
        const vb = await run([
          "verify-blob",
          "--sk",
          ...slotArgs,
          "--signature",
          b64,
          "--insecure-ignore-tlog",
          blob,
        ], env);
        assert.equal(vb.code, 0, vb.err);
        const other = slot === "signature" ? ["--slot", "authentication"] : [];
        const wrong = await run([
          "verify-blob",
          "--sk",
          ...other,
          "--signature",
          b64,
          "--insecure-ignore-tlog",
          blob,
        ], env);
        assert.equal(wrong.code, 12, wrong.err);
      }

      const client = new RegistryClient(reg.clientOptions());
      const img = await pushTestImage(client, `${reg.host}/sk:v1`);
      const ref = `${reg.host}/sk@${img.digest}`;
      const signed = await run(["sign", "--sk", "--tlog-upload=false", ref], env);
      assert.equal(signed.code, 0, signed.err);
      const ok = await run(["verify", "--sk", "--insecure-ignore-tlog", ref], {
        ...env,
        COSIGN_PKCS11_PIN: "",
      });
      assert.equal(ok.code, 0, ok.err);
      assert.equal(JSON.parse(ok.out)[0].critical.image["docker-manifest-digest"], img.digest);
      const other = await run([
        "verify",
        "--sk",
        "--slot",
        "authentication",
        "--insecure-ignore-tlog",
        ref,
      ], env);
      assert.equal(other.code, 12, other.err);

      // piv-tool set-pin changes the PIN: the old one is refused afterwards, the new one signs.
      const sp = await run(
        ["piv-tool", "set-pin", "--old-pin", "123456", "--new-pin", "654321"],
        env,
      );
      assert.equal(sp.code, 0, sp.err);
      assert.ok(!sp.err.includes("654321") && !sp.err.includes("123456"));
      const old = await run(["sign-blob", "--sk", "--tlog-upload=false", blob], env);
      assert.equal(old.code, 1);
      assert.match(old.err, /wrong PIN/);
      const fresh = await run(["sign-blob", "--sk", "--tlog-upload=false", blob], {
        ...env,
        COSIGN_PKCS11_PIN: "654321",
      });
      assert.equal(fresh.code, 0, fresh.err);
      const wrongOld = await run([
        "piv-tool",
        "set-pin",
        "--old-pin",
        "000000",
        "--new-pin",
        "111111",
      ], env);
      assert.equal(wrongOld.code, 1);
      assert.match(wrongOld.err, /wrong PIN/);

      // Two cards: cosign asks for one.
      await hsm.initToken("YubiKey PIV #2", "123456");
      const two = await run(["public-key", "--sk"], env);
      assert.equal(two.code, 1);
      assert.match(two.err, /found 2 cards, please attach only one/);
      assert.ok((await readFile(blob, "utf8")).length > 0);
    } finally {
      await reg.stop();
      await hsm.cleanup();
    }
  });
});
