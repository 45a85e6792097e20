/**
 * The built-in "key-file" plugin and its helpers (reading key files, writing key pairs
 * atomically through runtime/atomic_file.ts).
 * @module
 */
export { default, keyFilePlugin } from "./plugin.ts";
export * from "./key_file.ts";
