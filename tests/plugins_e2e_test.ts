/**
 * End-to-end tests of third-party plugin loading on the compiled binary: dist/cosign-ts loads
 * examples/plugins/env_key.ts (a .ts file it has never seen) from disk, through --plugin and
 * through COSIGN_TS_PLUGINS, and signs with it; openssl verifies the signatures. Broken plugins
 * (missing file, no default export, wrong apiVersion, syntax error) give exit 1 and a clear
 * message. A third-party plugin of every kind, written outside the repository, shows up in
 * `--help` (commands, key schemes, artifact kinds, logs, TSAs, with descriptions and its name)
 * and its commands run, with global flags anywhere. Plugins load from a loopback HTTPS server only
 * with the right `#sha256=` pin (the test CA reaches the binary through NODE_EXTRA_CA_CERTS);
 * plain http is refused off loopback; plugins named in COSIGN_TS_PLUGINS are announced on stderr.
 */
import { opensslVerify } from "./helpers/openssl.ts";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { closeServer } from "./helpers/bounded.ts";
import { cosign, ROOT, runProcess, tempDir } from "./helpers/cli.ts";
import { openssl, pythonEncryptCosignKey } from "./helpers/python.ts";
import { makeTestCertificates } from "./helpers/registry.ts";

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
      // COSIGN_TS_PLUGINS announces the plugin on stderr before it runs.
      assert.match(
        pk.err,
        new RegExp(`^Notice: loading plugin "${PLUGIN}" named in COSIGN_TS_PLUGINS\n`),
      );
      // The error cases load the plugin with --plugin, so stderr starts with the error.
      const viaFlag = { ...env, COSIGN_TS_PLUGINS: undefined };
      const wrong = await cosign(["--plugin", PLUGIN, "public-key", "--key", "env://CI_KEY"], {
        cwd: dir,
        env: { ...viaFlag, COSIGN_PASSWORD: "nope" },
      });
      assert.equal(wrong.code, 1);
      assert.match(
        wrong.err,
        /^Error: Cannot decrypt private key "env:\/\/CI_KEY": wrong password/,
      );
      // The plugin's own errors print as clean errors, not as crashes.
      const unset = await cosign(["--plugin", PLUGIN, "public-key", "--key", "env://MISSING_VAR"], {
        cwd: dir,
        env: viaFlag,
      });
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

/** A third-party plugin of every kind, importing the library as "cosign-ts". */
const EVERY_KIND_SOURCE = `
import { CosignError, definePlugin } from "cosign-ts";

const refuse = (what: string) => () => {
  throw new CosignError("UNSUPPORTED", what + " is only listed in this test");
};

export default definePlugin({
  name: "e2e-every-kind",
  apiVersion: 1,
  description: "A plugin of every kind, written outside the repository.",
  keys: [{ scheme: "e2ekey", description: "Keys that exist only in this test.", signer: refuse("e2ekey") }],
  artifacts: [{
    kind: "e2eblob",
    description: "Artifacts named e2eblob://NAME.",
    claims: (ref: string) => ref.startsWith("e2eblob://"),
    resolve: refuse("e2eblob"),
  }],
  tlogs: [{ name: "e2elog", description: "A log that keeps nothing.", submit: refuse("e2elog") }],
  timestamps: [{
    name: "e2etsa",
    description: "A timestamp authority without a clock.",
    timestamp: refuse("e2etsa"),
    verify: refuse("e2etsa"),
  }],
  commands: [
    {
      name: "greet",
      summary: "Greets its arguments.",
      usage: "cosign-ts greet NAME...",
      examples: ["cosign-ts greet world"],
      flags: [{ name: "loud", type: "boolean", description: "Greet loudly." }],
      args: { min: 1 },
      async run({ args, flags, ctx, io }) {
        const text = "hello " + args.join(" ");
        await io.out((flags.loud ? text.toUpperCase() : text) + " timeout=" + ctx.settings?.timeout + " signal=" + (ctx.signal instanceof AbortSignal) + "\\n");
      },
    },
    {
      name: "upload thing",
      summary: "Uploads a thing.",
      usage: "cosign-ts upload thing REF",
      examples: ["cosign-ts upload thing localhost:5000/thing"],
      flags: [],
      args: { min: 1, max: 1 },
      async run({ args, io }) {
        await io.out("uploaded " + args[0] + "\\n");
      },
    },
  ],
});
`;

/** The lines of one `--help` section. */
function helpSection(help: string, title: string): string {
  return help.split(`\n${title}:\n`)[1]?.split("\n\n")[0] ?? "";
}

