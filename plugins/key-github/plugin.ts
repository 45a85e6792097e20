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
import { definePlugin, type Plugin } from "../../core/plugin.ts";
import { lazyKeyProvider } from "../../core/lazy_key_provider.ts";

/** The "github" provider's one line for `--help`. */
export const GITHUB_KEY_DESCRIPTION: string =
  "generate-key-pair github://OWNER[/REPO]: key pair as GitHub Actions secrets (GITHUB_TOKEN)";

const githubKeyEntry = lazyKeyProvider(
  { scheme: "github", description: GITHUB_KEY_DESCRIPTION },
  async () => (await import("./github_secrets.ts")).githubKeyProvider,
);

/** The key-github plugin. */
export const keyGithubPlugin: Plugin = definePlugin({
  name: "key-github",
  apiVersion: 1,
  description: "Key pairs as GitHub Actions secrets (github://)",
  keys: [githubKeyEntry],
});

export default keyGithubPlugin;
