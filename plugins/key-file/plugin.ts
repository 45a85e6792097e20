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
import {
  type Context,
  definePlugin,
  type GenerateOptions,
  type KeyProvider,
  type Plugin,
  type PublicKeyMaterial,
  type Signer,
  type SignerOptions,
  type Verifier,
} from "../../core/plugin.ts";

/** The "file" provider's one line for `--help`. */
export const FILE_KEY_DESCRIPTION: string =
  "PEM keys (cosign's .key, .pub, private keys, certificates) in files, env://VAR, https://";

const provider = async (): Promise<KeyProvider> => (await import("./key_file.ts")).fileKeyProvider;

/** The "file" provider as registered: each method loads key_file.ts on first use. */
const fileKeyEntry: KeyProvider = {
  scheme: "file",
  description: FILE_KEY_DESCRIPTION,
  // As key_source.ts KEY_SOURCE_SCHEMES (not imported here: this entry stays light).
  urlSchemes: ["env", "http", "https"],
  async signer(ref: string, ctx: Context, options?: SignerOptions): Promise<Signer> {
    return await (await provider()).signer(ref, ctx, options);
  },
  async verifier(ref: string, ctx: Context, options?: SignerOptions): Promise<Verifier> {
    return await (await provider()).verifier!(ref, ctx, options);
  },
  async generate(
    ref: string,
    ctx: Context,
    options?: GenerateOptions,
  ): Promise<PublicKeyMaterial> {
    return await (await provider()).generate!(ref, ctx, options);
  },
};

/** The key-file plugin. */
export const keyFilePlugin: Plugin = definePlugin({
  name: "key-file",
  apiVersion: 1,
  description: "Keys in files (cosign's encrypted format, PEM)",
  keys: [fileKeyEntry],
});

export default keyFilePlugin;
