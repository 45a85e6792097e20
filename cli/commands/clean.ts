/**
 * `cosign-ts clean`: removes an image's signatures (and/or attestations, SBOMs) by deleting the
 * `sha256-<hex>.sig|.att|.sbom` manifests, as `cosign clean` does. Asks first unless `-f`.
 * @module
 */
import { CosignError, isCosignError } from "../../core/errors.ts";
import { bool, str } from "../args.ts";
import type { Command } from "../command.ts";
import { REGISTRY_FLAGS } from "../registry_flags.ts";
import {
  checkImageReference,
  cleanAttachments,
  type SignatureSuffix,
} from "../../plugins/artifact-oci/mod.ts";

const TYPES: Record<string, { suffixes: SignatureSuffix[]; prompt: string }> = {
  signature: { suffixes: ["sig"], prompt: "this will remove all signatures from the image" },
  attestation: { suffixes: ["att"], prompt: "this will remove all attestations from the image" },
  sbom: { suffixes: ["sbom"], prompt: "this will remove all SBOMs from the image" },
  all: {
    suffixes: ["sig", "att", "sbom"],
    prompt: "this will remove all signatures, SBOMs and attestations from the image",
  },
};

/** The clean command. */
export const command: Command = {
  name: "clean",
  summary: "Remove all signatures from an image.",
  usage: "cosign-ts clean [--type signature|attestation|sbom|all] [-f] IMAGE",
  examples: [
    "cosign-ts clean -f localhost:5000/app:v1",
    "cosign-ts clean --type attestation -f localhost:5000/app@sha256:…",
  ],
  flags: [
    {
      name: "type",
      type: "string",
      default: "all",
      description: "Type of attachment to clean: signature, attestation, sbom or all.",
    },
    { name: "force", short: "f", type: "boolean", description: "Do not prompt for confirmation." },
    ...REGISTRY_FLAGS,
  ],
  args: { min: 1, max: 1 },
  async run({ flags, args, ctx }) {
    const type = str(flags, "type") ?? "all";
    const spec = TYPES[type];
    if (!spec) {
      throw new CosignError("USAGE", `invalid clean type "${type}"`, {
        hint: "Use --type signature, attestation, sbom or all.",
      });
    }
    checkImageReference(args[0]);
    if (!bool(flags, "force")) {
      ctx.log.warn(spec.prompt);
      let yes = false;
      try {
        yes = await ctx.confirm("Are you sure you want to continue?");
      } catch (e) {
        if (!isCosignError(e, "ABORTED")) throw e;
      }
      if (!yes) {
        throw new CosignError("ABORTED", `Not cleaning ${args[0]}: not confirmed`, {
          hint: "Pass -f to clean without asking.",
        });
      }
    }
    await cleanAttachments(ctx, args[0], spec.suffixes);
    return 0;
  },
};