/** Serves `body` at every path over HTTPS (test CA) or HTTP on 127.0.0.1. */
async function serveModule(
  body: string,
  tls?: { key: string; cert: string },
): Promise<{ base: string; close: () => Promise<void> }> {
  const handler = (_req: unknown, res: import("node:http").ServerResponse) => {
    res.writeHead(200, { "content-type": "text/typescript" });
    res.end(body);
  };
  const server: Server = tls
    ? createHttpsServer({ key: tls.key, cert: tls.cert }, handler)
    : createHttpServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    base: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
    close: () => closeServer(server),
  };
}

describe("third-party plugins of every kind: help, commands, URLs (dist/cosign-ts)", () => {
  it("--help lists the plugin's commands, scheme, kind, log and TSA with descriptions; global flags go anywhere", async () => {
    const { dir, cleanup } = await tempDir("cosign-ts-every-kind-");
    try {
      const plugin = join(dir, "every_kind.ts");
      writeFileSync(plugin, EVERY_KIND_SOURCE);
      for (const argv of [["--plugin", plugin, "--help"], ["-d", "--plugin", plugin, "-h"]]) {
        const r = await cosign(argv, { cwd: dir });
        assert.equal(r.code, 0, `${argv.join(" ")}: ${r.err}`);
        const by = "\\(plugin e2e-every-kind\\)";
        assert.match(
          helpSection(r.out, "Commands"),
          new RegExp(`^  greet +Greets its arguments\\. ${by}$`, "m"),
        );
        assert.match(
          helpSection(r.out, "Commands"),
          new RegExp(`^  upload thing +Uploads a thing\\. ${by}$`, "m"),
        );
        assert.match(helpSection(r.out, "Commands"), /^ {2}sign-blob +/m);
        assert.match(
          helpSection(r.out, "Key schemes"),
          new RegExp(`^  e2ekey +Keys that exist only in this test\\. ${by}$`, "m"),
        );
        assert.match(helpSection(r.out, "Key schemes"), /^ {2}file +.*\(plugin key-file\)$/m);
        assert.match(
          helpSection(r.out, "Artifact kinds"),
          new RegExp(`^  e2eblob +Artifacts named e2eblob://NAME\\. ${by}$`, "m"),
        );
        assert.match(
          helpSection(r.out, "Transparency logs"),
          new RegExp(`^  e2elog +A log that keeps nothing\\. ${by}$`, "m"),
        );
        assert.match(
          helpSection(r.out, "Timestamp authorities"),
          new RegExp(`^  e2etsa +A timestamp authority without a clock\\. ${by}$`, "m"),
        );
        assert.match(
          helpSection(r.out, "Plugins"),
          /^ {2}e2e-every-kind +A plugin of every kind, written outside the repository\. \(loaded\)$/m,
        );
      }
      // Loaded from the environment: the same listing, and a notice naming it on stderr.
      const env = await cosign(["-d", "--help"], { cwd: dir, env: { COSIGN_TS_PLUGINS: plugin } });
      assert.equal(env.code, 0, env.err);
      assert.match(helpSection(env.out, "Commands"), /^ {2}greet +Greets its arguments\./m);
      assert.equal(env.err, `Notice: loading plugin "${plugin}" named in COSIGN_TS_PLUGINS\n`);
    } finally {
      await cleanup();
    }
  });

  it("plugin commands run and have help; their groups list built-in and plugin subcommands", async () => {
    const { dir, cleanup } = await tempDir("cosign-ts-every-kind-");
    try {
      const plugin = join(dir, "every_kind.ts");
      writeFileSync(plugin, EVERY_KIND_SOURCE);
      const g = await cosign(["-t", "45s", "--plugin", plugin, "greet", "--loud", "a", "-d", "b"], {
        cwd: dir,
      });
      assert.equal(g.code, 0, g.err);
      assert.equal(g.out, "HELLO A B timeout=45000 signal=true\n");
      const none = await cosign(["--plugin", plugin, "greet"], { cwd: dir });
      assert.equal(none.code, 2);
      assert.match(none.err, /"greet" takes at least 1 argument\(s\), got 0/);
      const up = await cosign(["--plugin", plugin, "upload", "thing", "reg/x"], { cwd: dir });
      assert.equal(up.code, 0, up.err);
      assert.equal(up.out, "uploaded reg/x\n");
      const help = await cosign(["--plugin", plugin, "upload", "thing", "--help"], { cwd: dir });
      assert.equal(help.code, 0, help.err);
      assert.match(help.out, /^Uploads a thing\.\n\nProvided by plugin "e2e-every-kind"\.\n/);
      assert.match(help.out, /Examples:\n {2}cosign-ts upload thing localhost:5000\/thing/);
      const group = await cosign(["--plugin", plugin, "upload"], { cwd: dir });
      assert.equal(group.code, 0, group.err);
      assert.match(group.out, /^Subcommands of "upload":/);
      assert.match(group.out, /^ {2}upload blob +Uploads one or more files/m);
      assert.match(group.out, /^ {2}upload thing +Uploads a thing\. \(plugin e2e-every-kind\)$/m);
      // Without the plugin, its command is unknown.
      const gone = await cosign(["greet", "x"], { cwd: dir });
      assert.equal(gone.code, 2);
      assert.match(gone.err, /^Error: Unknown command "greet"/);
    } finally {
      await cleanup();
    }
  });

  it("--plugin https://…#sha256= loads only with the right pin; http only on loopback", async () => {
    const { dir, cleanup } = await tempDir("cosign-ts-plugin-url-");
    try {
      const certs = await makeTestCertificates(dir);
      const https = await serveModule(EVERY_KIND_SOURCE, {
        key: readFileSync(certs.keyFile, "utf8"),
        cert: readFileSync(certs.certFile, "utf8"),
      });
      const http = await serveModule(EVERY_KIND_SOURCE);
      try {
        const pin = createHash("sha256").update(EVERY_KIND_SOURCE).digest("hex");
        const env = { NODE_EXTRA_CA_CERTS: certs.caFile };
        const url = `${https.base}/every_kind.ts`;
        const ok = await cosign(["--plugin", `${url}#sha256=${pin}`, "greet", "url"], {
          cwd: dir,
          env,
        });
        assert.equal(ok.code, 0, ok.err);
        assert.equal(ok.out, "hello url timeout=180000 signal=true\n");

        // Under Deno (main.ts, the test CA through DENO_CERT) the same URL loads the same way.
        const deno = await runProcess(
          join(ROOT, "node_modules", ".bin", "deno"),
          ["run", "-A", join(ROOT, "main.ts"), "--plugin", `${url}#sha256=${pin}`, "greet", "deno"],
          { cwd: dir, env: { DENO_CERT: certs.caFile }, timeoutMs: 60_000 },
        );
        assert.equal(deno.code, 0, deno.err);
        assert.equal(deno.out, "hello deno timeout=180000 signal=true\n");
        // Without the test CA, the server's certificate is not trusted: nothing is loaded.
        const untrusted = await cosign(["--plugin", `${url}#sha256=${pin}`, "greet", "x"], {
          cwd: dir,
          timeoutMs: 30_000,
        });
        assert.equal(untrusted.code, 1, untrusted.err);
        assert.match(
          untrusted.err,
          /^Error: Cannot load plugin ".*": cannot fetch it: TLS with 127\.0\.0\.1:\d+ failed/,
        );
        assert.match(
          untrusted.err,
          /^Hint: Trust the CA of 127\.0\.0\.1:\d+ with NODE_EXTRA_CA_CERTS/m,
        );

        const wrongPin = "ab".repeat(32);
        const refusals: [string, RegExp, RegExp][] = [
          [
            `${url}#sha256=${wrongPin}`,
            new RegExp(`its content has sha256 ${pin}, the URL pins sha256 ${wrongPin}`),
            /^Hint: The module changed or the pin is wrong/m,
          ],
          [
            url,
            /a plugin URL must pin its content with #sha256=<64 hex digits>/,
            /^Hint: .*sha256sum/m,
          ],
          [
            `http://192.0.2.7/every_kind.ts#sha256=${pin}`,
            /plain http:\/\/ is only accepted on loopback \(127\.0\.0\.1, ::1, localhost\), not on "192\.0\.2\.7"/,
            /^Hint: Serve the plugin over https:\/\//m,
          ],
        ];
        for (const [spec, message, hint] of refusals) {
          const r = await cosign(["--plugin", spec, "greet", "x"], {
            cwd: dir,
            env,
            timeoutMs: 30_000,
          });
          assert.equal(r.code, 1, `${spec}: ${r.err}`);
          assert.equal(r.out, "");
          assert.ok(r.err.startsWith(`Error: Cannot load plugin "${spec}": `), r.err);
          assert.match(r.err, message);
          assert.match(r.err, hint);
        }
        // Loopback http is accepted, still only with the pin.
        const local = `${http.base}/every_kind.ts`;
        const viaHttp = await cosign(["--plugin", `${local}#sha256=${pin}`, "version", "--json"], {
          cwd: dir,
        });
        assert.equal(viaHttp.code, 0, viaHttp.err);
        assert.ok(JSON.parse(viaHttp.out).plugins.includes("e2e-every-kind"));
        const unpinned = await cosign(["--plugin", local, "version"], { cwd: dir });
        assert.equal(unpinned.code, 1);
        assert.match(unpinned.err, /must pin its content with #sha256=/);
      } finally {
        await https.close();
        await http.close();
      }
    } finally {
      await cleanup();
    }
  });
});
