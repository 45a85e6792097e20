/**
 * `cosign-ts attach sbom`: stores an SBOM file as the image's `sha256-<hex>.sbom` attachment, as
 * `cosign attach sbom` does (the file as the one layer, its format as the layer media type).
 * cosign notes that SBOMs attached this way are not signed: sign the `.sbom` image, or attest
 * the SBOM (`attest --type cyclonedx|spdxjson`) instead.
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import { str } from "../args.ts";
import type { Command } from "../command.ts";
import { readSmallFile } from "../blob_input.ts";
import { REGISTRY_FLAGS } from "../registry_flags.ts";

/** Largest SBOM read. */
const MAX_SBOM_BYTES = 64 * 1024 * 1024;

/** The attach sbom command. */
export const command: Command = {
  name: "attach sbom",
  summary: "Attach sbom to the supplied container image.",
  usage:
    "cosign-ts attach sbom --sbom FILE [--type spdx|cyclonedx|syft] [--input-format json|xml|text] IMAGE",
  examples: [
    "cosign-ts attach sbom --sbom sbom.cdx.json --type cyclonedx --input-format json localhost:5000/app:v1",
    "cosign-ts attach sbom --sbom sbom.spdx --type spdx localhost:5000/app@sha256:…",
  ],
  flags: [
    {
      name: "sbom",
      type: "string",
      placeholder: "FILE",
      description: "Path to the SBOM, or - for standard input.",
    },
    {
      name: "type",
      type: "string",
      default: "spdx",
      description: "Type of SBOM: spdx, cyclonedx or syft.",
    },
    {
      name: "input-format",
      type: "string",
      placeholder: "FORMAT",
      description:
        "Format of the SBOM file: json, xml or text (adds +json/+xml to the media type).",
    },
    ...REGISTRY_FLAGS,
  ],
  args: { min: 1, max: 1 },
  async run({ flags, args, ctx, io }) {
    const path = str(flags, "sbom");
    if (!path) {
      throw new CosignError("USAGE", "attach sbom needs --sbom", {
        hint: "Pass --sbom FILE, or - to read it from standard input.",
      });
    }
    const { attachSbom, checkImageReference, sbomMediaType } = await import(
      "../../plugins/artifact-oci/mod.ts"
    );
    const mediaType = sbomMediaType(str(flags, "type") ?? "spdx", str(flags, "input-format"));
    checkImageReference(args[0]);
    let bytes: Uint8Array;
    if (path === "-") {
      const { readAll } = await import("../../core/read_all.ts");
      bytes = await readAll(io.stdin(), MAX_SBOM_BYTES, "the SBOM from standard input");
    } else {
      bytes = await readSmallFile(path, MAX_SBOM_BYTES, "SBOM");
    }
    ctx.log.warn(
      "Attaching SBOMs this way does not sign them. To sign them, use 'cosign-ts attest " +
        "--predicate FILE --type TYPE'.",
    );
    await attachSbom(ctx, args[0], bytes, mediaType);
    return 0;
  },
};
