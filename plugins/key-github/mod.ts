/**
 * The built-in "key-github" plugin and its parts: `github://` targets, the Actions secrets
 * writer, libsodium's sealed box.
 * @module
 */
export { default, keyGithubPlugin } from "./plugin.ts";
export * from "./github_secrets.ts";
export * from "./github_target.ts";
export * from "./sealed_box.ts";
