/**
 * eBPF bytecode images: reading BPF objects (bpf_elf.ts), the tar layer (oci/tar_layer.ts), building
 * and pushing bpfman's image with `upload ebpf` (ebpf_image.ts), what `verify` checks and says
 * (ebpf_describe.ts), and the "artifact-ebpf" plugin.
 * @module
 */
export { artifactEbpfPlugin, default } from "./plugin.ts";
export * from "./bpf_elf.ts";
export * from "../../oci/tar_layer.ts";
export * from "./ebpf_image.ts";
export * from "./ebpf_describe.ts";
