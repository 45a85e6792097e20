/**
 * Copying an image graph (an index, its manifests, their configs and layers) from an
 * {@link ImageSource} to an {@link ImageSink}. Registries and OCI layouts are both sources and
 * sinks, so `copy` (registry → registry), `save` (registry → layout) and `load` (layout →
 * registry) share this walk. Children go first (blobs, then child manifests by digest), the
 * root manifest last, so a sink never holds a manifest whose content is missing. Blobs the sink
 * already has are skipped; each blob is transferred once even when several manifests share it.
 *
 * @example
 * ```ts
 * const root = await source.manifest("v1");
 * if (!root) throw new Error("no such image");
 * await transferImage(source, sink, root, { tag: "v1" });
 * ```
 * @module
 */
import { CosignError } from "../core/errors.ts";
import { checkDescriptor, type LayoutDescriptor } from "./layout.ts";
import { isIndexMediaType } from "./media_types.ts";
import type { Repository } from "./reference.ts";

/** A manifest's exact bytes with its media type and digest. */
export interface ManifestData {
  /** The bytes, exactly as stored (their SHA-256 is the digest). */
  bytes: Uint8Array;
  /** Media type (the registry's Content-Type, or the JSON's own `mediaType`). */
  mediaType: string;
  /** `sha256:<hex>` of {@link ManifestData.bytes}. */
  digest: string;
}

/** Where images are read from. */
export interface ImageSource {
  /** Names the source in messages (`localhost:5000/app`, `OCI layout "./out"`). */
  readonly name: string;
  /** The registry repository, when the source is one (a sink on the same registry may mount). */
  readonly repository?: Repository;
  /**
   * The manifest at a tag or digest, or undefined when there is none (404). A manifest fetched
   * by digest must be checked against that digest.
   */
  manifest(tagOrDigest: string): Promise<ManifestData | undefined>;
  /** A blob's content (the sink or the caller checks the digest). */
  blob(desc: LayoutDescriptor): Promise<ReadableStream<Uint8Array>>;
}

/** Where images are written to. */
export interface ImageSink {
  /** Names the sink in messages. */
  readonly name: string;
  /** True when the sink already holds the blob. */
  hasBlob(desc: LayoutDescriptor): Promise<boolean>;
  /** Stores a blob read from `source` (a registry sink may mount it instead of copying). */
  putBlob(desc: LayoutDescriptor, source: ImageSource): Promise<void>;
  /** Stores a manifest under its digest, and under `tag` when given. */
  putManifest(manifest: ManifestData, tag?: string): Promise<void>;
}

/** What a manifest points at. */
export interface ManifestChildren {
  /** Child manifests (of an index). */
  manifests: LayoutDescriptor[];
  /** Blobs (config and layers of an image manifest). */
  blobs: LayoutDescriptor[];
}

/** Largest manifest accepted (distribution's own limit). */
export const MAX_MANIFEST_SIZE: number = 4 * 1024 * 1024;

/** Maximum depth of nested indexes followed. */
export const MAX_INDEX_DEPTH = 8;

/**
 * Parses a manifest and lists what it references: the `manifests` of an index, or the config
 * and `layers` of an image manifest. Throws CosignError("INVALID_INPUT") for malformed JSON or
 * descriptors.
 */
export function manifestChildren(m: ManifestData, where = m.digest): ManifestChildren {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(new TextDecoder().decode(m.bytes));
  } catch {
    throw new CosignError("INVALID_INPUT", `Cannot read manifest ${where}: it is not JSON`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new CosignError("INVALID_INPUT", `Cannot read manifest ${where}: not a JSON object`);
  }
  const what = `manifest ${where}`;
  if (isIndexMediaType(m.mediaType) || (Array.isArray(doc.manifests) && !doc.layers)) {
    if (!Array.isArray(doc.manifests)) {
      throw new CosignError("INVALID_INPUT", `Cannot read index ${where}: it has no manifests`);
    }
    return { manifests: doc.manifests.map((d) => checkDescriptor(d, what)), blobs: [] };
  }
  const blobs: LayoutDescriptor[] = [];
  if (doc.config !== undefined) blobs.push(checkDescriptor(doc.config, what));
  if (doc.layers !== undefined) {
    if (!Array.isArray(doc.layers)) {
      throw new CosignError("INVALID_INPUT", `Cannot read ${what}: "layers" is not a list`);
    }
    for (const l of doc.layers) blobs.push(checkDescriptor(l, what));
  }
  return { manifests: [], blobs };
}

