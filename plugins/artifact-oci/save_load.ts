/**
 * Saving an image with its attachments to an OCI image layout directory, and loading it back
 * into a registry, as `cosign save` / `cosign load` do.
 *
 * `save`: the image (or index, with all its manifests) and its signatures, attestations and SBOM
 * (`sha256-<hex>.sig|.att|.sbom`) go to the layout: `index.json` lists the image with annotation
 * `kind: dev.cosignproject.cosign/image` (or `…/imageIndex`), the signature image with `…/sigs`,
 * attestations with `…/atts`, SBOMs with `…/sboms`, and the image's OCI 1.1 referrers with
 * `dev.cosignproject.cosign/referrers/<hex>`. Every blob is checked against its digest while
 * written (an existing blob only when intact); `index.json` is written last, and a directory
 * this operation created is removed again when saving fails.
 *
 * `load`: the whole layout is checked against its digests (regular files only, never past their
 * descriptor's size) before anything is pushed, so a corrupted or hostile layout leaves the
 * registry untouched; the image keeps its digest, so its signatures still verify. Attachments
 * go to `sha256-<hex>.sig|.att|.sbom` (or `COSIGN_REPOSITORY`), referrers become referrers.
 *
 * @example
 * ```ts
 * await saveImage(ctx, { ref: "localhost:5000/app:v1", dir: "./saved" });
 * await loadImage(ctx, { ref: "localhost:5000/copy:v1", dir: "./saved" });
 * ```
 * @module
 */
import { rm, stat } from "node:fs/promises";
import { CosignError } from "../../core/errors.ts";
import type { Context } from "../../core/plugin.ts";
import {
  KIND_ANNOTATION,
  LAYOUT_KINDS,
  type LayoutDescriptor,
  OciLayout,
} from "../../oci/layout.ts";
import { layoutSink, layoutSource } from "../../oci/layout_endpoint.ts";
import { isIndexMediaType } from "../../oci/media_types.ts";
import { parseReference, referenceString, repositoryString } from "../../oci/reference.ts";
import { registrySink, registrySource } from "../../oci/registry_endpoint.ts";
import { registryClientFor } from "../../oci/registry_options.ts";
import {
  type ImageSink,
  type ImageSource,
  type ManifestData,
  transferImage,
} from "../../oci/transfer.ts";
import { listReferrers, referrersIn, referrerSink } from "./copy_referrers.ts";
import type { SignatureSuffix } from "./layout.ts";
import { selectPlatform } from "./select_platform.ts";
import { signatureReference } from "./signature_location.ts";
import { progressSource } from "../../oci/progress_source.ts";

const KIND_OF: Record<SignatureSuffix, string> = {
  sig: LAYOUT_KINDS.sigs,
  att: LAYOUT_KINDS.atts,
  sbom: LAYOUT_KINDS.sboms,
};

const SUFFIX_OF: Record<string, SignatureSuffix> = {
  [LAYOUT_KINDS.sigs]: "sig",
  [LAYOUT_KINDS.atts]: "att",
  [LAYOUT_KINDS.sboms]: "sbom",
};

/** What {@link saveImage} saves. */
export interface SaveImageOptions {
  /** The image reference. */
  ref: string;
  /** The layout directory (created if needed). */
  dir: string;
  /** Only this platform's image of an index (`os/arch[/variant]`). */
  platform?: string;
}

/** What {@link loadImage} loads. */
export interface LoadImageOptions {
  /** Where to push the image. */
  ref: string;
  /** The layout directory written by `save`. */
  dir: string;
}

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

/**
 * Saves an image and its attachments to an OCI layout (see the module doc); logs a summary on
 * `ctx.log`. Throws CosignError INVALID_INPUT (bad reference), NOT_FOUND, IO (the directory),
 * VERIFY (content that does not match its digest), and the registry client's errors.
 */
export async function saveImage(ctx: Context, options: SaveImageOptions): Promise<void> {
  const { dir } = options;
  const ref = parseReference(options.ref);
  const client = registryClientFor(ctx);
  let root = await client.getManifest(ref);
  if (options.platform) root = await selectPlatform(client, ref, root, options.platform);
  const existed = await stat(dir).then(() => true, () => false);
  const layout = await OciLayout.create(dir);
  const progress = ctx.progress?.(`Saving ${referenceString(ref)}`);
  try {
    const source = progressSource(registrySource(client, ref), progress);
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
  } finally {
    progress?.done();
  }
}

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

/**
 * Loads an image saved by `save` (cosign's or ours) into a registry (see the module doc); logs
 * a summary on `ctx.log`. Throws CosignError NOT_FOUND (no image in the layout, missing
 * content), INVALID_INPUT (not a layout; a blob that is a link, FIFO or device), VERIFY (content
 * that does not match its descriptor), and the registry client's errors.
 */
export async function loadImage(ctx: Context, options: LoadImageOptions): Promise<void> {
  const { dir } = options;
  const ref = parseReference(options.ref);
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
  // Reading (checked before the first push) and pushing count into one progress line.
  const progress = ctx.progress?.(`Loading ${dir}`);
  try {
    const source = progressSource(layoutSource(layout), progress);
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
  } finally {
    progress?.done();
  }
}
