/**
 * `cosign-ts download signature`: prints every signature stored for an image, one JSON object
 * a line, as cosign does (`Base64Signature`, `Payload`, `Cert`, `Chain`, `Bundle`,
 * `RFC3161Timestamp`).
 * @module
 */
import type { Command } from "../command.ts";
import { REGISTRY_FLAGS } from "../registry_flags.ts";
import { downloadSignatures } from "../../plugins/artifact-oci/mod.ts";

/** The download signature command. */
export const command: Command = {
  name: "download signature",
  summary: "Download signatures from the supplied container image.",
  usage: "cosign-ts download signature IMAGE",
  examples: ["cosign-ts download signature localhost:5000/app:v1"],
  flags: [...REGISTRY_FLAGS],
  args: { min: 1, max: 1 },
  async run({ args, ctx, io }) {
    await io.out(await downloadSignatures(ctx, args[0]));
    return 0;
  },
};
