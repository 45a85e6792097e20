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

/** The "gitlab" provider's one line for `--help`. */
export const GITLAB_KEY_DESCRIPTION: string =
  "cosign key pairs as GitLab CI/CD variables: gitlab://PROJECT (GITLAB_TOKEN, GITLAB_HOST)";

const provider = async (): Promise<KeyProvider> =>
  (await import("./gitlab_variables.ts")).gitlabKeyProvider;

const gitlabKeyEntry: KeyProvider = {
  scheme: "gitlab",
  description: GITLAB_KEY_DESCRIPTION,
  async signer(ref: string, ctx: Context, options?: SignerOptions): Promise<Signer> {
    return await (await provider()).signer(ref, ctx, options);
  },
  async verifier(ref: string, ctx: Context, options?: SignerOptions): Promise<Verifier> {
    return await (await provider()).verifier!(ref, ctx, options);
  },
  async generate(ref: string, ctx: Context, options?: GenerateOptions): Promise<PublicKeyMaterial> {
    return await (await provider()).generate!(ref, ctx, options);
  },
};

/** The key-gitlab plugin. */
export const keyGitlabPlugin: Plugin = definePlugin({
  name: "key-gitlab",
  apiVersion: 1,
  description: "Keys as GitLab CI/CD variables (gitlab://)",
  keys: [gitlabKeyEntry],
});

export default keyGitlabPlugin;
