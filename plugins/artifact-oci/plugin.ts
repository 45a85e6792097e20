/**
 * The built-in "artifact-oci" plugin: the "oci" artifact type (images in registries).
 *
 * This is the light entry main.ts lists: the type's name, description and `claims` (a reference
 * parse, oci/reference.ts) load with every command; the registry code behind `resolve`
 * (oci_artifact.ts, the oci/ client) loads on the first `resolve`.
 *
 * @example
 * ```ts
 * registry.register(artifactOciPlugin);
 * const artifact = await registry.resolve("localhost:5000/app:v1", ctx);
 * ```
 * @module
 */
import {
  type Artifact,
  type ArtifactType,
  type Context,
  definePlugin,
  type Plugin,
} from "../../core/plugin.ts";
import { parseReference } from "../../oci/reference.ts";

/** The "oci" type's one line for `--help`. */
export const OCI_ARTIFACT_DESCRIPTION: string =
  "images and other manifests in OCI registries (registry/repository[:tag][@digest])";

/**
 * True when `ref` parses as an image reference and is not a local path or `-` (those are the
 * "blob" type's). Never throws.
 *
 * @example
 * ```ts
 * claimsOciReference("ghcr.io/org/app:v1"); // true
 * claimsOciReference("./app.tar"); // false
 * ```
 */
export function claimsOciReference(ref: string): boolean {
  if (ref === "" || ref === "-" || /^(\/|\.\.?\/)/.test(ref)) return false;
  try {
    parseReference(ref);
    return true;
  } catch {
    return false;
  }
}

/** The "oci" type as registered: `resolve` loads oci_artifact.ts on first use. */
const ociArtifactEntry: ArtifactType = {
  kind: "oci",
  description: OCI_ARTIFACT_DESCRIPTION,
  claims: claimsOciReference,
  async resolve(ref: string, ctx: Context): Promise<Artifact> {
    const { ociArtifactType } = await import("./oci_artifact.ts");
    return await ociArtifactType.resolve(ref, ctx);
  },
};

/** The built-in plugin providing the "oci" artifact type. */
export const artifactOciPlugin: Plugin = definePlugin({
  name: "artifact-oci",
  apiVersion: 1,
  description: "Container images and other OCI artifacts in registries",
  artifacts: [ociArtifactEntry],
});

export default artifactOciPlugin;
