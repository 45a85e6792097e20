/**
 * The built-in "artifact-tekton" plugin: Tekton bundles and Tekton trusted resources.
 *
 * - `upload tekton` pushes Task/Pipeline/StepAction files as a Tekton bundle the way
 *   `tkn bundle push` lays it out; the bundle is an image, so `sign`, `verify`, `tree`, `copy`,
 *   `save`/`load` work on it through the "oci" artifact type unchanged.
 * - The "tekton" artifact type claims no references: it is a content plugin whose
 *   `describeStored` tells `verify` which resources a verified bundle holds.
 * - `tekton sign` / `tekton verify` sign and verify Task and Pipeline files the way Tekton's
 *   trusted-resources feature does (`tekton.dev/signature` annotation), with a key from any key
 *   provider.
 *
 * This is the light entry main.ts lists; the implementations load on first use.
 *
 * @example
 * ```ts
 * registry.register(artifactTektonPlugin);
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

/** The "tekton" content type: recognises verified Tekton bundles for verify's output. */
export const tektonArtifactType: ArtifactType = contentArtifactType(
  "tekton",
  "Tekton bundles (images made by upload tekton or tkn bundle push), described by verify",
  async (artifact, ctx) => (await import("./describe.ts")).describeTektonBundle(artifact, ctx),
);

/** `upload tekton`. */
export const uploadTektonCommand: Command = {
  name: "upload tekton",
  summary: "Uploads Tekton resources as a Tekton bundle (as tkn bundle push).",
  usage:
    "cosign-ts upload tekton -f FILE [-f FILE …] [--ctime TIME] [--label k=v] [--annotate k=v] IMAGE",
  examples: [
    "cosign-ts upload tekton -f task.yaml localhost:5000/tekton/build:v1",
    "cosign-ts upload tekton -f task.yaml -f pipeline.yaml --ctime 2026-01-01 registry.example/ci/bundle:v2",
  ],
  flags: [
    {
      name: "filenames",
      short: "f",
      type: "strings",
      placeholder: "FILE",
      description: "Tekton resource file, YAML or JSON, one or more documents (repeatable).",
    },
    {
      name: "ctime",
      type: "string",
      placeholder: "TIME",
      description:
        "Created time of the bundle: YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS (UTC) or RFC 3339 " +
        "(default: now).",
    },
    {
      name: "label",
      short: "l",
      type: "strings",
      placeholder: "KEY=VALUE",
      description: "Label of the bundle's config (repeatable).",
    },
    {
      name: "annotate",
      type: "strings",
      placeholder: "KEY=VALUE",
      description: "Annotation of the bundle's manifest (repeatable).",
    },
    ...REGISTRY_FLAGS,
  ],
  args: { min: 1, max: 1 },
  async run(inv) {
    const { runUploadTekton } = await import("./upload_tekton.ts");
    await runUploadTekton(inv);
  },
};

const KEY_FLAG = {
  name: "key",
  type: "string" as const,
  placeholder: "KEY",
  description: "Key reference (file, KMS URI, pkcs11:…, any key provider).",
};

/** `tekton sign`: a Task or Pipeline signed as Tekton trusted resources check it. */
export const tektonSignCommand: Command = {
  name: "tekton sign",
  summary: "Signs a Tekton Task or Pipeline file (tekton.dev/signature annotation).",
  usage: "cosign-ts tekton sign --key KEY [-o FILE] FILE",
  examples: [
    "cosign-ts tekton sign --key cosign.key -o task.signed.yaml task.yaml",
    "cosign-ts tekton sign --key hashivault://tekton pipeline.yaml > pipeline.signed.yaml",
  ],
  flags: [
    KEY_FLAG,
    {
      name: "output-file",
      short: "o",
      type: "string",
      placeholder: "FILE",
      description: "Write the signed file here (default: standard output).",
    },
  ],
  args: { min: 1, max: 1 },
  async run(inv) {
    const { runTektonSign } = await import("./trusted_commands.ts");
    await runTektonSign(inv);
  },
};

/** `tekton verify`: checks a Task or Pipeline's tekton.dev/signature as Tekton does. */
export const tektonVerifyCommand: Command = {
  name: "tekton verify",
  summary: "Verifies the tekton.dev/signature of a Tekton Task or Pipeline file.",
  usage: "cosign-ts tekton verify --key KEY FILE",
  examples: ["cosign-ts tekton verify --key cosign.pub task.signed.yaml"],
  flags: [KEY_FLAG],
  args: { min: 1, max: 1 },
  async run(inv) {
    const { runTektonVerify } = await import("./trusted_commands.ts");
    await runTektonVerify(inv);
  },
};

/** The built-in artifact-tekton plugin. */
export const artifactTektonPlugin: Plugin = definePlugin({
  name: "artifact-tekton",
  apiVersion: 1,
  description: "Tekton bundles (upload tekton) and trusted resources (tekton sign/verify)",
  artifacts: [tektonArtifactType],
  commands: [uploadTektonCommand, tektonSignCommand, tektonVerifyCommand],
});

export default artifactTektonPlugin;
