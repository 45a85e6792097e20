/**
 * The built-in "key-gitlab" plugin and its GitLab CI/CD variables client.
 * @module
 */
export { default, keyGitlabPlugin } from "./plugin.ts";
export * from "./gitlab_variables.ts";
