/**
 * The built-in "key-k8s" plugin and its parts: `k8s://` references, kubeconfig and in-cluster
 * credentials, the Kubernetes API calls, exec credential plugins.
 * @module
 */
export { default, keyK8sPlugin } from "./plugin.ts";
export * from "./k8s_key.ts";
export * from "./k8s_api.ts";
export * from "./kubeconfig.ts";
export * from "./exec_credential.ts";
export * from "./secret_ref.ts";
