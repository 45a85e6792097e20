/**
 * `cosign-ts generate`: prints the simple-signing payload cosign would sign for an image (for
 * signing elsewhere and attaching with `attach signature`). Resolves a tag to its digest.
 * @module
 */
import { list, parseAnnotations } from "../args.ts";
import type { Command } from "../command.ts";
import { REGISTRY_FLAGS } from "../registry_flags.ts";
import { checkImageReference, generatePayload } from "../../plugins/artifact-oci/mod.ts";

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
    checkImageReference(args[0]);
    const a = list(flags, "annotations");
    const annotations = a.length ? parseAnnotations(a) : null;
    await io.out(await generatePayload(ctx, args[0], annotations));
    return 0;
  },
};
