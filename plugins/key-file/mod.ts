/**
 * The built-in "key-file" plugin and its helpers (reading key files, writing key pairs
 * atomically).
 * @module
 */
export { default, keyFilePlugin } from "./plugin.ts";
export * from "./key_file.ts";
export * from "./atomic_write.ts";
