/**
 * `cosign-ts load --dir DIR IMAGE`: pushes an image saved with `save` (by cosign or cosign-ts)
 * from the OCI image layout in DIR to IMAGE, with its signatures, attestations and SBOM at
 * `sha256-<hex>.sig|.att|.sbom` (or in `COSIGN_REPOSITORY`), and saved OCI 1.1 referrers as
 * referrers of the image. The whole layout is checked against
 * its digests before anything is pushed, so a corrupted layout leaves the registry untouched.
 * The image keeps its digest, so its signatures still verify.
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { Command } from "../command.ts";
import { REGISTRY_FLAGS } from "../registry_flags.ts";
import { loadImage } from "../../plugins/artifact-oci/mod.ts";

/** The load command. */
export const command: Command = {
  name: "load",
  summary: "Loads a signed image saved with `save` from disk into a registry.",
  usage: "cosign-ts load --dir DIR IMAGE",
  examples: ["cosign-ts load --dir ./saved localhost:5000/app:v1"],
  flags: [
    {
      name: "dir",
      type: "string",
      placeholder: "DIR",
      description: "OCI image layout directory written by `save`.",
    },
    ...REGISTRY_FLAGS,
  ],
  args: { min: 1, max: 1 },
  async run({ flags, args, ctx }) {
    const dir = typeof flags.dir === "string" && flags.dir !== "" ? flags.dir : undefined;
    if (!dir) {
      throw new CosignError("USAGE", "load needs a directory: --dir DIR", {
        hint: "Example: cosign-ts load --dir ./saved localhost:5000/app:v1",
      });
    }
    await loadImage(ctx, { ref: args[0], dir });
  },
};
