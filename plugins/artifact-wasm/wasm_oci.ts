/**
 * The two OCI layouts of a WebAssembly binary, and pushing one:
 *
 * - `cosign` (what `cosign upload wasm` writes, pkg/oci/static): an OCI image manifest whose
 *   config has media type `application/vnd.wasm.config.v1+json` (its content is
 *   go-containerregistry's empty image config with the one layer appended) and one layer
 *   `application/vnd.wasm.content.layer.v1+wasm` holding the binary.
 * - `cncf` (the CNCF TAG Runtime "Wasm OCI Artifact" layout, as wasmCloud, Spin and wkg write it
 *   through the oci-wasm crate): config `application/vnd.wasm.config.v0+json`
 *   `{"created","author","architecture":"wasm","os":"wasip1"|"wasip2","layerDigests":[…],
 *   "component":{"exports","imports","target"}|null}` (os `wasip2` and `component` for
 *   components) and one layer `application/wasm`.
 *
 * The binary is checked ({@link parseWasm}) before the registry is touched.
 *
 * @example
 * ```ts
 * const at = await uploadWasm(ctx, { path: "app.wasm", image: "localhost:5000/app:v1", format: "cncf" });
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { Context } from "../../core/plugin.ts";
import { readSmallFile } from "../../cli/blob_input.ts";
import { sha256Digest } from "../../oci/digest.ts";
import { OCI_MANIFEST } from "../../oci/media_types.ts";
import { parseReference, referenceString, repositoryString } from "../../oci/reference.ts";
import { registryClientFor } from "../../oci/registry_options.ts";
import { goJsonBytes } from "../../core/go_json.ts";
import { parseWasm, type WasmInfo } from "./wasm_binary.ts";

/** cosign's wasm config media type. */
export const COSIGN_WASM_CONFIG = "application/vnd.wasm.config.v1+json";
/** cosign's wasm layer media type. */
export const COSIGN_WASM_LAYER = "application/vnd.wasm.content.layer.v1+wasm";
/** The CNCF wasm OCI artifact's config media type. */
export const CNCF_WASM_CONFIG = "application/vnd.wasm.config.v0+json";
/** The CNCF wasm OCI artifact's layer media type. */
export const CNCF_WASM_LAYER = "application/wasm";
/** Largest binary `upload wasm` accepts (it is held in memory to be checked). */
export const MAX_WASM_BYTES: number = 256 * 1024 * 1024;

/** Which layout to write. */
export type WasmFormat = "cosign" | "cncf";

/** What {@link uploadWasm} pushes. */
export interface UploadWasmOptions {
  /** Path of the .wasm file. */
  path: string;
  /** Where: the image reference. */
  image: string;
  /** Layout (default "cosign"). */
  format?: WasmFormat;
  /** cncf: the config's `author`. */
  author?: string;
  /** cncf: the config's `created` (default now). */
  created?: Date;
}

/** A built artifact: config and manifest bytes, ready to push after the layer. */
export interface WasmArtifact {
  /** Config media type. */
  configMediaType: string;
  /** Config bytes. */
  config: Uint8Array;
  /** Layer media type. */
  layerMediaType: string;
  /** Manifest bytes (OCI image manifest). */
  manifest: Uint8Array;
}

/**
 * Builds the config and manifest of `bytes` (already checked as `info`) in the given layout.
 *
 * @example
 * ```ts
 * const a = buildWasmArtifact(bytes, parseWasm(bytes, "app.wasm"), { format: "cosign" });
 * ```
 */
export function buildWasmArtifact(
  bytes: Uint8Array,
  info: WasmInfo,
  options: { format?: WasmFormat; author?: string; created?: Date } = {},
): WasmArtifact {
  const layerDigest = sha256Digest(bytes);
  const format = options.format ?? "cosign";
  let config: Uint8Array;
  let configMediaType: string;
  let layerMediaType: string;
  if (format === "cosign") {
    configMediaType = COSIGN_WASM_CONFIG;
    layerMediaType = COSIGN_WASM_LAYER;
    // go-containerregistry's empty.Image with one layer appended (mutate.Append), as cosign pushes.
    config = goJsonBytes({
      architecture: "",
      created: "0001-01-01T00:00:00Z",
      history: [{ created: "0001-01-01T00:00:00Z" }],
      os: "",
      rootfs: { type: "layers", diff_ids: [layerDigest] },
      config: {},
    });
  } else {
    configMediaType = CNCF_WASM_CONFIG;
    layerMediaType = CNCF_WASM_LAYER;
    // oci-wasm's WasmConfig (serde, camelCase, None as null), field order as declared there.
    config = new TextEncoder().encode(JSON.stringify({
      created: (options.created ?? new Date()).toISOString(),
      author: options.author ?? null,
      architecture: "wasm",
      os: info.kind === "component" ? "wasip2" : "wasip1",
      layerDigests: [layerDigest],
      component: info.kind === "component"
        ? { exports: info.exports, imports: info.imports, target: null }
        : null,
    }));
  }
  const manifest = goJsonBytes({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: configMediaType, size: config.length, digest: sha256Digest(config) },
    layers: [{ mediaType: layerMediaType, size: bytes.length, digest: layerDigest }],
  });
  return { configMediaType, config, layerMediaType, manifest };
}

/**
 * Checks the binary, then pushes it in the chosen layout and returns `REPO@sha256:…`. Nothing is
 * pushed when the file is missing, too large or not WebAssembly. Throws CosignError NOT_FOUND,
 * IO, TOO_LARGE, INVALID_INPUT (not wasm, bad reference, unknown format), and the registry
 * client's errors.
 */
export async function uploadWasm(ctx: Context, options: UploadWasmOptions): Promise<string> {
  const format = options.format ?? "cosign";
  if (format !== "cosign" && format !== "cncf") {
    throw new CosignError("USAGE", `Unknown --format "${format}"`, {
      hint: "Use --format cosign (cosign's layout) or --format cncf (wasmCloud, Spin, wkg).",
    });
  }
  const ref = parseReference(options.image);
  const bytes = await readSmallFile(options.path, MAX_WASM_BYTES, "wasm file");
  const info = parseWasm(bytes, options.path);
  const built = buildWasmArtifact(bytes, info, { ...options, format });
  const repo = repositoryString(ref);
  // cosign's line, with the normalized reference (go-containerregistry's ref.Name()).
  ctx.log.info(`Uploading wasm file from [${options.path}] to [${referenceString(ref)}].`);
  const client = registryClientFor(ctx);
  await client.putBlob(repo, bytes, { mediaType: built.layerMediaType });
  await client.putBlob(repo, built.config, { mediaType: built.configMediaType });
  const digest = await client.putManifest(ref, built.manifest, OCI_MANIFEST);
  ctx.log.info(`Uploaded wasm ${info.kind} (${info.size} bytes) to ${repo}@${digest}`);
  return `${repo}@${digest}`;
}
