/**
 * `cosign-ts generate-key-pair`: creates an ECDSA P-256 key pair as cosign does: `P.key` in
 * cosign's encrypted format (mode 0600) and `P.pub` (PEM `PUBLIC KEY`); with `--kms REF` the
 * key is created by that key provider and only `P.pub` is written. With a positional target
 * (`k8s://NS/SECRET`, `github://OWNER[/REPO]`, `gitlab://PROJECT`), as cosign, the key pair is
 * stored by that target's provider (a Kubernetes secret, CI secrets or variables) and only
 * `P.pub` is written locally.
 * @module
 */
import { bool, str } from "../args.ts";
import type { Command } from "../command.ts";
import { YES_OVERWRITE_FLAG } from "../common_flags.ts";
import { CosignError } from "../../core/errors.ts";

/** The generate-key-pair command. */
export const command: Command = {
  name: "generate-key-pair",
  summary: "Generates a key-pair.",
  usage:
    "cosign-ts generate-key-pair [--output-key-prefix P] [--kms REF] [-y] [k8s://NS/SECRET | github://OWNER[/REPO] | gitlab://PROJECT]",
  examples: [
    "cosign-ts generate-key-pair",
    "COSIGN_PASSWORD=secret cosign-ts generate-key-pair --output-key-prefix release",
    "cosign-ts generate-key-pair --kms hashivault://release-key",
    "cosign-ts generate-key-pair k8s://release/cosign",
  ],
  flags: [
    {
      name: "output-key-prefix",
      type: "string",
      default: "cosign",
      placeholder: "PREFIX",
      description: "Write the keys to PREFIX.key and PREFIX.pub.",
    },
    {
      name: "kms",
      type: "string",
      placeholder: "REF",
      description: "Create the key in a KMS or other key provider (e.g. hashivault://name).",
    },
    YES_OVERWRITE_FLAG,
  ],
  args: { max: 1 },
  async run({ flags, args, ctx, io }) {
    const prefix = str(flags, "output-key-prefix") || "cosign";
    const force = bool(flags, "yes");
    const target = args[0];
    if (target !== undefined && !target.includes("://")) {
      throw new CosignError(
        "USAGE",
        `Cannot generate a key pair in "${target}": could not parse scheme, use <scheme>://<ref> format`,
        { hint: "Name a target such as k8s://NAMESPACE/SECRET, or omit it to write files." },
      );
    }
    const kms = str(flags, "kms") || target;
    if (kms) {
      const { provider } = ctx.plugins.keyProvider(kms);
      if (!provider.generate || provider.scheme === "file") {
        throw new CosignError(
          "UNSUPPORTED",
          `Cannot generate a key in "${kms}": the "${provider.scheme}" provider cannot create keys`,
          { hint: "Pass a KMS reference such as hashivault://NAME, or omit --kms." },
        );
      }
      const pubPath = `${prefix}.pub`;
      const { stat } = await import("node:fs/promises");
      const exists = await stat(pubPath).then(() => true, () => false);
      if (exists && !force && !(await ctx.confirm(`File ${pubPath} already exists. Overwrite?`))) {
        throw new CosignError("ABORTED", `Not overwriting "${pubPath}"`, {
          hint: "Pass --yes to overwrite, or choose another --output-key-prefix.",
        });
      }
      // Open the output first: an unwritable directory fails before the key exists anywhere.
      const { openAtomicFile } = await import("../atomic_write.ts");
      const out = await openAtomicFile(pubPath, { mode: 0o644, exactMode: true });
      try {
        const material = await provider.generate(kms, ctx, { force });
        await out.write(new TextEncoder().encode(material.pem));
        await out.commit();
      } finally {
        await out.abort();
      }
      io.err(`Public key written to ${pubPath}\n`);
      return 0;
    }
    const { provider } = ctx.plugins.keyProvider(`file://${prefix}`);
    if (!provider.generate) {
      throw new CosignError("UNSUPPORTED", "The file key provider cannot generate keys");
    }
    await provider.generate(`file://${prefix}`, ctx, { force });
    io.err(`Private key written to ${prefix}.key\n`);
    io.err(`Public key written to ${prefix}.pub\n`);
    return 0;
  },
};
