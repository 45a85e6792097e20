/**
 * Uploading files as OCI artifacts the way `cosign upload blob` does: one image per file with the
 * file as its only layer (media type given, else sniffed from the content as cosign does), an
 * OCI config, annotations on the manifest, and with several files (each with a platform) an OCI
 * index of them at the reference. Files are streamed (hashed first, then uploaded), never held in
 * memory; every file is checked before the registry is touched.
 *
 * @example
 * ```ts
 * const at = await uploadFiles(ctx, { image: "localhost:5000/tools/install:v1",
 *   files: [{ path: "install.sh" }] }); // "localhost:5000/tools/install@sha256:…"
 * ```
 * @module
 */
import { open, stat } from "node:fs/promises";
import { basename } from "node:path";
import { CosignError } from "../../core/errors.ts";
import type { Context } from "../../core/plugin.ts";
import { sha256Digest } from "../../oci/digest.ts";
import { OCI_CONFIG, OCI_INDEX, OCI_MANIFEST } from "../../oci/media_types.ts";
import { parseReference, repositoryString, withDigest } from "../../oci/reference.ts";
import { registryClientFor } from "../../oci/registry_options.ts";
import { digestFile, hex, openFileStream } from "../artifact-blob/mod.ts";
import { goJsonBytes, goMap } from "../../core/go_json.ts";
import { goTime } from "./layout.ts";
import { SNIFF_LENGTH, sniffContentType } from "./sniff_content_type.ts";
import { withProgress } from "../../core/progress_stream.ts";

/** Chunk size of the (PATCH) uploads: small chunks keep memory low for large files. */
export const UPLOAD_CHUNK_BYTES: number = 4 * 1024 * 1024;

/** The standard annotation naming a layer's file (ORAS and others use it to name downloads). */
export const TITLE_ANNOTATION = "org.opencontainers.image.title";

/** One file to upload, with its platform (required when there are several). */
export interface UploadFile {
  /** Path of a regular file. */
  path: string;
  /** Its platform in the index. */
  platform?: { os: string; architecture?: string };
}

/** What {@link uploadFiles} uploads. */
export interface UploadFilesOptions {
  /** Where: the image reference. */
  image: string;
  /** The files. */
  files: readonly UploadFile[];
  /** Media type of the layers (default: sniffed from each file's content). */
  mediaType?: string;
  /** Annotations for each manifest. */
  annotations?: Record<string, string>;
}

async function sniffFile(path: string): Promise<string> {
  const fh = await open(path, "r");
  try {
    const buf = new Uint8Array(SNIFF_LENGTH);
    const { bytesRead } = await fh.read(buf, 0, SNIFF_LENGTH, 0);
    return sniffContentType(buf.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/**
 * Uploads the files (see the module doc), logging progress on `ctx.log`, and returns
 * `REPO@sha256:…` of what the reference now points at. Throws CosignError NOT_FOUND/IO (a file
 * that is missing or not a regular file, before any upload), INVALID_INPUT (bad reference), and
 * the registry client's errors.
 */
export async function uploadFiles(ctx: Context, options: UploadFilesOptions): Promise<string> {
  const ref = parseReference(options.image);
  const repoName = repositoryString(ref);
  const annotations = options.annotations ?? {};
  // Check every file before touching the registry.
  const prepared: { spec: UploadFile; size: number; digest: string; mediaType: string }[] = [];
  for (const spec of options.files) {
    let size: number;
    try {
      const s = await stat(spec.path);
      if (!s.isFile()) throw Object.assign(new Error("not a regular file"), { code: "EISDIR" });
      size = s.size;
    } catch (e) {
      const code = (e as { code?: string }).code;
      throw new CosignError(
        code === "ENOENT" ? "NOT_FOUND" : "IO",
        `Cannot read file "${spec.path}": ${
          code === "ENOENT" ? "no such file" : (e as Error).message
        }`,
        { hint: "Pass an existing regular file with -f." },
      );
    }
    const d = await digestFile(spec.path, ["sha256"]);
    const mediaType = options.mediaType ?? await sniffFile(spec.path);
    prepared.push({ spec, size, digest: `sha256:${hex(d.sha256!)}`, mediaType });
  }

  const client = registryClientFor(ctx);
  const images: { digest: string; size: number; platform?: UploadFile["platform"] }[] = [];
  let last: { digest: string; bytes: Uint8Array } | undefined;
  for (const f of prepared) {
    ctx.log.info(
      `Uploading file from [${f.spec.path}] to [${options.image}] with media type [${f.mediaType}]`,
    );
    const body = withProgress(
      await openFileStream(f.spec.path),
      ctx.progress?.(`Uploading ${f.spec.path}`, f.size),
    );
    const layer = await client.putBlob(repoName, body, {
      digest: f.digest,
      size: f.size,
      mediaType: f.mediaType,
      chunkSize: UPLOAD_CHUNK_BYTES,
    });
    const config = goJsonBytes({
      architecture: f.spec.platform?.architecture ?? "",
      created: goTime(new Date()),
      history: [{ created: "0001-01-01T00:00:00Z" }],
      os: f.spec.platform?.os ?? "",
      rootfs: { type: "layers", diff_ids: [layer.digest] },
      config: {},
    });
    const cfg = await client.putBlob(repoName, config, { mediaType: OCI_CONFIG });
    const manifest = goJsonBytes({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, size: cfg.size, digest: cfg.digest },
      layers: [{
        mediaType: f.mediaType,
        size: f.size,
        digest: f.digest,
        annotations: goMap({ [TITLE_ANNOTATION]: basename(f.spec.path) }),
      }],
      annotations: Object.keys(annotations).length ? goMap(annotations) : undefined,
    });
    const target = prepared.length > 1 ? withDigest(ref, sha256Digest(manifest)) : ref;
    const digest = await client.putManifest(target, manifest, OCI_MANIFEST);
    ctx.log.info(
      `File [${f.spec.path}] is available directly at [${ref.registry}/v2/${ref.repository}/blobs/${f.digest}]`,
    );
    images.push({ digest, size: manifest.length, platform: f.spec.platform });
    last = { digest, bytes: manifest };
  }
  let digest = last!.digest;
  if (prepared.length > 1) {
    const index = goJsonBytes({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: images.map((m) => ({
        mediaType: OCI_MANIFEST,
        size: m.size,
        digest: m.digest,
        platform: { architecture: m.platform?.architecture ?? "", os: m.platform?.os ?? "" },
      })),
    });
    digest = await client.putManifest(ref, index, OCI_INDEX);
    ctx.log.info(`Uploading multi-platform index to ${repoName}@${digest}`);
  } else {
    ctx.log.info("Uploaded image to:");
  }
  return `${repoName}@${digest}`;
}
