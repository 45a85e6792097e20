/**
 * `cosign-ts download sbom`: writes the SBOMs attached to an image (its `sha256-<hex>.sbom`
 * layers) to stdout, as `cosign download sbom` does, after saying on stderr that they are not
 * verified and which media type each has.
 * @module
 */
import type { Command } from "../command.ts";
import { REGISTRY_FLAGS } from "../registry_flags.ts";

/** The download sbom command. */
export const command: Command = {
  name: "download sbom",
  summary: "Download SBOMs from the supplied container image.",
  usage: "cosign-ts download sbom IMAGE",
  examples: ["cosign-ts download sbom localhost:5000/app:v1 > sbom.json"],
  flags: [...REGISTRY_FLAGS],
  args: { min: 1, max: 1 },
  async run({ args, ctx, io }) {
    const { downloadSboms } = await import("../../plugins/artifact-oci/mod.ts");
    ctx.log.warn(
      "Downloading SBOMs this way does not ensure its authenticity. If you want to ensure a " +
        "tamper-proof SBOM, download it using 'cosign-ts download attestation " +
        "--predicate-type=<type>' or verify its signature using 'cosign-ts verify-attestation'.",
    );
    for (const s of await downloadSboms(ctx, args[0])) {
      ctx.log.info(`Found SBOM of media type: ${s.mediaType}`);
      await io.out(s.bytes);
    }
    return 0;
  },
};
