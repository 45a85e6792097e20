/**
 * The supply-chain tree of an image, as `cosign tree` shows it: the signatures, attestations and
 * SBOMs stored at `sha256-<hex>.sig|.att|.sbom` (or in `COSIGN_REPOSITORY`), with the digest of
 * every layer, in cosign's format; layers that share a digest (two signatures over one payload)
 * also show the SHA-256 of their own signature (as `verify` lists them).
 *
 * @example
 * ```ts
 * process.stdout.write(await attachmentTree(ctx, "localhost:5000/app:v1"));
 * ```
 * @module
 */
import type { Context } from "../../core/plugin.ts";
import { parseReference, referenceString } from "../../oci/reference.ts";
import { registryClientFor } from "../../oci/registry_options.ts";
import { sha256 } from "@noble/hashes/sha2.js";
import { base64Decode, toHex } from "../../core/encoding.ts";
import { SIGNATURE_ANNOTATION, type SignatureSuffix } from "./layout.ts";
import { readSignatureImage } from "./read_signatures.ts";
import { signatureReference } from "./signature_location.ts";

const KINDS: { suffix: SignatureSuffix; label: string }[] = [
  { suffix: "sig", label: "🔐 Signatures for an image tag" },
  { suffix: "att", label: "💾 Attestations for an image tag" },
  { suffix: "sbom", label: "📦 SBOMs for an image tag" },
];

/** The signature bytes of a layer's base64 signature annotation (its text when not base64). */
function signatureBytes(annotation: string): Uint8Array {
  try {
    return base64Decode(annotation);
  } catch {
    return new TextEncoder().encode(annotation);
  }
}

/**
 * The tree of `ref`'s attachments as cosign prints it (lines ending in a newline). Throws
 * CosignError INVALID_INPUT (bad reference, or a tag holding something that is not a signature
 * image), NOT_FOUND (no such image), and the registry client's errors.
 */
export async function attachmentTree(ctx: Context, image: string): Promise<string> {
  const ref = parseReference(image);
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
      // Two signatures over the same payload share the layer digest: tell them apart by the
      // digest of each one's own signature.
      const shared = layers.some((o, j) => j !== i && o.digest === l.digest);
      const sig = l.annotations?.[SIGNATURE_ANNOTATION];
      const own = shared && sig !== undefined
        ? ` (signature sha256:${toHex(sha256(signatureBytes(sig)))})`
        : "";
      lines.push(`${i === layers.length - 1 ? "   └──" : "   ├──"} 🍒 ${l.digest}${own}`);
    });
  }
  if (!any) {
    lines.push(
      `No Supply Chain Security Related Artifacts found for image ${name},\n start creating one with simply running$ cosign sign <img>`,
    );
  }
  return lines.join("\n") + "\n";
}
