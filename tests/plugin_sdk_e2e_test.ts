/**
 * End-to-end tests of the plugin SDK on the compiled binary: a plugin written into a temporary
 * directory outside the repository (no node_modules anywhere above it) imports the library as
 * `cosign-ts` (definePlugin, CosignError, signerFromPrivateKeyPem, verifierFromPem), also from a
 * module it imports itself, and dist/cosign-ts provides that module from its own bundled mod.ts.
 * The plugin signs a blob and openssl verifies it; its CosignErrors print as "Error: …" with
 * exit 1; the library's errors it catches are the very class it imported (one shared copy).
 * A plugin fetched from a pinned loopback URL imports `cosign-ts` the same way; one that needs
 * files beside it gets a hint to bundle it.
 */
import { opensslVerify } from "./helpers/openssl.ts";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join, relative } from "node:path";
import { closeServer } from "./helpers/bounded.ts";
import { cosign, ROOT, tempDir } from "./helpers/cli.ts";
import { openssl } from "./helpers/python.ts";

/** The plugin: `sdkfile://PATH` is a PEM key in a file, read by the plugin itself. */
const PLUGIN_SOURCE = `
import {
  CosignError,
  definePlugin,
  type KeyProvider,
  signerFromPrivateKeyPem,
  verifierFromPem,
} from "cosign-ts";
import { readKeyText } from "./read_key.ts";

/** Rethrows the library's errors only when they are the CosignError this plugin imported. */
function sameLibrary(e: unknown): never {
  if (e instanceof Error && e.constructor === CosignError) throw e;
  throw new Error("the library threw an error that is not the plugin's CosignError: " + e);
}

const provider: KeyProvider = {
  scheme: "sdkfile",
  description: "PEM key in a file: sdkfile://PATH",
  async signer(ref, _ctx, options) {
    const pem = await readKeyText(ref);
    try {
      return signerFromPrivateKeyPem(pem, { ...options, name: ref });
    } catch (e) {
      return sameLibrary(e);
    }
  },
  async verifier(ref, ctx, options) {
    const signer = await this.signer(ref, ctx, options);
    return verifierFromPem((await signer.publicKey()).pem, { ...options, name: ref });
  },
};

export default definePlugin({ name: "sdk-plugin", apiVersion: 1, keys: [provider] });
`;

/** A module the plugin imports, importing the library by its other name. */
const READ_KEY_SOURCE = `
import { readFile } from "node:fs/promises";
import { CosignError } from "cosign-ts/mod.ts";

export async function readKeyText(ref: string): Promise<string> {
  const path = ref.replace(/^sdkfile:\\/\\//, "");
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    throw new CosignError("KEY", \`Cannot read key "\${ref}": \${(e as Error).message}\`, {
      hint: "Pass sdkfile://PATH naming a PEM private key.",
    });
  }
}
`;

/** A plain JavaScript plugin loaded through COSIGN_TS_PLUGINS. */
const JS_PLUGIN_SOURCE = `
import { definePlugin, PLUGIN_API_VERSION } from "cosign-ts";
export default definePlugin({ name: "sdk-js-" + PLUGIN_API_VERSION, apiVersion: 1 });
`;

/** Writes the plugins into a fresh directory outside the repository. */
async function outsidePlugin(): Promise<
  { dir: string; plugin: string; cleanup: () => Promise<void> }
> {
  const { dir, cleanup } = await tempDir("cosign-ts-sdk-");
  assert.ok(relative(ROOT, dir).startsWith(".."), `${dir} must lie outside ${ROOT}`);
  for (let d = dir;; d = dirname(d)) {
    assert.ok(!existsSync(join(d, "node_modules")), `unexpected ${d}/node_modules`);
    if (dirname(d) === d) break;
  }
  const plugin = join(dir, "sdk_plugin.ts");
  writeFileSync(plugin, PLUGIN_SOURCE);
  writeFileSync(join(dir, "read_key.ts"), READ_KEY_SOURCE);
  writeFileSync(join(dir, "sdk_plugin.js"), JS_PLUGIN_SOURCE);
  return { dir, plugin, cleanup };
}

