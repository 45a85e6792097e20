/**
 * `cosign-ts tree`: shows the signatures, attestations and SBOMs stored for an image, with the
 * digest of every layer, in cosign's format.
 * @module
 */
import type { Command } from "../command.ts";
import { REGISTRY_FLAGS } from "../registry_flags.ts";
import { attachmentTree } from "../../plugins/artifact-oci/mod.ts";

/** The tree command. */
export const command: Command = {
  name: "tree",
  summary:
    "Display supply chain security related artifacts for an image such as signatures, SBOMs and attestations",
  usage: "cosign-ts tree IMAGE",
  examples: ["cosign-ts tree localhost:5000/app:v1"],
  flags: [...REGISTRY_FLAGS],
  args: { min: 1, max: 1 },
  async run({ args, ctx, io }) {
    await io.out(await attachmentTree(ctx, args[0]));
    return 0;
  },
};
