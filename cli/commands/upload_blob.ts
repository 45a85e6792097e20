/**
 * `cosign-ts upload blob -f FILE[:OS[/ARCH]] [--ct MEDIATYPE] [-a k=v] REF`: uploads files as
 * OCI artifacts the way `cosign upload blob` does: one image per file with the file as its only
 * layer (media type from `--ct`, else sniffed from the content as cosign does), an OCI config,
 * `-a` annotations on the manifest, and with several files (each with a platform) an OCI index
 * of them at REF. Prints `REPO@sha256:…` of what REF now points at. Files are streamed (hashed
 * first, then uploaded), never held in memory.
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { Command } from "../command.ts";
import { REGISTRY_FLAGS } from "../registry_flags.ts";
import { type UploadFile, uploadFiles } from "../../plugins/artifact-oci/mod.ts";

function parseFileFlag(s: string): UploadFile {
  const [path, plat] = s.split(":", 2);
  if (!path) {
    throw new CosignError("USAGE", `Bad -f value "${s}": no file path`, {
      hint: "Write -f FILE or -f FILE:OS/ARCH.",
    });
  }
  if (plat === undefined) return { path };
  const [os, architecture] = plat.split("/", 2);
  return { path, platform: { os, ...(architecture ? { architecture } : {}) } };
}

function parseAnnotations(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of list) {
    const eq = a.indexOf("=");
    if (eq <= 0) {
      throw new CosignError("USAGE", `Bad annotation "${a}": expected key=value`, {
        hint: "Write -a key=value (repeat -a for more).",
      });
    }
    out[a.slice(0, eq)] = a.slice(eq + 1);
  }
  return out;
}

/** The upload blob command. */
export const command: Command = {
  name: "upload blob",
  summary: "Uploads one or more files to the supplied container image address.",
  usage: "cosign-ts upload blob -f FILE[:OS[/ARCH]] [-f …] [--ct MEDIATYPE] [-a k=v]… IMAGE",
  examples: [
    "cosign-ts upload blob -f install.sh localhost:5000/tools/install:v1",
    "cosign-ts upload blob -f app.wasm --ct application/wasm -a version=1.2 registry.example/app",
    "cosign-ts upload blob -f foo-darwin:darwin -f foo-linux:linux/amd64 registry.example/foo",
  ],
  flags: [
    {
      name: "files",
      short: "f",
      type: "strings",
      placeholder: "FILE[:OS[/ARCH]]",
      description:
        "File to upload, with an optional platform (repeatable; several need platforms).",
    },
    {
      name: "ct",
      type: "string",
      placeholder: "MEDIATYPE",
      description: "Media type of the layer (default: detected from the content, as cosign).",
    },
    {
      name: "annotation",
      short: "a",
      aliases: ["annotations"],
      type: "strings",
      placeholder: "KEY=VALUE",
      description: "Annotation for the uploaded manifest (repeatable).",
    },
    ...REGISTRY_FLAGS,
  ],
  args: { min: 1, max: 1 },
  async run({ flags, args, ctx, io }) {
    const files = (flags.files as string[]).map(parseFileFlag);
    if (files.length === 0) {
      throw new CosignError("USAGE", "upload blob needs a file: -f FILE", {
        hint: "Example: cosign-ts upload blob -f ./install.sh localhost:5000/tools/install:v1",
      });
    }
    if (files.length > 1) {
      const missing = files.find((f) => !f.platform);
      if (missing) {
        throw new CosignError(
          "USAGE",
          `each file must include a unique platform, ${missing.path} had no platform`,
          { hint: "Write -f FILE:OS/ARCH for each file." },
        );
      }
    }
    const annotations = parseAnnotations(flags.annotation as string[]);
    const ct = typeof flags.ct === "string" && flags.ct !== "" ? flags.ct : undefined;
    const at = await uploadFiles(ctx, { image: args[0], files, mediaType: ct, annotations });
    await io.out(`${at}\n`);
  },
};
