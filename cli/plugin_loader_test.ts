import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { loadPlugins, pluginsFromEnv } from "./plugin_loader.ts";
import { PluginRegistry } from "../core/plugin.ts";
import { isCosignError } from "../core/errors.ts";
import { tempDir } from "../tests/helpers/cli.ts";

describe("loadPlugins", () => {
  it("loads a default-exported plugin from a path", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const f = join(dir, "p.ts");
      await writeFile(
        f,
        `export default { name: "tmp", apiVersion: 1, keys: [{ scheme: "tmpkey", description: "", signer: async () => { throw new Error("x"); } }] };\n`,
      );
      const r = new PluginRegistry();
      await loadPlugins([f], r);
      assert.equal(r.keyProvider("tmpkey://a").provider.scheme, "tmpkey");
    } finally {
      await cleanup();
    }
  });
  it("gives clear errors for a missing file, no export and a wrong apiVersion", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const none = join(dir, "none.ts");
      await writeFile(none, `export const x = 1;\n`);
      const v2 = join(dir, "v2.ts");
      await writeFile(v2, `export default { name: "v2", apiVersion: 2 };\n`);
      const r = new PluginRegistry();
      await assert.rejects(
        loadPlugins([join(dir, "missing.ts")], r),
        (e) => isCosignError(e, "PLUGIN") && /no such file/.test(e.message),
      );
      await assert.rejects(
        loadPlugins([none], r),
        (e) => isCosignError(e, "PLUGIN") && /no default export/.test(e.message),
      );
      await assert.rejects(
        loadPlugins([v2], r),
        (e) => isCosignError(e, "PLUGIN") && /apiVersion 2/.test(e.message),
      );
    } finally {
      await cleanup();
    }
  });
  it("splits COSIGN_TS_PLUGINS", () => {
    assert.deepEqual(pluginsFromEnv(" a.ts, ,b.ts"), ["a.ts", "b.ts"]);
    assert.deepEqual(pluginsFromEnv(undefined), []);
  });
});
