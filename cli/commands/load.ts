/**
 * `cosign-ts load --dir DIR IMAGE`: pushes an image saved with `save` (by cosign or cosign-ts)
 * from the OCI image layout in DIR to IMAGE, with its signatures, attestations and SBOM at
 * `sha256-<hex>.sig|.att|.sbom` (or in `COSIGN_REPOSITORY`), and saved OCI 1.1 referrers as
 * referrers of the image. The whole layout is checked against
 * its digests before anything is pushed, so a corrupted layout leaves the registry untouched.
 * The image keeps its digest, so its signatures still verify.
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { Command } from "../command.ts";
import { REGISTRY_FLAGS } from "../registry_flags.ts";
import { registryClientFor } from "../../oci/registry_options.ts";
import { parseReference, referenceString, repositoryString } from "../../oci/reference.ts";
import {
  KIND_ANNOTATION,
  LAYOUT_KINDS,
  type LayoutDescriptor,
  OciLayout,
} from "../../oci/layout.ts";
import { layoutSource } from "../../oci/layout_endpoint.ts";
import { registrySink } from "../../oci/registry_endpoint.ts";
import {
  type ImageSink,
  type ImageSource,
  type ManifestData,
  transferImage,
} from "../../oci/transfer.ts";
import type { SignatureSuffix } from "../../plugins/artifact-oci/layout.ts";
import { signatureReference } from "../../plugins/artifact-oci/signature_location.ts";
import { referrersIn, referrerSink } from "../copy_referrers.ts";

const SUFFIX_OF: Record<string, SignatureSuffix> = {
  [LAYOUT_KINDS.sigs]: "sig",
  [LAYOUT_KINDS.atts]: "att",
  [LAYOUT_KINDS.sboms]: "sbom",
};

/** A sink that only reads every blob through the (verifying) source and stores nothing. */
function checkingSink(): ImageSink {
  return {
    name: "check",
    hasBlob: () => Promise.resolve(false),
    async putBlob(desc, source) {
      await (await source.blob(desc)).cancel();
    },
    putManifest: () => Promise.resolve(),
  };
}

async function readEntry(source: ImageSource, d: LayoutDescriptor): Promise<ManifestData> {
  const m = await source.manifest(d.digest);
  if (!m) {
    throw new CosignError(
      "NOT_FOUND",
      `Cannot load from ${source.name}: manifest ${d.digest} listed in index.json is missing`,
      { hint: "The layout is incomplete; save it again." },
    );
  }
  return { ...m, mediaType: d.mediaType || m.mediaType };
}

/** The load command. */
export const command: Command = {
  name: "load",
  summary: "Loads a signed image saved with `save` from disk into a registry.",
  usage: "cosign-ts load --dir DIR IMAGE",
  examples: ["cosign-ts load --dir ./saved localhost:5000/app:v1"],
  flags: [
    {
      name: "dir",
      type: "string",
      placeholder: "DIR",
      description: "OCI image layout directory written by `save`.",
    },
    ...REGISTRY_FLAGS,
  ],
  args: { min: 1, max: 1 },
  async run({ flags, args, ctx }) {
    const dir = typeof flags.dir === "string" && flags.dir !== "" ? flags.dir : undefined;
    if (!dir) {
      throw new CosignError("USAGE", "load needs a directory: --dir DIR", {
        hint: "Example: cosign-ts load --dir ./saved localhost:5000/app:v1",
      });
    }
    const ref = parseReference(args[0]);
    const layout = await OciLayout.open(dir);
    const index = await layout.index();
    const kind = (d: LayoutDescriptor) => d.annotations?.[KIND_ANNOTATION];
    let rootDesc = index.manifests.find((d) =>
      kind(d) === LAYOUT_KINDS.imageIndex || kind(d) === LAYOUT_KINDS.image
    );
    if (!rootDesc && index.manifests.length === 1 && !kind(index.manifests[0])) {
      rootDesc = index.manifests[0]; // a plain one-image layout from another tool
    }
    if (!rootDesc) {
      throw new CosignError(
        "NOT_FOUND",
        `Cannot load from OCI layout "${dir}": it holds no image`,
        {
          hint: 'index.json needs an entry annotated kind "dev.cosignproject.cosign/image".',
        },
      );
    }
    const source = layoutSource(layout);
    const root = await readEntry(source, rootDesc);
    const attachments: { suffix: SignatureSuffix; manifest: ManifestData }[] = [];
    const referrers: ManifestData[] = [];
    for (const d of index.manifests) {
      const suffix = SUFFIX_OF[kind(d) ?? ""];
      if (suffix) attachments.push({ suffix, manifest: await readEntry(source, d) });
      if (kind(d)?.startsWith(LAYOUT_KINDS.referrers)) {
        referrers.push(await readEntry(source, d));
      }
    }
    // Check everything before the first push.
    await transferImage(source, checkingSink(), root);
    for (const a of attachments) await transferImage(source, checkingSink(), a.manifest);
    for (const r of referrers) await transferImage(source, checkingSink(), r);

    const client = registryClientFor(ctx);
    await transferImage(source, registrySink(client, ref), root, {
      tag: ref.digest ? undefined : ref.tag,
    });
    for (const a of attachments) {
      const sigRef = signatureReference(ref, root.digest, a.suffix, (n) => ctx.env(n));
      await transferImage(source, registrySink(client, sigRef), a.manifest, { tag: sigRef.tag });
      ctx.log.debug(`loaded ${referenceString(sigRef)}`);
    }
    if (referrers.length) {
      const have = await referrersIn(client, ref, root.digest, ctx);
      for (const r of referrers) {
        if (!have.has(r.digest)) await transferImage(source, referrerSink(client, ref), r);
      }
    }
    ctx.log.info(
      `Loaded ${
        repositoryString(ref)
      }@${root.digest}, ${attachments.length} attachment image(s) and ${referrers.length} referrer(s) from ${dir}`,
    );
  },
};
