import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CosignError, isCosignError } from "../../core/errors.ts";
import { type Context, PluginRegistry } from "../../core/plugin.ts";
import { currentRuntime } from "../../runtime/mod.ts";
import {
  openssl,
  opensslStatus,
  pythonDecryptCosignKey,
  pythonEncryptCosignKey,
} from "../../tests/helpers/python.ts";
import { keyFilePlugin } from "./plugin.ts";
import { fileKeyProvider } from "./key_file.ts";

/** A plugin context with a fixed password and answer; records what was asked. */
function context(password: string | undefined, answer: boolean) {
  const asked: string[] = [];
  const plugins = new PluginRegistry();
  plugins.register(keyFilePlugin);
  const ctx: Context = {
    runtime: currentRuntime(),
    plugins,
    env: () => undefined,
    log: { info() {}, warn() {}, debug() {} },
    password(req) {
      asked.push(`password: ${req.purpose}${req.confirm ? " (twice)" : ""}`);
      if (password === undefined) {
        return Promise.reject(new CosignError("ABORTED", "no password here"));
      }
      return Promise.resolve(password);
    },
    confirm(q) {
      asked.push(`confirm: ${q}`);
      return Promise.resolve(answer);
    },
  };
  return { ctx, asked };
}

describe("key-file provider", () => {
  const dir = mkdtempSync(join(tmpdir(), "key-file-"));
  const data = new TextEncoder().encode("artifact bytes");
  writeFileSync(join(dir, "data"), data);

  it("generate writes an encrypted 0600 key and a .pub that Python and openssl read", async () => {
    const { ctx, asked } = context("pw", false);
    const prefix = join(dir, "gen");
    const pub = await fileKeyProvider.generate!(prefix, ctx);
    assert.deepEqual(asked, ["password: private key (twice)"]);
    assert.equal(statSync(`${prefix}.key`).mode & 0o777, 0o600);
    const keyPem = readFileSync(`${prefix}.key`, "utf8");
    assert.equal(readFileSync(`${prefix}.pub`, "utf8"), pub.pem);
    const { pkcs8, info } = pythonDecryptCosignKey(keyPem, "pw");
    assert.equal(info.label, "ENCRYPTED SIGSTORE PRIVATE KEY");
    assert.equal(info.N, 65536);
    const opensslPub = new TextDecoder().decode(
      openssl(["pkey", "-inform", "DER", "-pubout"], pkcs8),
    );
    assert.equal(opensslPub, pub.pem);

    // sign through the registry (dispatch on a path goes to "file") and verify with openssl
    const signer = await ctx.plugins.signer(`${prefix}.key`, ctx);
    writeFileSync(join(dir, "sig"), await signer.sign(data));
    assert.equal(
      opensslStatus([
        "dgst",
        "-sha256",
        "-verify",
        `${prefix}.pub`,
        "-signature",
        join(dir, "sig"),
        join(dir, "data"),
      ]),
      0,
    );
    const v = await ctx.plugins.verifier(`file://${prefix}.pub`, ctx);
    assert.ok(await v.verify(data, readFileSync(join(dir, "sig"))));
    const fromPrivate = await fileKeyProvider.verifier!(`${prefix}.key`, ctx);
    assert.equal((await fromPrivate.publicKey()).pem, pub.pem);
  });

  it("generate refuses to overwrite unless confirmed or forced", async () => {
    const prefix = join(dir, "exists");
    writeFileSync(`${prefix}.pub`, "keep me");
    const no = context("pw", false);
    await assert.rejects(fileKeyProvider.generate!(prefix, no.ctx), (e: unknown) => {
      assert.ok(isCosignError(e, "ABORTED"));
      assert.match(e.message, /exists\.pub/);
      return true;
    });
    assert.equal(readFileSync(`${prefix}.pub`, "utf8"), "keep me");
    assert.deepEqual(no.asked, [`confirm: File ${prefix}.pub already exists. Overwrite?`]);
    const yes = context("pw", true);
    await fileKeyProvider.generate!(prefix, yes.ctx);
    assert.match(readFileSync(`${prefix}.pub`, "utf8"), /BEGIN PUBLIC KEY/);
    const forced = context("pw", false);
    await fileKeyProvider.generate!(prefix, forced.ctx, { force: true });
    assert.deepEqual(forced.asked, ["password: private key (twice)"]);
  });

  it("signs with keys Python encrypted (both labels) and with plain PEM keys", async () => {
    const pemKey = openssl(["genpkey", "-algorithm", "ED25519"]);
    const der = openssl(["pkcs8", "-topk8", "-nocrypt", "-outform", "DER"], pemKey);
    for (const label of ["ENCRYPTED COSIGN PRIVATE KEY", "ENCRYPTED SIGSTORE PRIVATE KEY"]) {
      const p = join(dir, "py.key");
      writeFileSync(p, pythonEncryptCosignKey(der, "secret", { N: 32768, label }));
      const { ctx, asked } = context("secret", false);
      const signer = await fileKeyProvider.signer(p, ctx);
      assert.deepEqual(asked, [`password: private key "${p}"`]);
      assert.equal(signer.algorithm, "ed25519");
      writeFileSync(join(dir, "ed.sig"), await signer.sign(data));
      writeFileSync(join(dir, "ed.pub"), (await signer.publicKey()).pem);
      assert.equal(
        opensslStatus([
          "pkeyutl",
          "-verify",
          "-pubin",
          "-inkey",
          join(dir, "ed.pub"),
          "-rawin",
          "-in",
          join(dir, "data"),
          "-sigfile",
          join(dir, "ed.sig"),
        ]),
        0,
      );
    }
    writeFileSync(join(dir, "plain.pem"), pemKey);
    const { ctx, asked } = context(undefined, false);
    await fileKeyProvider.signer(join(dir, "plain.pem"), ctx);
    assert.deepEqual(asked, []);
  });

  it("verifies with a certificate file", async () => {
    const k = join(dir, "c.pem");
    writeFileSync(
      k,
      openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]),
    );
    writeFileSync(
      join(dir, "c.crt"),
      openssl(["req", "-x509", "-new", "-key", k, "-subj", "/CN=k", "-days", "1"]),
    );
    const sig = openssl(["dgst", "-sha256", "-sign", k, join(dir, "data")]);
    const v = await fileKeyProvider.verifier!(join(dir, "c.crt"), context(undefined, false).ctx);
    assert.ok(await v.verify(data, sig));
  });

  it("gives clear errors: missing file, public key for signing, wrong password, huge file", async () => {
    const { ctx } = context("nope", false);
    const cases: [string, string, RegExp][] = [
      [join(dir, "absent.key"), "IO", /Cannot read key ".*absent\.key": no such file$/],
      [join(dir, "gen.pub"), "KEY", /holds a public key/],
      [join(dir, "gen.key"), "KEY_PASSWORD", /wrong password/],
      [dir, "IO", /not a regular file/],
    ];
    writeFileSync(join(dir, "huge.key"), new Uint8Array(2 << 20));
    cases.push([join(dir, "huge.key"), "TOO_LARGE", /too large/]);
    for (const [ref, code, pattern] of cases) {
      await assert.rejects(fileKeyProvider.signer(ref, ctx), (e: unknown) => {
        assert.ok(isCosignError(e), String(e));
        assert.equal(e.code, code, e.message);
        assert.match(e.message, pattern);
        return true;
      });
    }
  });

  it("cleans up", () => rmSync(dir, { recursive: true, force: true }));
});
