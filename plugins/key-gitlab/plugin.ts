/**
 * The built-in "key-gitlab" plugin: `gitlab://PROJECT` keys, cosign's key pair kept as GitLab
 * CI/CD project variables (generate-key-pair writes them; sign, verify and public-key read them).
 * Listed in main.ts BUILTIN_PLUGINS. This is the light entry; the API client
 * (gitlab_variables.ts) loads on first use.
 *
 * @example
 * ```ts
 * registry.register(keyGitlabPlugin);
 * const verifier = await registry.verifier("gitlab://acme/app", ctx);
 * ```
 * @module
 */
import { definePlugin, type Plugin } from "../../core/plugin.ts";
import { lazyKeyProvider } from "../../core/lazy_key_provider.ts";

/** The "gitlab" provider's one line for `--help`. */
export const GITLAB_KEY_DESCRIPTION: string =
  "cosign key pairs as GitLab CI/CD variables: gitlab://PROJECT (GITLAB_TOKEN, GITLAB_HOST)";

const gitlabKeyEntry = lazyKeyProvider(
  { scheme: "gitlab", description: GITLAB_KEY_DESCRIPTION },
  async () => (await import("./gitlab_variables.ts")).gitlabKeyProvider,
);

/** The key-gitlab plugin. */
export const keyGitlabPlugin: Plugin = definePlugin({
  name: "key-gitlab",
  apiVersion: 1,
  description: "Keys as GitLab CI/CD variables (gitlab://)",
  keys: [gitlabKeyEntry],
});

export default keyGitlabPlugin;
