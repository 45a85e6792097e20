/**
 * `cosign-ts download signature`: prints every signature stored for an image, one JSON object
 * a line, as cosign does (`Base64Signature`, `Payload`, `Cert`, `Chain`, `Bundle`,
 * `RFC3161Timestamp`).
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { Command } from "../command.ts";
import { REGISTRY_FLAGS } from "../registry_flags.ts";
import { registryClientFor } from "../../oci/registry_options.ts";
import { parseReference, referenceString } from "../../oci/reference.ts";
import { readSignatures } from "../../plugins/artifact-oci/read_signatures.ts";
import { signatureReference } from "../../plugins/artifact-oci/signature_location.ts";
import { signedPayloadJson } from "../../plugins/artifact-oci/stored_signature.ts";

/** The download signature command. */
export const command: Command = {
  name: "download signature",
  summary: "Download signatures from the supplied container image.",
  usage: "cosign-ts download signature IMAGE",
  examples: ["cosign-ts download signature localhost:5000/app:v1"],
  flags: [...REGISTRY_FLAGS],
  args: { min: 1, max: 1 },
  async run({ args, ctx, io }) {
    const ref = parseReference(args[0]);
    const client = registryClientFor(ctx);
    const digest = await client.resolveDigest(ref);
    const sigs = await readSignatures(
      client,
      signatureReference(ref, digest, "sig", (n) => ctx.env(n)),
    );
    if (sigs.length === 0) {
      throw new CosignError(
        "NO_SIGNATURES",
        `no signatures associated with ${referenceString(ref)}`,
        { hint: "Sign it first, or check COSIGN_REPOSITORY." },
      );
    }
    await io.out(sigs.map((s) => signedPayloadJson(s) + "\n").join(""));
    return 0;
  },
};
