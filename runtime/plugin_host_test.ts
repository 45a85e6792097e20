import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as lib from "../mod.ts";
import { registerLibraryModule } from "./plugin_host.ts";
import { tempDir } from "../tests/helpers/cli.ts";

describe("registerLibraryModule", () => {
  it('lets a module outside the repository import this very library as "cosign-ts"', async () => {
    // Bun: a run-time module hook; Deno: deno.json's import map does the same job.
    assert.equal(registerLibraryModule(lib), "Bun" in globalThis);
    assert.equal(registerLibraryModule(lib), "Bun" in globalThis, "a second call is harmless");
    const { dir, cleanup } = await tempDir("cosign-ts-host-");
    try {
      await writeFile(
        join(dir, "dep.ts"),
        'export { CosignError } from "cosign-ts/mod.ts";\n',
      );
      await writeFile(
        join(dir, "p.ts"),
        [
          'import { CosignError, definePlugin } from "cosign-ts";',
          'import { CosignError as Again } from "./dep.ts";',
          "export const classes = [CosignError, Again];",
          'export default definePlugin({ name: "host-test", apiVersion: 1 });',
          "",
        ].join("\n"),
      );
      const mod = await import(pathToFileURL(join(dir, "p.ts")).href);
      assert.equal(mod.default.name, "host-test");
      assert.equal(mod.classes[0], lib.CosignError);
      assert.equal(mod.classes[1], lib.CosignError);
    } finally {
      await cleanup();
    }
  });
});
