/**
 * `cosign-ts attach attestation`: stores signed DSSE envelopes made elsewhere (e.g. by
 * `attest --no-upload` or another tool) as layers of the image's `sha256-<hex>.att`, as
 * `cosign attach attestation` does; the envelope must be an in-toto one with signatures.
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import { list } from "../args.ts";
import type { Command } from "../command.ts";
import { readSmallFile } from "../blob_input.ts";
import { REGISTRY_FLAGS } from "../registry_flags.ts";

/** Largest attestation file read. */
const MAX_ATTESTATION_BYTES = 32 * 1024 * 1024;

/** The attach attestation command. */
export const command: Command = {
  name: "attach attestation",
  summary: "Attach attestations to the supplied container image.",
  usage: "cosign-ts attach attestation --attestation FILE [--attestation FILE]... IMAGE",
  examples: [
    "cosign-ts attest --key cosign.key --predicate p.json --no-upload localhost:5000/app@sha256:… > att.json",
    "cosign-ts attach attestation --attestation att.json localhost:5000/app@sha256:…",
  ],
  flags: [
    {
      name: "attestation",
      type: "strings",
      placeholder: "FILE",
      description: "Path to a signed DSSE envelope (an in-toto attestation); repeatable.",
    },
    ...REGISTRY_FLAGS,
  ],
  args: { min: 1, max: 1 },
  async run({ flags, args, ctx }) {
    const files = list(flags, "attestation");
    if (files.length === 0) {
      throw new CosignError("USAGE", "attach attestation needs --attestation", {
        hint: "Pass --attestation FILE (a signed DSSE envelope).",
      });
    }
    const { attachAttestationEnvelope, checkImageReference } = await import(
      "../../plugins/artifact-oci/mod.ts"
    );
    checkImageReference(args[0]);
    // Read and check every file before the registry is touched.
    const envelopes = await Promise.all(
      files.map((f) => readSmallFile(f, MAX_ATTESTATION_BYTES, "attestation")),
    );
    const { parseEnvelope } = await import("../../core/dsse.ts");
    files.forEach((f, i) => parseEnvelope(envelopes[i], `"${f}"`));
    for (const [i, f] of files.entries()) {
      ctx.log.info(`Using payload from: ${f}`);
      await attachAttestationEnvelope(ctx, args[0], envelopes[i], f);
    }
    return 0;
  },
};
