/**
 * The "artifact-tekton" plugin: Tekton bundles (`upload tekton`) and Tekton trusted resources.
 * @module
 */
export { artifactTektonPlugin, default } from "./plugin.ts";
export * from "./bundle.ts";
export * from "./resources.ts";
export * from "./resource_text.ts";
export * from "./describe.ts";
export * from "./upload_tekton.ts";
export * from "./canonical.ts";
export * from "./go_values.ts";
export * from "./schema.ts";
export * from "./trusted.ts";
export * from "./trusted_commands.ts";
