/**
 * The built-in "artifact-blob" plugin: the "blob" artifact type (local files, standard input,
 * bare digests).
 *
 * This is the light entry main.ts lists: the type's name, description and `claims` load with
 * every command (no `node:fs` import: the existence check asks for it on first use); the file
 * and stream code behind `resolve` (blob_artifact.ts) loads on the first `resolve`.
 *
 * @example
 * ```ts
 * registry.register(artifactBlobPlugin);
 * const artifact = await registry.resolve("./release.tar.gz", ctx);
 * ```
 * @module
 */
import process from "node:process";
import {
  type Artifact,
  type ArtifactType,
  type Context,
  definePlugin,
  type HashAlgorithm,
  type Plugin,
} from "../../core/plugin.ts";

/** A bare digest reference (`sha256:<hex>`, sha384, sha512): algorithm and hex as groups 1, 2. */
export const DIGEST_REF: RegExp = /^(sha256|sha384|sha512):([0-9a-fA-F]+)$/;
const DIGEST_HEX_LENGTH: Record<HashAlgorithm, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** The "blob" type's one line for `--help`. */
export const BLOB_ARTIFACT_DESCRIPTION: string =
  "local files, standard input (-) and bare digests (sha256:<hex>)";

/** True when `ref` is a bare digest such as `sha256:<64 hex>` (checked for length). */
export function isDigestRef(ref: string): boolean {
  const m = DIGEST_REF.exec(ref);
  return !!m && m[2].length === DIGEST_HEX_LENGTH[m[1] as HashAlgorithm];
}

// node:fs costs several milliseconds to load under Bun; only references that are neither `-`,
// a digest nor an explicit path need it, so it is fetched on the first such reference.
let existsSync: ((path: string) => boolean) | undefined;

/**
 * True when the "blob" type takes `ref`: `-`, `sha256:<hex>` (also sha384/sha512), and local
 * paths (absolute, `./`, `../`, or any name that exists on disk). Never throws.
 *
 * @example
 * ```ts
 * claimsBlobReference("./release.tar.gz"); // true
 * claimsBlobReference("ghcr.io/org/app:v1"); // false, unless such a file exists
 * ```
 */
export function claimsBlobReference(ref: string): boolean {
  if (ref === "-" || isDigestRef(ref)) return true;
  if (/^(\/|\.\.?\/)/.test(ref)) return true;
  existsSync ??= (process.getBuiltinModule("node:fs") as typeof import("node:fs")).existsSync;
  return existsSync(ref);
}

/** The "blob" type as registered: `resolve` loads blob_artifact.ts on first use. */
const blobArtifactEntry: ArtifactType = {
  kind: "blob",
  description: BLOB_ARTIFACT_DESCRIPTION,
  claims: claimsBlobReference,
  async resolve(ref: string, ctx: Context): Promise<Artifact> {
    const { blobArtifactType } = await import("./blob_artifact.ts");
    return await blobArtifactType.resolve(ref, ctx);
  },
};

/** The built-in plugin that provides the "blob" artifact type. */
export const artifactBlobPlugin: Plugin = definePlugin({
  name: "artifact-blob",
  apiVersion: 1,
  description: "Local files, standard input and bare digests as artifacts",
  artifacts: [blobArtifactEntry],
});
