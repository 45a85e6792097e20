/**
 * The "oci" artifact type: container images and other manifests in OCI registries, named by
 * references such as `localhost:5000/app:v1`, `ghcr.io/org/app@sha256:…` or `ubuntu`.
 *
 * It claims anything that parses as an image reference; the "blob" type is registered before
 * it in main.ts and takes local paths (`./x`, `/x`, existing files, `-`) first.
 *
 * @example
 * ```ts
 * const a = await ctx.plugins.resolve("localhost:5000/app:v1", ctx);
 * console.log(a.kind, (await a.digest()).hex);
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { Artifact, ArtifactType, Context, Digest, HashAlgorithm } from "../../core/plugin.ts";
import { parseReference } from "../../oci/reference.ts";

/** The "oci" artifact type. */
export const ociArtifactType: ArtifactType = {
  kind: "oci",
  description: "images and other manifests in OCI registries (registry/repository[:tag][@digest])",
  claims(ref: string): boolean {
    if (ref === "" || ref === "-" || /^(\/|\.\.?\/)/.test(ref)) return false;
    try {
      parseReference(ref);
      return true;
    } catch {
      return false;
    }
  },
  resolve(ref: string, ctx: Context): Promise<Artifact> {
    const r = parseReference(ref);
    let cached: Promise<Digest> | undefined;
    const artifact: Artifact = {
      kind: "oci",
      ref,
      digest(algorithm?: HashAlgorithm): Promise<Digest> {
        if (algorithm && algorithm !== "sha256") {
          return Promise.reject(
            new CosignError(
              "UNSUPPORTED",
              `Cannot digest image ${ref} with ${algorithm}: manifests are addressed by sha256`,
            ),
          );
        }
        cached ??= (async () => {
          const { RegistryClient } = await import("../../oci/client.ts");
          const client = new RegistryClient({ env: (n) => ctx.env(n), log: ctx.log });
          const d = await client.resolveDigest(r);
          const [algorithm, hex] = d.split(":");
          return { algorithm: algorithm as Digest["algorithm"], hex };
        })();
        return cached;
      },
    };
    return Promise.resolve(artifact);
  },
};
