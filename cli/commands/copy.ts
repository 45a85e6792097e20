/**
 * `cosign-ts copy [--only sig,att,sbom] [--sig-only] [-f] [--platform OS/ARCH] SRC DST`: copies
 * an image (or index, recursively) and its signatures, attestations and SBOMs
 * (`sha256-<hex>.sig|.att|.sbom`, and OCI 1.1 referrers such as cosign v3's bundles, for the
 * image and every manifest of an index) to another repository, as `cosign copy` does: each
 * manifest is also tagged `sha256-<hex>` in the destination (where that tag is free: it may hold
 * a referrers fallback index), blobs are mounted across repositories of one registry (else
 * streamed), blobs and manifests the destination already has are skipped, and DST's tag is moved
 * last. An existing different destination is an error unless `-f`.
 * @module
 */
import type { Command } from "../command.ts";
import { REGISTRY_FLAGS } from "../registry_flags.ts";
import { copyImage, parseCopyKinds } from "../../plugins/artifact-oci/mod.ts";

/** The copy command. */
export const command: Command = {
  name: "copy",
  summary: "Copies the supplied container image and signatures.",
  usage: "cosign-ts copy [--only sig,att,sbom] [-f] [--platform OS/ARCH] SRC_IMAGE DST_IMAGE",
  examples: [
    "cosign-ts copy example.com/src:latest example.com/dest:latest",
    "cosign-ts copy --only=sig example.com/src example.com/dest",
    "cosign-ts copy --only=sig,att example.com/src example.com/dest",
    "cosign-ts copy -f example.com/src example.com/dest",
    "cosign-ts copy --platform=linux/amd64 example.com/src:latest example.com/dest:latest",
  ],
  flags: [
    {
      name: "only",
      type: "strings",
      placeholder: "sig,att,sbom",
      description: "Only copy these kinds of attachments (comma-separated), not the image tag.",
    },
    {
      name: "sig-only",
      type: "boolean",
      description: "[DEPRECATED] only copy the image signature (same as --only=sig).",
    },
    {
      name: "force",
      short: "f",
      type: "boolean",
      description: "Overwrite destination image(s), if necessary.",
    },
    {
      name: "platform",
      type: "string",
      placeholder: "OS/ARCH[/VARIANT]",
      description: "Only copy the image (and its signatures) of this platform from an index.",
    },
    ...REGISTRY_FLAGS,
  ],
  args: { min: 2, max: 2 },
  async run({ flags, args, ctx }) {
    if (flags["sig-only"] === true) {
      ctx.log.warn("--sig-only is deprecated, use --only=sig instead");
    }
    await copyImage(ctx, {
      src: args[0],
      dst: args[1],
      only: parseCopyKinds(flags.only as string[], flags["sig-only"] === true),
      force: flags.force === true,
      platform: typeof flags.platform === "string" && flags.platform !== ""
        ? flags.platform
        : undefined,
    });
  },
};
