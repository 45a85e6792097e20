/**
 * `cosign-ts triangulate`: prints where cosign stores an image's signatures, attestations or
 * SBOM (`repo:sha256-<hex>.sig|.att|.sbom`, honouring COSIGN_REPOSITORY), or with
 * `--type digest` the image's digest reference.
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import { str } from "../args.ts";
import type { Command } from "../command.ts";
import { REGISTRY_FLAGS } from "../registry_flags.ts";
import {
  checkImageReference,
  type SignatureSuffix,
  triangulate,
} from "../../plugins/artifact-oci/mod.ts";

const SUFFIX: Record<string, SignatureSuffix> = {
  signature: "sig",
  attestation: "att",
  sbom: "sbom",
};

/** The triangulate command. */
export const command: Command = {
  name: "triangulate",
  summary:
    "Outputs the located cosign image reference. This is the location where cosign stores the specified artifact type.",
  usage: "cosign-ts triangulate [--type signature|attestation|sbom|digest] IMAGE",
  examples: [
    "cosign-ts triangulate localhost:5000/app:v1",
    "cosign-ts triangulate --type attestation localhost:5000/app:v1",
  ],
  flags: [
    {
      name: "type",
      type: "string",
      default: "signature",
      description: "Related attachment to triangulate: signature, attestation, sbom or digest.",
    },
    ...REGISTRY_FLAGS,
  ],
  args: { min: 1, max: 1 },
  async run({ flags, args, ctx, io }) {
    const type = str(flags, "type") ?? "signature";
    if (type !== "digest" && !(type in SUFFIX)) {
      throw new CosignError("USAGE", `unknown attachment type ${type}`, {
        hint: "Use --type signature, attestation, sbom or digest.",
      });
    }
    const image = args[0];
    checkImageReference(image);
    if (type === "sbom") {
      ctx.log.warn("SBOM attachments are deprecated in cosign; prefer attestations.");
    }
    const out = await triangulate(ctx, image, type === "digest" ? "digest" : SUFFIX[type]);
    await io.out(out + "\n");
    return 0;
  },
};
