/**
 * The "blob" artifact plugin: local files, standard input and bare digests, digested as streams.
 * @module
 */
export { artifactBlobPlugin } from "./plugin.ts";
export * from "./blob_artifact.ts";
export * from "./stream_digest.ts";
