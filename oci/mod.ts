/**
 * The OCI registry client and its parts: references, digests, media types, authentication,
 * docker config, registry flags.
 * @module
 */
export * from "./reference.ts";
export * from "./digest.ts";
export * from "./media_types.ts";
export * from "./auth.ts";
export * from "./docker_config.ts";
export * from "./login.ts";
export * from "./credential_helper.ts";
export * from "./retry.ts";
export * from "./client.ts";
export * from "./registry_options.ts";
