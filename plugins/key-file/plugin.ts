/**
 * The built-in "key-file" plugin: the {@link fileKeyProvider} for key references that are
 * paths. Listed in main.ts BUILTIN_PLUGINS.
 *
 * @example
 * ```ts
 * registry.register(keyFilePlugin);
 * const signer = await registry.signer("cosign.key", ctx);
 * ```
 * @module
 */
import { definePlugin, type Plugin } from "../../core/plugin.ts";
import { fileKeyProvider } from "./key_file.ts";

/** The key-file plugin. */
export const keyFilePlugin: Plugin = definePlugin({
  name: "key-file",
  apiVersion: 1,
  keys: [fileKeyProvider],
});

export default keyFilePlugin;
