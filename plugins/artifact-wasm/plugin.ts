/**
 * The built-in "artifact-wasm" plugin: WebAssembly modules and components.
 *
 * - The `upload wasm` command pushes a checked .wasm binary in cosign's layout or the CNCF
 *   wasm OCI artifact layout (wasm_oci.ts); the pushed artifact is an ordinary OCI artifact, so
 *   `sign`, `verify`, `tree`, `copy`, `save`/`load`, `sget` work on it unchanged.
 * - The "wasm" artifact type claims `wasm://FILE` references: a .wasm file that carries its own
 *   signature in a custom section (wasm_signature.ts, wasm_file_artifact.ts), made by the
 *   `sign-wasm` command and checked offline by `verify-blob --key KEY wasm://FILE`. It claims no
 *   registry references; `verify` asks it (`describeStored`) what a verified registry artifact
 *   holds (wasm_describe.ts).
 *
 * This is the light entry main.ts lists: names, flags and descriptions; the code loads on use.
 *
 * @example
 * ```ts
 * registry.register(artifactWasmPlugin);
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import {
  type Artifact,
  type ArtifactType,
  type Command,
  type Context,
  definePlugin,
  type Plugin,
} from "../../core/plugin.ts";
import { REGISTRY_FLAGS } from "../../cli/registry_flags.ts";

/** The "wasm" type as registered: `wasm://PATH` files, and describing registry artifacts. */
const wasmArtifactEntry: ArtifactType = {
  kind: "wasm",
  description: "WebAssembly modules and components: wasm://FILE (embedded signature) and, in " +
    "OCI registries, cosign's and the CNCF layouts",
  claims: (ref: string) => ref.startsWith("wasm://"),
  async resolve(ref: string, ctx: Context): Promise<Artifact> {
    const { wasmFileArtifact } = await import("./wasm_file_artifact.ts");
    return wasmFileArtifact(ref, ctx);
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

/** `sign-wasm --key KEY [--output-wasm OUT] MODULE.wasm`. */
const signWasmCommand: Command = {
  name: "sign-wasm",
  summary: "Sign a wasm file and embed the signature in it (cosign-ts extension; " +
    "verify-blob --key KEY wasm://FILE checks it).",
  usage: "cosign-ts sign-wasm --key KEY [--output-wasm OUT.wasm] MODULE.wasm",
  examples: [
    "cosign-ts sign-wasm --key cosign.key app.wasm",
    "cosign-ts verify-blob --key cosign.pub --insecure-ignore-tlog wasm://app.wasm",
  ],
  flags: [
    {
      name: "key",
      type: "string",
      placeholder: "KEY",
      description: "Private key file, KMS URI or other key reference to sign with.",
    },
    {
      name: "output-wasm",
      type: "string",
      placeholder: "FILE",
      description: "Write the signed binary here instead of replacing MODULE.wasm.",
    },
  ],
  args: { min: 1, max: 1 },
  async run({ flags, args, ctx, io }) {
    const key = typeof flags.key === "string" ? flags.key : "";
    if (!key) {
      throw new CosignError("USAGE", "sign-wasm needs a key: --key KEY", {
        hint: "Example: cosign-ts sign-wasm --key cosign.key app.wasm",
      });
    }
    const { signWasmFile } = await import("./wasm_sign.ts");
    const out = await signWasmFile(ctx, {
      path: args[0],
      key,
      output: typeof flags["output-wasm"] === "string" && flags["output-wasm"]
        ? flags["output-wasm"]
        : undefined,
    });
    io.err(`Wrote signed wasm file ${out}\n`);
  },
};

/** The built-in plugin for WebAssembly artifacts. */
export const artifactWasmPlugin: Plugin = definePlugin({
  name: "artifact-wasm",
  apiVersion: 1,
  description: "WebAssembly modules and components (upload wasm; verify describes them)",
  artifacts: [wasmArtifactEntry],
  commands: [uploadWasmCommand, signWasmCommand],
});

export default artifactWasmPlugin;
