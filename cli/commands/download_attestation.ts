/**
 * `cosign-ts download attestation`: prints the attestations stored for an image, one DSSE
 * envelope JSON a line, as `cosign download attestation` does, from both layouts (the `.att`
 * layers and cosign v3 bundle referrers); `--predicate-type` keeps only one type (a cosign name
 * or a URI). Nothing is verified: use `verify-attestation` for that.
 * @module
 */
import { str } from "../args.ts";
import type { Command } from "../command.ts";
import { REGISTRY_FLAGS } from "../registry_flags.ts";

/** The download attestation command. */
export const command: Command = {
  name: "download attestation",
  summary: "Download in-toto attestations from the supplied container image.",
  usage: "cosign-ts download attestation [--predicate-type TYPE] IMAGE",
  examples: [
    "cosign-ts download attestation localhost:5000/app:v1",
    "cosign-ts download attestation --predicate-type slsaprovenance1 localhost:5000/app:v1",
  ],
  flags: [
    {
      name: "predicate-type",
      type: "string",
      placeholder: "TYPE",
      description: "Only attestations of this predicate type (a cosign --type name or a URI).",
    },
    ...REGISTRY_FLAGS,
  ],
  args: { min: 1, max: 1 },
  async run({ flags, args, ctx, io }) {
    const [{ downloadAttestations, checkImageReference }, { predicateTypeURI }] = await Promise
      .all([import("../../plugins/artifact-oci/mod.ts"), import("../../core/intoto.ts")]);
    const type = str(flags, "predicate-type");
    const uri = type ? predicateTypeURI(type) : undefined;
    checkImageReference(args[0]);
    for (const line of await downloadAttestations(ctx, args[0], uri)) await io.out(line + "\n");
    return 0;
  },
};
