/**
 * The built-in "key-github" plugin: `generate-key-pair github://OWNER[/REPO]` writes cosign's key
 * pair as GitHub Actions secrets. Listed in main.ts BUILTIN_PLUGINS. This is the light entry; the
 * API client and the sealed box (github_secrets.ts) load on first use.
 *
 * @example
 * ```ts
 * registry.register(keyGithubPlugin);
 * await registry.keyProvider("github://acme/app").provider.generate!("github://acme/app", ctx);
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
  type Verifier,
} from "../../core/plugin.ts";

/** The "github" provider's one line for `--help`. */
export const GITHUB_KEY_DESCRIPTION: string =
  "generate-key-pair github://OWNER[/REPO]: key pair as GitHub Actions secrets (GITHUB_TOKEN)";

const provider = async (): Promise<KeyProvider> =>
  (await import("./github_secrets.ts")).githubKeyProvider;

const githubKeyEntry: KeyProvider = {
  scheme: "github",
  description: GITHUB_KEY_DESCRIPTION,
  async signer(ref: string, ctx: Context): Promise<Signer> {
    return await (await provider()).signer(ref, ctx);
  },
  async verifier(ref: string, ctx: Context): Promise<Verifier> {
    return await (await provider()).verifier!(ref, ctx);
  },
  async generate(ref: string, ctx: Context, options?: GenerateOptions): Promise<PublicKeyMaterial> {
    return await (await provider()).generate!(ref, ctx, options);
  },
};

/** The key-github plugin. */
export const keyGithubPlugin: Plugin = definePlugin({
  name: "key-github",
  apiVersion: 1,
  description: "Key pairs as GitHub Actions secrets (github://)",
  keys: [githubKeyEntry],
});

export default keyGithubPlugin;
