/**
 * Tekton bundles as `tkn bundle push` builds them (Tekton Bundle Contract v0.1): one layer per
 * resource, each a gzipped tar holding one file named after the resource with its JSON, annotated
 * `dev.tekton.image.apiVersion` (the version, e.g. `v1`), `dev.tekton.image.kind` (lower case) and
 * `dev.tekton.image.name`; files ordered by the SHA-256 of their text, resources in file order; a
 * Docker schema-2 manifest (go-containerregistry's empty image) with a config whose `created` is
 * the bundle's time and whose labels are `--label`s; at most 10 resources (the limit of
 * `tkn` and of Tekton's OCI resolver; newer bundle resolvers accept 20), no two with the same
 * version, kind and name. Everything is checked before the registry is touched.
 *
 * @example
 * ```ts
 * const bundle = await buildBundle([{ path: "task.yaml", text }], { created: new Date() });
 * const at = await pushBundle(ctx, "localhost:5000/tekton/hello:v1", bundle);
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { Context } from "../../core/plugin.ts";
import { sha256Digest } from "../../oci/digest.ts";
import { DOCKER_CONFIG, DOCKER_LAYER_GZIP, DOCKER_MANIFEST } from "../../oci/media_types.ts";
import { parseReference, repositoryString } from "../../oci/reference.ts";
import { registryClientFor } from "../../oci/registry_options.ts";
import { goJsonBytes, goMap } from "../../core/go_json.ts";
import { goTime } from "../artifact-oci/mod.ts";
import { parseResources, type TektonResource } from "./resources.ts";
import { gzip, tarFiles } from "../../oci/tar_layer.ts";

/** Layer annotation: the resource's API version (`v1`). */
export const API_VERSION_ANNOTATION = "dev.tekton.image.apiVersion";
/** Layer annotation: the resource's kind, lower case (`task`). */
export const KIND_ANNOTATION = "dev.tekton.image.kind";
/** Layer annotation: the resource's name. */
export const NAME_ANNOTATION = "dev.tekton.image.name";
/** The most resources a bundle holds. */
export const MAX_BUNDLE_OBJECTS = 10;

/** A file given to {@link buildBundle}. */
export interface BundleSource {
  /** Its path, for messages. */
  path: string;
  /** Its text. */
  text: string;
}

/** One layer of a built bundle. */
export interface BundleLayer {
  /** The resource. */
  resource: TektonResource;
  /** The gzipped tar. */
  gz: Uint8Array;
  /** `sha256:` of the gzipped tar. */
  digest: string;
  /** `sha256:` of the tar (the config's diff_id). */
  diffId: string;
  /** Layer annotations. */
  annotations: Record<string, string>;
}

/** A bundle ready to push. */
export interface Bundle {
  /** Layers in manifest order. */
  layers: BundleLayer[];
  /** Config JSON bytes. */
  config: Uint8Array;
  /** Manifest JSON bytes. */
  manifest: Uint8Array;
}

/** Options for {@link buildBundle}. */
export interface BuildOptions {
  /** The config's `created` time. */
  created: Date;
  /** Config labels (`--label`). */
  labels?: Record<string, string>;
  /** Manifest annotations (`--annotate`). */
  annotations?: Record<string, string>;
}

function hexOf(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function sha256Hex(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return hexOf(new Uint8Array(d));
}

/**
 * Builds a bundle from resource files. Throws CosignError("INVALID_INPUT") for a file that holds
 * no Tekton resource or an invalid one, more than {@link MAX_BUNDLE_OBJECTS} resources, or two
 * resources with the same version, kind and name.
 */
export async function buildBundle(sources: BundleSource[], options: BuildOptions): Promise<Bundle> {
  const keyed = await Promise.all(sources.map(async (s) => ({ s, key: await sha256Hex(s.text) })));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const resources: TektonResource[] = [];
  for (const { s } of keyed) {
    const found = parseResources(s.path, s.text);
    if (found.length === 0) {
      throw new CosignError("INVALID_INPUT", `"${s.path}" holds no Tekton resource`, {
        hint: "Pass YAML or JSON files with Tekton Tasks or Pipelines.",
      });
    }
    resources.push(...found);
  }
  if (resources.length > MAX_BUNDLE_OBJECTS) {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot bundle ${resources.length} resources: a Tekton bundle holds at most ${MAX_BUNDLE_OBJECTS}`,
      { hint: "Split the resources over several bundles." },
    );
  }
  const seen = new Map<string, string>();
  for (const r of resources) {
    const key = `${r.version}/${r.kind.toLowerCase()}/${r.name}`;
    const other = seen.get(key);
    if (other !== undefined) {
      throw new CosignError(
        "INVALID_INPUT",
        `Cannot bundle two ${r.kind}s named "${r.name}" (${r.apiVersion}): in "${other}" and "${r.source}"`,
        { hint: "Names must be unique per kind and version within a bundle." },
      );
    }
    seen.set(key, r.source);
  }
  const layers: BundleLayer[] = [];
  for (const resource of resources) {
    const tar = tarFiles([{ name: resource.name, data: resource.json }], 0o600);
    const gz = await gzip(tar);
    layers.push({
      resource,
      gz,
      digest: sha256Digest(gz),
      diffId: sha256Digest(tar),
      annotations: {
        [API_VERSION_ANNOTATION]: resource.version,
        [KIND_ANNOTATION]: resource.kind.toLowerCase(),
        [NAME_ANNOTATION]: resource.name,
      },
    });
  }
  const labels = options.labels ?? {};
  const config = goJsonBytes({
    architecture: "",
    created: goTime(options.created),
    history: layers.map(() => ({ created: "0001-01-01T00:00:00Z" })),
    os: "",
    rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
    config: Object.keys(labels).length ? { Labels: goMap(labels) } : {},
  });
  const annotations = options.annotations ?? {};
  const manifest = goJsonBytes({
    schemaVersion: 2,
    mediaType: DOCKER_MANIFEST,
    config: { mediaType: DOCKER_CONFIG, size: config.length, digest: sha256Digest(config) },
    layers: layers.map((l) => ({
      mediaType: DOCKER_LAYER_GZIP,
      size: l.gz.length,
      digest: l.digest,
      annotations: goMap(l.annotations),
    })),
    annotations: Object.keys(annotations).length ? goMap(annotations) : undefined,
  });
  return { layers, config, manifest };
}

/**
 * Pushes a built bundle to `image` (layers, config, then the manifest at the reference) and
 * returns `REPO@sha256:…`. Registry errors are CosignErrors from the registry client.
 */
export async function pushBundle(ctx: Context, image: string, bundle: Bundle): Promise<string> {
  const ref = parseReference(image);
  const repo = repositoryString(ref);
  const client = registryClientFor(ctx);
  for (const l of bundle.layers) {
    await client.putBlob(repo, l.gz, { digest: l.digest, mediaType: DOCKER_LAYER_GZIP });
  }
  await client.putBlob(repo, bundle.config, { mediaType: DOCKER_CONFIG });
  const digest = await client.putManifest(ref, bundle.manifest, DOCKER_MANIFEST);
  return `${repo}@${digest}`;
}