/** The media type a manifest declares in its own JSON, if any. */
export function declaredMediaType(bytes: Uint8Array): string | undefined {
  try {
    const v = JSON.parse(new TextDecoder().decode(bytes));
    return typeof v?.mediaType === "string" ? v.mediaType : undefined;
  } catch {
    return undefined;
  }
}

/** Options for {@link transferImage}. */
export interface TransferOptions {
  /** Tag the root manifest with this tag in the sink (else it is stored by digest only). */
  tag?: string;
  /** How many blobs move at once (default 4). */
  concurrency?: number;
  /** Called once per blob actually transferred (not for skipped ones). */
  onBlob?: (desc: LayoutDescriptor) => void;
}

/** What {@link transferImage} did. */
export interface TransferResult {
  /** Every manifest digest in the graph, root last. */
  manifests: string[];
  /** Blobs transferred. */
  blobsCopied: number;
  /** Blobs the sink already had. */
  blobsSkipped: number;
}

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (next < items.length && failed === undefined) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (e) {
        failed ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, worker));
  if (failed !== undefined) throw failed;
}

/**
 * Copies `root` and everything it references from `source` to `sink`: blobs first, then child
 * manifests (by digest), then the root (by digest, and at `options.tag`). Throws
 * CosignError("NOT_FOUND") when a child manifest is missing in the source, and whatever the
 * source or sink throws (a blob whose digest does not match never lands in the sink).
 */
export async function transferImage(
  source: ImageSource,
  sink: ImageSink,
  root: ManifestData,
  options: TransferOptions = {},
): Promise<TransferResult> {
  const result: TransferResult = { manifests: [], blobsCopied: 0, blobsSkipped: 0 };
  const seenBlobs = new Set<string>();
  const seenManifests = new Set<string>();

  const visit = async (m: ManifestData, depth: number): Promise<void> => {
    if (seenManifests.has(m.digest)) return;
    seenManifests.add(m.digest);
    if (m.bytes.length > MAX_MANIFEST_SIZE) {
      throw new CosignError(
        "TOO_LARGE",
        `Cannot copy manifest ${m.digest} from ${source.name}: ${m.bytes.length} bytes is over the ${MAX_MANIFEST_SIZE}-byte limit`,
      );
    }
    const children = manifestChildren(m, `${m.digest} from ${source.name}`);
    for (const c of children.manifests) {
      if (depth >= MAX_INDEX_DEPTH) {
        throw new CosignError(
          "INVALID_INPUT",
          `Cannot copy ${m.digest} from ${source.name}: indexes are nested more than ${MAX_INDEX_DEPTH} deep`,
        );
      }
      const child = await source.manifest(c.digest);
      if (!child) {
        throw new CosignError(
          "NOT_FOUND",
          `Cannot copy index ${m.digest}: its manifest ${c.digest} is missing in ${source.name}`,
        );
      }
      if (child.digest !== c.digest) {
        throw new CosignError(
          "VERIFY",
          `Manifest ${c.digest} from ${source.name} does not match its digest (got ${child.digest})`,
        );
      }
      await visit({ ...child, mediaType: c.mediaType || child.mediaType }, depth + 1);
    }
    const blobs = children.blobs.filter((b) => !seenBlobs.has(b.digest));
    for (const b of blobs) seenBlobs.add(b.digest);
    await pool(blobs, options.concurrency ?? 4, async (b) => {
      if (await sink.hasBlob(b)) {
        result.blobsSkipped++;
        return;
      }
      await sink.putBlob(b, source);
      result.blobsCopied++;
      options.onBlob?.(b);
    });
    if (m !== root) await sink.putManifest(m);
    result.manifests.push(m.digest);
  };

  await visit(root, 0);
  await sink.putManifest(root, options.tag);
  return result;
}
