/**
 * `cosign-ts save --dir DIR IMAGE`: writes the image (or index, with all its manifests) and its
 * signatures, attestations and SBOM (`sha256-<hex>.sig|.att|.sbom`) to an OCI image layout in
 * DIR, as `cosign save` lays it out: `index.json` lists the image with annotation
 * `kind: dev.cosignproject.cosign/image` (or `…/imageIndex`), the signature image with
 * `…/sigs`, attestations with `…/atts`, SBOMs with `…/sboms`, and the image's OCI 1.1 referrers
 * with `dev.cosignproject.cosign/referrers/<hex>`. Every blob is checked against
 * its digest while written; `index.json` is written last, and a directory this command created
 * is removed again when saving fails.
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { Command } from "../command.ts";
import { REGISTRY_FLAGS } from "../registry_flags.ts";
import { saveImage } from "../../plugins/artifact-oci/mod.ts";

/** The save command. */
export const command: Command = {
  name: "save",
  summary: "Saves the container image and its signatures to an OCI image layout directory.",
  usage: "cosign-ts save --dir DIR IMAGE",
  examples: ["cosign-ts save --dir ./saved localhost:5000/app:v1"],
  flags: [
    {
      name: "dir",
      type: "string",
      placeholder: "DIR",
      description: "Directory to write the OCI image layout to (created if needed).",
    },
    {
      name: "platform",
      type: "string",
      placeholder: "OS/ARCH[/VARIANT]",
      description: "Only save the image of this platform from an index.",
    },
    ...REGISTRY_FLAGS,
  ],
  args: { min: 1, max: 1 },
  async run({ flags, args, ctx }) {
    const dir = typeof flags.dir === "string" && flags.dir !== "" ? flags.dir : undefined;
    if (!dir) {
      throw new CosignError("USAGE", "save needs a directory: --dir DIR", {
        hint: "Example: cosign-ts save --dir ./saved localhost:5000/app:v1",
      });
    }
    await saveImage(ctx, {
      ref: args[0],
      dir,
      platform: typeof flags.platform === "string" && flags.platform !== ""
        ? flags.platform
        : undefined,
    });
  },
};
