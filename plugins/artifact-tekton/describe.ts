/**
 * What `verify` says about a Tekton bundle: each layer fetched (digest-checked), unpacked, and its
 * resource compared with the layer's `dev.tekton.image.*` annotations, which are what Tekton's
 * bundle resolver selects by. A layer whose content disagrees with its annotations is reported as
 * such, never described as what the annotations claim.
 *
 * @example
 * ```ts
 * await describeTektonBundle(artifact, ctx);
 * // ["Tekton bundle with 2 resources, each matching its layer annotations:", "task hello (tekton.dev/v1)", …]
 * ```
 * @module
 */
import { parse } from "yaml";
import type { Artifact, Context } from "../../core/plugin.ts";
import { API_VERSION_ANNOTATION, KIND_ANNOTATION, NAME_ANNOTATION } from "./bundle.ts";
import { gunzip, untar } from "../../oci/tar_layer.ts";

const MAX_LAYER_BYTES = 2 * 1024 * 1024;

/**
 * Lines describing a Tekton bundle, or undefined when the artifact is not one (no manifest, or a
 * layer without the three bundle annotations).
 */
export async function describeTektonBundle(
  artifact: Artifact,
  ctx: Context,
): Promise<string[] | undefined> {
  const manifest = await artifact.manifest?.(ctx);
  if (!manifest || manifest.layers.length === 0 || !artifact.fetchBlob) return undefined;
  const annotated = manifest.layers.every((l) =>
    l.annotations?.[API_VERSION_ANNOTATION] !== undefined &&
    l.annotations?.[KIND_ANNOTATION] !== undefined && l.annotations?.[NAME_ANNOTATION] !== undefined
  );
  if (!annotated) return undefined;
  const lines: string[] = [];
  let mismatches = 0;
  for (const [i, layer] of manifest.layers.entries()) {
    const a = layer.annotations!;
    const claimed = `${a[KIND_ANNOTATION]} ${a[NAME_ANNOTATION]} (${a[API_VERSION_ANNOTATION]})`;
    let problem: string | undefined;
    try {
      const gz = await artifact.fetchBlob(layer, ctx, { maxBytes: MAX_LAYER_BYTES });
      // As Tekton's resolver: the first file of the layer.
      const [first] = untar(
        await gunzip(gz, "the bundle layer", MAX_LAYER_BYTES),
        "the bundle layer",
      );
      if (!first) throw new Error("the layer holds no file");
      const content = first.data;
      const doc = parse(new TextDecoder().decode(content)) as Record<string, unknown> | null;
      const meta = (doc?.metadata ?? {}) as Record<string, unknown>;
      const version = String(doc?.apiVersion ?? "").split("/")[1];
      const kind = String(doc?.kind ?? "").toLowerCase();
      if (
        version !== a[API_VERSION_ANNOTATION] || kind !== a[KIND_ANNOTATION] ||
        meta.name !== a[NAME_ANNOTATION]
      ) {
        problem = `holds ${doc?.kind ?? "no kind"} ${String(meta.name ?? "(no name)")} (${
          String(doc?.apiVersion ?? "no apiVersion")
        })`;
      }
    } catch (e) {
      problem = `cannot be read: ${(e as Error).message}`;
    }
    if (problem) {
      mismatches++;
      lines.push(`layer ${i + 1} is annotated ${claimed} but ${problem}`);
    } else {
      lines.push(
        `${a[KIND_ANNOTATION]} ${a[NAME_ANNOTATION]} (tekton.dev/${a[API_VERSION_ANNOTATION]})`,
      );
    }
  }
  const n = manifest.layers.length;
  const head = mismatches === 0
    ? `Tekton bundle with ${n} resource${n === 1 ? "" : "s"}, each matching its layer annotations:`
    : `Tekton bundle with ${n} layer${
      n === 1 ? "" : "s"
    }, ${mismatches} not matching its annotations (Tekton would resolve it wrongly):`;
  return [head, ...lines];
}