describe('plugin SDK: import from "cosign-ts" (dist/cosign-ts)', () => {
  it("a plugin outside the repository signs with the library's key helpers; openssl verifies", async () => {
    const { dir, plugin, cleanup } = await outsidePlugin();
    try {
      const key = openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]);
      writeFileSync(join(dir, "key.pem"), key);
      writeFileSync(join(dir, "pub.pem"), openssl(["pkey", "-pubout"], key));
      writeFileSync(join(dir, "blob"), "signed by a plugin that imports cosign-ts\n");
      const env = { COSIGN_TS_PLUGINS: join(dir, "sdk_plugin.js") };

      const v = await cosign(["--plugin", plugin, "version", "--json"], { cwd: dir, env });
      assert.equal(v.code, 0, v.err);
      const names: string[] = JSON.parse(v.out).plugins;
      assert.ok(names.includes("sdk-plugin") && names.includes("sdk-js-1"), v.out);

      const ref = `sdkfile://${join(dir, "key.pem")}`;
      const s = await cosign(
        ["--plugin", plugin, "sign-blob", "--key", ref, "--tlog-upload=false", "blob"],
        { cwd: dir, env },
      );
      assert.equal(s.code, 0, s.err);
      writeFileSync(join(dir, "sig"), Buffer.from(s.out.trim(), "base64"));
      assert.ok(
        await opensslVerify("p256", join(dir, "pub.pem"), join(dir, "blob"), join(dir, "sig")),
      );
      // The plugin's verifier (verifierFromPem on the public half) accepts it too.
      const ok = await cosign(
        [
          "--plugin",
          plugin,
          "verify-blob",
          "--key",
          ref,
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

  it("CosignErrors thrown by the plugin (or by the library inside it) print as Error lines, exit 1", async () => {
    const { dir, plugin, cleanup } = await outsidePlugin();
    try {
      writeFileSync(join(dir, "garbage.pem"), "not a key\n");
      writeFileSync(join(dir, "blob"), "x");
      const absent = `sdkfile://${join(dir, "absent.pem")}`;
      const r = await cosign(
        ["--plugin", plugin, "sign-blob", "--key", absent, "--tlog-upload=false", "blob"],
        { cwd: dir },
      );
      assert.equal(r.code, 1, r.err);
      assert.match(r.err.split("\n")[0], /^Error: Cannot read key "sdkfile:\/\/.*absent\.pem": /);
      assert.match(r.err, /^Hint: Pass sdkfile:\/\/PATH naming a PEM private key\.$/m);
      assert.doesNotMatch(r.err, /unexpected failure|\n\s+at /);

      // The library's own error reaches the plugin as the CosignError class it imported.
      const g = await cosign(
        ["--plugin", plugin, "public-key", "--key", `sdkfile://${join(dir, "garbage.pem")}`],
        { cwd: dir },
      );
      assert.equal(g.code, 1, g.err);
      assert.match(g.err, /^Error: /);
      assert.match(g.err, /garbage\.pem/);
      assert.doesNotMatch(g.err, /not the plugin's CosignError|unexpected failure|\n\s+at /);
    } finally {
      await cleanup();
    }
  });

  it("an import the library does not provide is a clear plugin error", async () => {
    const { dir, cleanup } = await tempDir("cosign-ts-sdk-");
    try {
      writeFileSync(
        join(dir, "deep.ts"),
        'import { CosignError } from "cosign-ts/core/errors.ts";\nexport default CosignError;\n',
      );
      writeFileSync(
        join(dir, "nope.ts"),
        'import { noSuchExport } from "cosign-ts";\nexport default noSuchExport;\n',
      );
      const cases: [string, RegExp][] = [
        ["deep.ts", /^Hint: Import the library as "cosign-ts"/m],
        ["nope.ts", /^Hint: Import only names that "cosign-ts" exports/m],
      ];
      for (const [file, hint] of cases) {
        const r = await cosign(["--plugin", join(dir, file), "version"], { cwd: dir });
        assert.equal(r.code, 1, r.err);
        assert.match(
          r.err,
          new RegExp(`^Error: Cannot load plugin ".*${file.replace(".", "\\.")}"`),
        );
        assert.match(r.err, hint);
        assert.doesNotMatch(r.err, /unexpected failure/);
      }
    } finally {
      await cleanup();
    }
  });

  it("a plugin fetched from a pinned URL imports cosign-ts; one with relative imports gets the bundling hint", async () => {
    const server = createServer((req, res) => {
      const body = req.url === "/js.js" ? JS_PLUGIN_SOURCE : PLUGIN_SOURCE;
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const pin = (text: string) => createHash("sha256").update(text).digest("hex");
    const { dir, cleanup } = await tempDir("cosign-ts-sdk-");
    try {
      const js = `${base}/js.js#sha256=${pin(JS_PLUGIN_SOURCE)}`;
      const v = await cosign(["--plugin", js, "version", "--json"], { cwd: dir });
      assert.equal(v.code, 0, v.err);
      assert.ok(JSON.parse(v.out).plugins.includes("sdk-js-1"), v.out);
      // The .ts plugin imports ./read_key.ts, which a URL-loaded module cannot bring along.
      const ts = `${base}/sdk_plugin.ts#sha256=${pin(PLUGIN_SOURCE)}`;
      const r = await cosign(["--plugin", ts, "version"], { cwd: dir });
      assert.equal(r.code, 1, r.err);
      assert.ok(r.err.startsWith(`Error: Cannot load plugin "${ts}": `), r.err);
      assert.match(r.err, /^Hint: A plugin loaded from a URL must be one self-contained module/m);
      assert.doesNotMatch(r.err, /unexpected failure/);
    } finally {
      await cleanup();
      await closeServer(server);
    }
  });
});
