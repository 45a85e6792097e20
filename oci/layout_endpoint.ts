/**
 * An {@link OciLayout} as an {@link ImageSource} (for `load`) and an {@link ImageSink} (for
 * `save`). As a source every manifest and blob is checked against its digest before it is
 * handed out, so a corrupted layout never reaches a registry; as a sink blobs are hashed while
 * written and land under their digest only when they match.
 *
 * @example
 * ```ts
 * const layout = await OciLayout.open("./saved");
 * const source = layoutSource(layout);
 * const m = await source.manifest((await layout.index()).manifests[0].digest);
 * ```
 * @module
 */
import { CosignError } from "../core/errors.ts";
import { type LayoutDescriptor, MAX_MANIFEST_BYTES, type OciLayout } from "./layout.ts";
import {
  declaredMediaType,
  type ImageSink,
  type ImageSource,
  type ManifestData,
} from "./transfer.ts";
import { OCI_MANIFEST } from "./media_types.ts";

/**
 * The layout as a source. Tags are not supported (a layout is addressed by digest);
 * `manifest()` of an absent digest is undefined; a blob that does not match its digest throws
 * CosignError("VERIFY").
 */
export function layoutSource(layout: OciLayout): ImageSource {
  const name = `OCI layout "${layout.dir}"`;
  return {
    name,
    async manifest(tagOrDigest) {
      if (!tagOrDigest.startsWith("sha256:")) {
        throw new CosignError(
          "INVALID_INPUT",
          `Cannot read "${tagOrDigest}" from ${name}: not a digest`,
        );
      }
      let bytes: Uint8Array;
      try {
        bytes = await layout.readBlob({ digest: tagOrDigest }, MAX_MANIFEST_BYTES);
      } catch (e) {
        if (e instanceof CosignError && e.code === "NOT_FOUND") return undefined;
        throw e;
      }
      return { bytes, digest: tagOrDigest, mediaType: declaredMediaType(bytes) ?? OCI_MANIFEST };
    },
    async blob(desc) {
      await layout.verifyBlob(desc);
      return await layout.openBlob(desc);
    },
  };
}

/** The layout as a sink: blobs and manifests are stored under their digests (tags are ignored). */
export function layoutSink(layout: OciLayout): ImageSink {
  return {
    name: `OCI layout "${layout.dir}"`,
    hasBlob: (desc: LayoutDescriptor) => layout.hasBlob(desc.digest, desc.size),
    async putBlob(desc, source) {
      await layout.writeBlobStream(await source.blob(desc), desc);
    },
    async putManifest(m: ManifestData) {
      const d = await layout.writeBlob(m.bytes);
      if (d.digest !== m.digest) {
        throw new CosignError(
          "VERIFY",
          `Manifest ${m.digest} does not match its content (${d.digest})`,
        );
      }
    },
  };
}
