/**
 * The built-in "key-k8s" plugin: the `k8s://NAMESPACE/SECRET` key provider (cosign's key pairs
 * in Kubernetes secrets). Listed in main.ts BUILTIN_PLUGINS. This is the light entry: the
 * provider's scheme and description; the kubeconfig, API client and key code (k8s_key.ts) load on
 * the first `signer`, `verifier` or `generate`.
 *
 * @example
 * ```ts
 * registry.register(keyK8sPlugin);
 * const signer = await registry.signer("k8s://release/cosign", ctx);
 * ```
 * @module
 */
import { definePlugin, type Plugin } from "../../core/plugin.ts";
import { lazyKeyProvider } from "../../core/lazy_key_provider.ts";

/** The "k8s" provider's one line for `--help`. */
export const K8S_KEY_DESCRIPTION: string =
  "cosign key pairs in Kubernetes secrets: k8s://NAMESPACE/SECRET (kubeconfig or in-cluster)";

const k8sKeyEntry = lazyKeyProvider(
  { scheme: "k8s", description: K8S_KEY_DESCRIPTION },
  async () => (await import("./k8s_key.ts")).k8sKeyProvider,
);

/** The key-k8s plugin. */
export const keyK8sPlugin: Plugin = definePlugin({
  name: "key-k8s",
  apiVersion: 1,
  description: "Keys in Kubernetes secrets (k8s://)",
  keys: [k8sKeyEntry],
});

export default keyK8sPlugin;
