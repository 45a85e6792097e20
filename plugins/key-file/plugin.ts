/**
 * The built-in "key-file" plugin: the {@link fileKeyProvider} for key references that are
 * paths. Listed in main.ts BUILTIN_PLUGINS.
 *
 * This is the light entry main.ts lists: the provider's scheme and description load with every
 * command; the key file code (key_file.ts: file reads, atomic writes, key formats) loads on the
 * first `signer`, `verifier` or `generate`.
 *
 * @example
 * ```ts
 * registry.register(keyFilePlugin);
 * const signer = await registry.signer("cosign.key", ctx);
 * ```
 * @module
 */
import { definePlugin, type Plugin } from "../../core/plugin.ts";
import { lazyKeyProvider } from "../../core/lazy_key_provider.ts";

/** The "file" provider's one line for `--help`. */
export const FILE_KEY_DESCRIPTION: string =
  "PEM keys (cosign's .key, .pub, private keys, certificates) in files, env://VAR, https://";

/** The "file" provider as registered: key_file.ts loads on the first signer, verifier, generate. */
const fileKeyEntry = lazyKeyProvider(
  {
    scheme: "file",
    description: FILE_KEY_DESCRIPTION,
    // As key_source.ts KEY_SOURCE_SCHEMES (not imported here: this entry stays light).
    urlSchemes: ["env", "http", "https"],
  },
  async () => (await import("./key_file.ts")).fileKeyProvider,
);

/** The key-file plugin. */
export const keyFilePlugin: Plugin = definePlugin({
  name: "key-file",
  apiVersion: 1,
  description: "Keys in files (cosign's encrypted format, PEM)",
  keys: [fileKeyEntry],
});

export default keyFilePlugin;
