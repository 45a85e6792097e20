/**
 * `cosign-ts tree`: shows the signatures, attestations and SBOMs stored for an image, with the
 * digest of every layer, in cosign's format.
 * @module
 */
import type { Command } from "../command.ts";
import { REGISTRY_FLAGS } from "../registry_flags.ts";
import { registryClientFor } from "../../oci/registry_options.ts";
import { parseReference, referenceString } from "../../oci/reference.ts";
import type { SignatureSuffix } from "../../plugins/artifact-oci/layout.ts";
import { readSignatureImage } from "../../plugins/artifact-oci/read_signatures.ts";
import { signatureReference } from "../../plugins/artifact-oci/signature_location.ts";

const KINDS: { suffix: SignatureSuffix; label: string }[] = [
  { suffix: "sig", label: "🔐 Signatures for an image tag" },
  { suffix: "att", label: "💾 Attestations for an image tag" },
  { suffix: "sbom", label: "📦 SBOMs for an image tag" },
];

/** The tree command. */
export const command: Command = {
  name: "tree",
  summary:
    "Display supply chain security related artifacts for an image such as signatures, SBOMs and attestations",
  usage: "cosign-ts tree IMAGE",
  examples: ["cosign-ts tree localhost:5000/app:v1"],
  flags: [...REGISTRY_FLAGS],
  args: { min: 1, max: 1 },
  async run({ args, ctx, io }) {
    const ref = parseReference(args[0]);
    const client = registryClientFor(ctx);
    const name = referenceString(ref);
    const lines = [`📦 Supply Chain Security Related artifacts for an image: ${name}`];
    const digest = await client.resolveDigest(ref);
    const found = await Promise.all(KINDS.map(async (k) => {
      const at = signatureReference(ref, digest, k.suffix, (n) => ctx.env(n));
      return { k, at, img: await readSignatureImage(client, at) };
    }));
    let any = false;
    for (const { k, at, img } of found) {
      const layers = img?.manifest.layers ?? [];
      if (layers.length === 0) continue;
      any = true;
      lines.push(`└── ${k.label}: ${referenceString(at)}`);
      layers.forEach((l, i) => {
        lines.push(`${i === layers.length - 1 ? "   └──" : "   ├──"} 🍒 ${l.digest}`);
      });
    }
    if (!any) {
      lines.push(
        `No Supply Chain Security Related Artifacts found for image ${name},\n start creating one with simply running$ cosign sign <img>`,
      );
    }
    await io.out(lines.join("\n") + "\n");
    return 0;
  },
};
