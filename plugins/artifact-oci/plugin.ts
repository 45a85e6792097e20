/**
 * The built-in "artifact-oci" plugin: the "oci" artifact type (images in registries).
 * @module
 */
import { definePlugin, type Plugin } from "../../core/plugin.ts";
import { ociArtifactType } from "./oci_artifact.ts";

/** The built-in plugin providing the "oci" artifact type. */
export const artifactOciPlugin: Plugin = definePlugin({
  name: "artifact-oci",
  apiVersion: 1,
  artifacts: [ociArtifactType],
});

export default artifactOciPlugin;
