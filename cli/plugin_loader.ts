/**
 * Loads third-party plugins at run time from a path or URL (`--plugin`, `COSIGN_TS_PLUGINS`).
 * A plugin module's default export (or its `plugin` export) must be `definePlugin({...})`.
 * Before the first plugin is imported, the library (`mod.ts`, loaded only then) is registered as
 * the module `cosign-ts` where the runtime allows it (the compiled binary), so plugins anywhere on
 * disk can `import { definePlugin } from "cosign-ts"`.
 *
 * @example
 * ```ts
 * await loadPlugins(["./examples/plugins/env_key.ts"], registry);
 * ```
 * @module
 */
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { CosignError, describeError } from "../core/errors.ts";
import type { PluginRegistry } from "../core/plugin.ts";
import { registerLibraryModule } from "../runtime/plugin_host.ts";

/** Splits `COSIGN_TS_PLUGINS` (comma-separated) into specifiers. */
export function pluginsFromEnv(value: string | undefined): string[] {
  return (value ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
}

async function toUrl(spec: string): Promise<string> {
  if (/^(https?|file|data):/i.test(spec)) return spec;
  const path = resolve(spec);
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new Error("not a file");
  } catch {
    throw new CosignError("PLUGIN", `Cannot load plugin "${spec}": no such file (${path})`, {
      hint: "Pass the path of a .ts or .js module to --plugin or COSIGN_TS_PLUGINS.",
    });
  }
  return pathToFileURL(path).href;
}

/** A hint for import failures that concern the library module `cosign-ts`, else undefined. */
function libraryImportHint(message: string): string | undefined {
  if (!/["'`]cosign-ts[/"'`]/.test(message)) return undefined;
  if (/not found in module|does not provide an export/i.test(message)) {
    return 'Import only names that "cosign-ts" exports (the library entry point, mod.ts).';
  }
  return 'Import the library as "cosign-ts" (or "cosign-ts/mod.ts"; deeper paths do not exist). ' +
    'The compiled binary provides it; under Deno, map "cosign-ts" to its mod.ts in an import ' +
    'map (see the README, "Plugins").';
}

/**
 * Imports each plugin module and registers its plugin. Throws CosignError("PLUGIN").
 * With at least one plugin, first makes the library importable as `cosign-ts` (compiled binary).
 */
export async function loadPlugins(specs: string[], registry: PluginRegistry): Promise<void> {
  if (specs.length > 0) registerLibraryModule(await import("../mod.ts"));
  for (const spec of specs) {
    const url = await toUrl(spec);
    let mod: Record<string, unknown>;
    try {
      mod = await import(url);
    } catch (e) {
      const msg = describeError(e);
      throw new CosignError("PLUGIN", `Cannot load plugin "${spec}": ${msg}`, {
        cause: e,
        hint: libraryImportHint(msg) ?? "Check that the module exists and compiles.",
      });
    }
    const plugin = mod.default ?? mod.plugin;
    if (plugin === undefined) {
      throw new CosignError(
        "PLUGIN",
        `Cannot load plugin "${spec}": the module has no default export`,
        {
          hint: "Export the plugin as: export default definePlugin({ name, apiVersion: 1, ... }).",
        },
      );
    }
    registry.register(plugin, `"${spec}"`);
  }
}
