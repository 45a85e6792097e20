/**
 * Loads third-party plugins at run time from a path or URL (`--plugin`, `COSIGN_TS_PLUGINS`).
 * A plugin module's default export (or its `plugin` export) must be `definePlugin({...})`.
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

/** Imports each plugin module and registers its plugin. Throws CosignError("PLUGIN"). */
export async function loadPlugins(specs: string[], registry: PluginRegistry): Promise<void> {
  for (const spec of specs) {
    const url = await toUrl(spec);
    let mod: Record<string, unknown>;
    try {
      mod = await import(url);
    } catch (e) {
      throw new CosignError("PLUGIN", `Cannot load plugin "${spec}": ${describeError(e)}`, {
        cause: e,
        hint: "Check that the module exists and compiles.",
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
