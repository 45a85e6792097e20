/**
 * The built-in "artifact-ebpf" plugin: eBPF bytecode images (bpfman's specification).
 *
 * - The `upload ebpf` command builds an image from BPF object files, with the
 *   `io.ebpf.programs` / `io.ebpf.maps` labels read from the ELF (ebpf_image.ts); the pushed
 *   image is an ordinary OCI image, so `sign`, `verify`, `tree`, `copy`, `save`/`load` work on
 *   it unchanged.
 * - The "ebpf" artifact type claims no references; `verify` asks it (`describeStored`) what a
 *   verified image holds, and it checks the labels against the bytecode (ebpf_describe.ts).
 *
 * This is the light entry main.ts lists: names, flags and descriptions; the code loads on use.
 *
 * @example
 * ```ts
 * registry.register(artifactEbpfPlugin);
 * ```
 * @module
 */
import {
  type ArtifactType,
  type Command,
  contentArtifactType,
  definePlugin,
  type Plugin,
} from "../../core/plugin.ts";
import { REGISTRY_FLAGS } from "../../cli/registry_flags.ts";

/** The "ebpf" type as registered. */
const ebpfArtifactEntry: ArtifactType = contentArtifactType(
  "ebpf",
  "eBPF bytecode images in OCI registries (bpfman's io.ebpf.* labels)",
  async (artifact, ctx) => (await import("./ebpf_describe.ts")).describeEbpfImage(artifact, ctx),
);

/** `upload ebpf -f prog.o [-f more.o] [--arch ARCH] REF`. */
const uploadEbpfCommand: Command = {
  name: "upload ebpf",
  summary: "Upload BPF object files as an eBPF bytecode image (bpfman's specification).",
  usage: "cosign-ts upload ebpf -f prog.o [-f more.o]… [--arch ARCH] IMAGE",
  examples: [
    "cosign-ts upload ebpf -f xdp_counter.o localhost:5000/bpf/xdp-counter:v1",
    "cosign-ts upload ebpf -f xdp.o -f kprobe.o --arch arm64 localhost:5000/bpf/tools:v1",
  ],
  flags: [
    {
      name: "file",
      short: "f",
      type: "strings",
      placeholder: "prog.o",
      description:
        "BPF object file (ELF64 ET_REL, e_machine 247) to put in the image (repeatable).",
    },
    {
      name: "arch",
      type: "string",
      placeholder: "ARCH",
      description: "The image config's architecture (default: amd64 for little-endian objects, " +
        "s390x for big-endian ones).",
    },
    ...REGISTRY_FLAGS,
  ],
  args: { min: 1, max: 1 },
  async run({ flags, args, ctx, io }) {
    const { uploadEbpf } = await import("./ebpf_image.ts");
    const at = await uploadEbpf(ctx, {
      paths: (flags.file as string[] | undefined) ?? [],
      image: args[0],
      architecture: typeof flags.arch === "string" && flags.arch ? flags.arch : undefined,
    });
    await io.out(`${at}\n`);
  },
};

/** The built-in plugin for eBPF bytecode images. */
export const artifactEbpfPlugin: Plugin = definePlugin({
  name: "artifact-ebpf",
  apiVersion: 1,
  description: "eBPF bytecode images (upload ebpf; verify lists and checks programs and maps)",
  artifacts: [ebpfArtifactEntry],
  commands: [uploadEbpfCommand],
});

export default artifactEbpfPlugin;
