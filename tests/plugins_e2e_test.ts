/**
 * End-to-end tests of third-party plugin loading on the compiled binary: dist/cosign-ts loads
 * examples/plugins/env_key.ts (a .ts file it has never seen) from disk, through --plugin and
 * through COSIGN_TS_PLUGINS, and signs with it; openssl verifies the signatures. Broken plugins
 * (missing file, no default export, wrong apiVersion, syntax error) give exit 1 and a clear
 * message.
 */
import { opensslVerify } from "./helpers/openssl.ts";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cosign, ROOT, tempDir } from "./helpers/cli.ts";
import { openssl, pythonEncryptCosignKey } from "./helpers/python.ts";

const PLUGIN = join(ROOT, "examples", "plugins", "env_key.ts");
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("plugins end to end (dist/cosign-ts)", () => {
  it("--plugin loads the example from disk; it signs and openssl verifies", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const key = openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]);
      writeFileSync(join(dir, "pub.pem"), openssl(["pkey", "-pubout"], key));
      writeFileSync(join(dir, "blob"), "signed through a plugin\n");
      const env = { SIGNING_KEY: text(key) };
      const v = await cosign(["--plugin", PLUGIN, "version", "--json"], { cwd: dir, env });
      assert.equal(v.code, 0, v.err);
      assert.ok(JSON.parse(v.out).plugins.includes("example-env-key"));
      const s = await cosign(
        [
          "--plugin",
          PLUGIN,
          "sign-blob",
          "--key",
          "env://SIGNING_KEY",
          "--tlog-upload=false",
          "blob",
        ],
        { cwd: dir, env },
      );
      assert.equal(s.code, 0, s.err);
      writeFileSync(join(dir, "sig"), Buffer.from(s.out.trim(), "base64"));
      assert.ok(
        await opensslVerify("p256", join(dir, "pub.pem"), join(dir, "blob"), join(dir, "sig")),
      );
      // verify-blob through the plugin's verifier (public half of the env key)
      const ok = await cosign(
        [
          "--plugin",
          PLUGIN,
          "verify-blob",
          "--key",
          "env://SIGNING_KEY",
          "--signature",
          join(dir, "sig"),
          "--insecure-ignore-tlog",
          "blob",
        ],
        { cwd: dir, env },
      );
      assert.equal(ok.code, 0, ok.err);
    } finally {
      await cleanup();
    }
  });

  it("COSIGN_TS_PLUGINS loads it too; an encrypted key in the variable uses COSIGN_PASSWORD", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const rsa = openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]);
      const der = openssl(["pkcs8", "-topk8", "-nocrypt", "-outform", "DER"], rsa);
      const env = {
        COSIGN_TS_PLUGINS: PLUGIN,
        CI_KEY: pythonEncryptCosignKey(der, "ci-pass", { N: 32768 }),
        COSIGN_PASSWORD: "ci-pass",
      };
      const pk = await cosign(["public-key", "--key", "env://CI_KEY"], { cwd: dir, env });
      assert.equal(pk.code, 0, pk.err);
      assert.equal(pk.out, text(openssl(["pkey", "-pubout"], rsa)));
      writeFileSync(join(dir, "pub.pem"), pk.out);
      writeFileSync(join(dir, "blob"), new Uint8Array(100_000).fill(7));
      const s = await cosign(
        [
          "sign-blob",
          "--key",
          "env://CI_KEY",
          "--tlog-upload=false",
          "--output-signature",
          "sig",
          "blob",
        ],
        { cwd: dir, env },
      );
      assert.equal(s.code, 0, s.err);
      const sig = Buffer.from(readFileSync(join(dir, "sig"), "utf8").trim(), "base64");
      writeFileSync(join(dir, "sig.bin"), sig);
      assert.ok(
        await opensslVerify("p256", join(dir, "pub.pem"), join(dir, "blob"), join(dir, "sig.bin")),
      );
      const wrong = await cosign(["public-key", "--key", "env://CI_KEY"], {
        cwd: dir,
        env: { ...env, COSIGN_PASSWORD: "nope" },
      });
      assert.equal(wrong.code, 1);
      assert.match(
        wrong.err,
        /^Error: Cannot decrypt private key "env:\/\/CI_KEY": wrong password/,
      );
      // The plugin's own errors print as clean errors, not as crashes.
      const unset = await cosign(["public-key", "--key", "env://MISSING_VAR"], { cwd: dir, env });
      assert.equal(unset.code, 1);
      assert.equal(
        unset.err.split("\n")[0],
        'Error: Cannot use key "env://MISSING_VAR": MISSING_VAR is not set or empty',
      );
      assert.match(unset.err, /^Hint: Put a PEM private key in MISSING_VAR/m);
    } finally {
      await cleanup();
    }
  });

  it("broken plugins give exit 1 and a clear message", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      writeFileSync(join(dir, "no_default.ts"), "export const x = 1;\n");
      writeFileSync(
        join(dir, "v2.ts"),
        'export default { name: "future", apiVersion: 2, keys: [] };\n',
      );
      writeFileSync(join(dir, "syntax.ts"), "export default definePlugin({ name: \n");
      writeFileSync(
        join(dir, "dup.ts"),
        'export default { name: "dup", apiVersion: 1, keys: [{ scheme: "env", signer() {} }] };\n',
      );
      const cases: [string[], Record<string, string>, RegExp][] = [
        [
          ["--plugin", join(dir, "absent.ts")],
          {},
          /Cannot load plugin ".*absent\.ts": no such file/,
        ],
        [[], { COSIGN_TS_PLUGINS: join(dir, "absent.ts") }, /Cannot load plugin .*no such file/],
        [["--plugin", join(dir, "no_default.ts")], {}, /has no default export/],
        [["--plugin", join(dir, "v2.ts")], {}, /apiVersion 2, this build supports 1/],
        [["--plugin", join(dir, "syntax.ts")], {}, /Cannot load plugin ".*syntax\.ts"/],
        [
          ["--plugin", PLUGIN, "--plugin", join(dir, "dup.ts")],
          {},
          /key scheme "env" is already provided/,
        ],
      ];
      for (const [flags, env, pattern] of cases) {
        const r = await cosign([...flags, "public-key", "--key", "env://X"], { cwd: dir, env });
        assert.equal(r.code, 1, `${flags.join(" ")}: ${r.err}`);
        assert.match(r.err, /^Error: /);
        assert.match(r.err, pattern);
        assert.doesNotMatch(r.err, /unexpected failure|\n\s+at /);
      }
    } finally {
      await cleanup();
    }
  });
});
