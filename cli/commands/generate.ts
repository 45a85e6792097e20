/**
 * `cosign-ts generate`: prints the simple-signing payload cosign would sign for an image (for
 * signing elsewhere and attaching with `attach signature`). Resolves a tag to its digest.
 * @module
 */
import { list, parseAnnotations } from "../args.ts";
import type { Command } from "../command.ts";
import { REGISTRY_FLAGS } from "../registry_flags.ts";
import { registryClientFor } from "../../oci/registry_options.ts";
import { parseReference, repositoryString } from "../../oci/reference.ts";
import { simpleSigningPayload } from "../../plugins/artifact-oci/simple_signing.ts";

/** The generate command. */
export const command: Command = {
  name: "generate",
  summary: "Generates (unsigned) signature payloads from the supplied container image.",
  usage: "cosign-ts generate [-a key=value]... IMAGE",
  examples: [
    "cosign-ts generate localhost:5000/app:v1 > payload.json",
    "cosign-ts generate -a env=prod localhost:5000/app@sha256:…",
  ],
  flags: [
    {
      name: "annotations",
      short: "a",
      type: "strings",
      placeholder: "key=value",
      description: "Extra key=value pairs to put in the payload (repeatable).",
    },
    ...REGISTRY_FLAGS,
  ],
  args: { min: 1, max: 1 },
  async run({ flags, args, ctx, io }) {
    const ref = parseReference(args[0]);
    const a = list(flags, "annotations");
    const annotations = a.length ? parseAnnotations(a) : null;
    const client = registryClientFor(ctx);
    const digest = await client.resolveDigest(ref);
    await io.out(simpleSigningPayload(repositoryString(ref), digest, annotations));
    return 0;
  },
};
