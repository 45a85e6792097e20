/**
 * The built-in "artifact-wasm" plugin: WebAssembly modules and components.
 *
 * - The `upload wasm` command pushes a checked .wasm binary in cosign's layout or the CNCF
 *   wasm OCI artifact layout (wasm_oci.ts); the pushed artifact is an ordinary OCI artifact, so
 *   `sign`, `verify`, `tree`, `copy`, `save`/`load`, `sget` work on it unchanged.
 * - The "wasm" artifact type claims no registry references; `verify` asks it (`describeStored`)
 *   what a verified artifact holds (wasm_describe.ts).
 *
 * This is the light entry main.ts lists: names, flags and descriptions; the code loads on use.
 *
 * @example
 * ```ts
 * registry.register(artifactWasmPlugin);
 * ```
 * @module
 */
import {
  type Artifact,
  type ArtifactType,
  type Command,
  type Context,
  definePlugin,
  type Plugin,
} from "../../core/plugin.ts";
import { REGISTRY_FLAGS } from "../../cli/registry_flags.ts";

/** The "wasm" type as registered. */
const wasmArtifactEntry: ArtifactType = {
  kind: "wasm",
  description: "WebAssembly modules and components in OCI registries (cosign and CNCF layouts)",
  claims: () => false,
  resolve(ref: string): Promise<Artifact> {
    return Promise.reject(new Error(`the wasm type claims no references (${ref})`));
  },
  async describeStored(artifact: Artifact, ctx: Context): Promise<string[] | undefined> {
    const { describeWasmArtifact } = await import("./wasm_describe.ts");
    return await describeWasmArtifact(artifact, ctx);
  },
};

/** `upload wasm -f MODULE.wasm [--format cosign|cncf] REF`. */
const uploadWasmCommand: Command = {
  name: "upload wasm",
  summary: "Upload a wasm module or component to the supplied container image reference.",
  usage: "cosign-ts upload wasm -f MODULE.wasm [--format cosign|cncf] [--author NAME] IMAGE",
  examples: [
    "cosign-ts upload wasm -f hello.wasm localhost:5000/wasm/hello:v1",
    "cosign-ts upload wasm -f component.wasm --format cncf localhost:5000/wasm/component:v1",
  ],
  flags: [
    {
      name: "file",
      short: "f",
      type: "string",
      placeholder: "MODULE.wasm",
      description: "Path to the wasm file to upload (checked: magic, version, sections).",
    },
    {
      name: "format",
      type: "string",
      default: "cosign",
      placeholder: "cosign|cncf",
      description: "Layout: cosign (config application/vnd.wasm.config.v1+json, layer " +
        "application/vnd.wasm.content.layer.v1+wasm) or cncf (the CNCF TAG Runtime wasm OCI " +
        "artifact: config application/vnd.wasm.config.v0+json, layer application/wasm).",
    },
    {
      name: "author",
      type: "string",
      placeholder: "NAME",
      description: "cncf layout: the config's author (default: none).",
    },
    ...REGISTRY_FLAGS,
  ],
  args: { min: 1, max: 1 },
  async run({ flags, args, ctx, io }) {
    const { CosignError } = await import("../../core/errors.ts");
    const path = typeof flags.file === "string" ? flags.file : "";
    if (!path) {
      throw new CosignError("USAGE", "upload wasm needs a file: -f MODULE.wasm", {
        hint: "Example: cosign-ts upload wasm -f hello.wasm localhost:5000/wasm/hello:v1",
      });
    }
    const { uploadWasm } = await import("./wasm_oci.ts");
    const at = await uploadWasm(ctx, {
      path,
      image: args[0],
      format: (flags.format as "cosign" | "cncf" | undefined) ?? "cosign",
      author: typeof flags.author === "string" && flags.author ? flags.author : undefined,
    });
    await io.out(`${at}\n`);
  },
};

/** The built-in plugin for WebAssembly artifacts. */
export const artifactWasmPlugin: Plugin = definePlugin({
  name: "artifact-wasm",
  apiVersion: 1,
  description: "WebAssembly modules and components (upload wasm; verify describes them)",
  artifacts: [wasmArtifactEntry],
  commands: [uploadWasmCommand],
});

export default artifactWasmPlugin;
