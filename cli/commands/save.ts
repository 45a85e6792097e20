/**
 * `cosign-ts save --dir DIR IMAGE`: writes the image (or index, with all its manifests) and its
 * signatures, attestations and SBOM (`sha256-<hex>.sig|.att|.sbom`) to an OCI image layout in
 * DIR, as `cosign save` lays it out: `index.json` lists the image with annotation
 * `kind: dev.cosignproject.cosign/image` (or `…/imageIndex`), the signature image with
 * `…/sigs`, attestations with `…/atts`, SBOMs with `…/sboms`, and the image's OCI 1.1 referrers
 * with `dev.cosignproject.cosign/referrers/<hex>`. Every blob is checked against
 * its digest while written; `index.json` is written last, and a directory this command created
 * is removed again when saving fails.
 * @module
 */
import { rm, stat } from "node:fs/promises";
import { CosignError } from "../../core/errors.ts";
import type { Command } from "../command.ts";
import { REGISTRY_FLAGS } from "../registry_flags.ts";
import { registryClientFor } from "../../oci/registry_options.ts";
import { parseReference, referenceString } from "../../oci/reference.ts";
import { isIndexMediaType } from "../../oci/media_types.ts";
import {
  KIND_ANNOTATION,
  LAYOUT_KINDS,
  type LayoutDescriptor,
  OciLayout,
} from "../../oci/layout.ts";
import { layoutSink } from "../../oci/layout_endpoint.ts";
import { registrySource } from "../../oci/registry_endpoint.ts";
import { type ManifestData, transferImage } from "../../oci/transfer.ts";
import type { SignatureSuffix } from "../../plugins/artifact-oci/layout.ts";
import { signatureReference } from "../../plugins/artifact-oci/signature_location.ts";
import { selectPlatform } from "../select_platform.ts";
import { listReferrers } from "../copy_referrers.ts";

const KIND_OF: Record<SignatureSuffix, string> = {
  sig: LAYOUT_KINDS.sigs,
  att: LAYOUT_KINDS.atts,
  sbom: LAYOUT_KINDS.sboms,
};

/** The index.json entry for a manifest, in go-containerregistry's field order. */
function entry(m: ManifestData, kind: string): LayoutDescriptor {
  const d: LayoutDescriptor = { mediaType: m.mediaType, size: m.bytes.length, digest: m.digest };
  d.annotations = { [KIND_ANNOTATION]: kind };
  try {
    const at = JSON.parse(new TextDecoder().decode(m.bytes))?.artifactType;
    if (typeof at === "string" && at !== "") d.artifactType = at;
  } catch { /* checked when transferred */ }
  return d;
}

/** The save command. */
export const command: Command = {
  name: "save",
  summary: "Saves the container image and its signatures to an OCI image layout directory.",
  usage: "cosign-ts save --dir DIR IMAGE",
  examples: ["cosign-ts save --dir ./saved localhost:5000/app:v1"],
  flags: [
    {
      name: "dir",
      type: "string",
      placeholder: "DIR",
      description: "Directory to write the OCI image layout to (created if needed).",
    },
    {
      name: "platform",
      type: "string",
      placeholder: "OS/ARCH[/VARIANT]",
      description: "Only save the image of this platform from an index.",
    },
    ...REGISTRY_FLAGS,
  ],
  args: { min: 1, max: 1 },
  async run({ flags, args, ctx }) {
    const dir = typeof flags.dir === "string" && flags.dir !== "" ? flags.dir : undefined;
    if (!dir) {
      throw new CosignError("USAGE", "save needs a directory: --dir DIR", {
        hint: "Example: cosign-ts save --dir ./saved localhost:5000/app:v1",
      });
    }
    const ref = parseReference(args[0]);
    const client = registryClientFor(ctx);
    let root = await client.getManifest(ref);
    if (typeof flags.platform === "string" && flags.platform !== "") {
      root = await selectPlatform(client, ref, root, flags.platform);
    }
    const existed = await stat(dir).then(() => true, () => false);
    const layout = await OciLayout.create(dir);
    try {
      const source = registrySource(client, ref);
      const sink = layoutSink(layout);
      await transferImage(source, sink, root);
      const entries = [
        entry(
          root,
          isIndexMediaType(root.mediaType) ? LAYOUT_KINDS.imageIndex : LAYOUT_KINDS.image,
        ),
      ];
      for (const suffix of ["sig", "att", "sbom"] as const) {
        const sigRef = signatureReference(ref, root.digest, suffix, (n) => ctx.env(n));
        const sigSource = registrySource(client, sigRef);
        const m = await sigSource.manifest(sigRef.tag!);
        if (!m) continue;
        await transferImage(sigSource, sink, m);
        entries.push(entry(m, KIND_OF[suffix]));
        ctx.log.debug(`saved ${referenceString(sigRef)}`);
      }
      // OCI 1.1 referrers of the image (cosign v3 bundles, SBOMs, …).
      for (const d of (await listReferrers(client, ref, root.digest, ctx)) ?? []) {
        const m = await source.manifest(d.digest);
        if (!m) continue;
        await transferImage(source, sink, m);
        entries.push(entry(m, LAYOUT_KINDS.referrers + root.digest.slice("sha256:".length)));
      }
      await layout.writeIndex(entries);
      ctx.log.info(
        `Saved ${referenceString(ref)} (${root.digest}) and ${
          entries.length - 1
        } attachment image(s) to ${dir}`,
      );
    } catch (e) {
      if (!existed) await rm(dir, { recursive: true, force: true }).catch(() => {});
      throw e;
    }
  },
};
