/**
 * WebAssembly artifacts: checking a binary (wasm_binary.ts), cosign's and the CNCF OCI layouts
 * and `upload wasm` (wasm_oci.ts), what `verify` says about them (wasm_describe.ts), signatures
 * embedded in a .wasm file (wasm_signature.ts, wasm_file_artifact.ts, wasm_sign.ts), and the
 * "artifact-wasm" plugin.
 * @module
 */
export { artifactWasmPlugin, default } from "./plugin.ts";
export * from "./wasm_binary.ts";
export * from "./wasm_oci.ts";
export * from "./wasm_describe.ts";
export * from "./wasm_signature.ts";
export * from "./wasm_file_artifact.ts";
export * from "./wasm_sign.ts";
