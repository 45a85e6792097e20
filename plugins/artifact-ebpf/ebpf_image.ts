/**
 * bpfman's eBPF bytecode image ("backwards compatible OCI compliant" variant of its eBPF Bytecode
 * Image Specifications), built from BPF object files and pushed:
 *
 * - one layer `application/vnd.oci.image.layer.v1.tar+gzip` holding the object files at its root;
 * - an OCI image config (`application/vnd.oci.image.config.v1+json`, os `linux`, architecture
 *   from the objects' byte order: `amd64` for little-endian, `s390x` for big-endian, or
 *   `--arch`) whose `config.Labels` carry `io.ebpf.programs` and `io.ebpf.maps`: JSON objects
 *   name → type derived from the ELF (bpf_elf.ts), merged over all objects.
 *
 * Every object is read and checked before the registry is touched.
 *
 * @example
 * ```ts
 * const at = await uploadEbpf(ctx, { paths: ["xdp.o"], image: "localhost:5000/bpf/xdp:v1" });
 * ```
 * @module
 */
import { basename } from "node:path";
import { CosignError } from "../../core/errors.ts";
import type { Context } from "../../core/plugin.ts";
import { readSmallFile } from "../../cli/blob_input.ts";
import { sha256Digest } from "../../oci/digest.ts";
import { OCI_CONFIG, OCI_LAYER_GZIP, OCI_MANIFEST } from "../../oci/media_types.ts";
import { parseReference, repositoryString } from "../../oci/reference.ts";
import { registryClientFor } from "../../oci/registry_options.ts";
import { goJsonBytes, goMap } from "../../core/go_json.ts";
import { goTime } from "../artifact-oci/layout.ts";
import { type BpfObject, parseBpfObject } from "./bpf_elf.ts";
import { gzip, tarFiles } from "../../oci/tar_layer.ts";

/** The label naming the programs (name → type JSON). */
export const PROGRAMS_LABEL = "io.ebpf.programs";
/** The label naming the maps (name → type JSON). */
export const MAPS_LABEL = "io.ebpf.maps";
/** Largest object file accepted. */
export const MAX_BPF_OBJECT_BYTES: number = 64 * 1024 * 1024;

/** A read and checked object file. */
export interface BpfInput {
  /** Name in the layer (the file's base name). */
  name: string;
  /** Content. */
  data: Uint8Array;
  /** What the ELF holds. */
  object: BpfObject;
}

/** Program and map labels merged over objects; CosignError("INVALID_INPUT") on a clash. */
export function mergeLabels(inputs: readonly BpfInput[]): {
  programs: Record<string, string>;
  maps: Record<string, string>;
} {
  const programs: Record<string, string> = {};
  const maps: Record<string, string> = {};
  const owner = new Map<string, string>();
  for (const i of inputs) {
    for (
      const [what, from, into] of [
        ["program", i.object.programs, programs],
        ["map", i.object.maps, maps],
      ] as const
    ) {
      for (const [k, t] of Object.entries(from)) {
        const key = `${what}\0${k}`;
        if (owner.has(key)) {
          throw new CosignError(
            "INVALID_INPUT",
            `Cannot build the bytecode image: ${what} "${k}" is in both "${
              owner.get(key)
            }" and "${i.name}"`,
            { hint: "Each program and map name must be unique across the objects of one image." },
          );
        }
        owner.set(key, i.name);
        into[k] = t;
      }
    }
  }
  return { programs, maps };
}

/**
 * Reads and checks object files (size, ELF, EM_BPF, ET_REL, unique base names). Throws
 * CosignError NOT_FOUND/IO/TOO_LARGE/INVALID_INPUT naming the file.
 */
export async function readBpfObjects(paths: readonly string[]): Promise<BpfInput[]> {
  const out: BpfInput[] = [];
  for (const path of paths) {
    const data = await readSmallFile(path, MAX_BPF_OBJECT_BYTES, "BPF object");
    const name = basename(path);
    if (out.some((o) => o.name === name)) {
      throw new CosignError(
        "USAGE",
        `Cannot add "${path}": another object is also named "${name}"`,
        {
          hint: "The objects sit side by side at the layer's root: give them distinct file names.",
        },
      );
    }
    out.push({ name, data, object: parseBpfObject(data, path) });
  }
  return out;
}

/** What {@link uploadEbpf} pushes. */
export interface UploadEbpfOptions {
  /** Object files. */
  paths: readonly string[];
  /** Where. */
  image: string;
  /** Config architecture (default from the objects' byte order). */
  architecture?: string;
}

/**
 * Builds and pushes the bytecode image; returns `REPO@sha256:…`. Nothing is pushed unless every
 * object is a BPF relocatable object. Throws CosignError USAGE (no objects, mixed byte orders),
 * the errors of {@link readBpfObjects}, and the registry client's.
 */
export async function uploadEbpf(ctx: Context, options: UploadEbpfOptions): Promise<string> {
  if (options.paths.length === 0) {
    throw new CosignError("USAGE", "upload ebpf needs an object file: -f prog.o", {
      hint: "Example: cosign-ts upload ebpf -f xdp.o localhost:5000/bpf/xdp:v1",
    });
  }
  const ref = parseReference(options.image);
  const inputs = await readBpfObjects(options.paths);
  const endians = new Set(inputs.map((i) => i.object.endian));
  if (endians.size > 1) {
    throw new CosignError(
      "USAGE",
      "Cannot build one bytecode image from little- and big-endian objects",
      { hint: "Push bpfel and bpfeb objects as separate images (one per architecture)." },
    );
  }
  const { programs, maps } = mergeLabels(inputs);
  const tar = tarFiles(inputs.map((i) => ({ name: i.name, data: i.data })));
  const layer = await gzip(tar);
  const config = goJsonBytes({
    architecture: options.architecture ?? (inputs[0].object.endian === "big" ? "s390x" : "amd64"),
    created: goTime(new Date()),
    history: [{ created: goTime(new Date()), created_by: "cosign-ts upload ebpf" }],
    os: "linux",
    rootfs: { type: "layers", diff_ids: [sha256Digest(tar)] },
    config: {
      Labels: goMap({
        [MAPS_LABEL]: JSON.stringify(maps),
        [PROGRAMS_LABEL]: JSON.stringify(programs),
      }),
    },
  });
  const manifest = goJsonBytes({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, size: config.length, digest: sha256Digest(config) },
    layers: [{ mediaType: OCI_LAYER_GZIP, size: layer.length, digest: sha256Digest(layer) }],
  });
  const repo = repositoryString(ref);
  ctx.log.info(
    `Uploading eBPF bytecode image to [${options.image}]: programs ${JSON.stringify(programs)}, ` +
      `maps ${JSON.stringify(maps)}`,
  );
  const client = registryClientFor(ctx);
  await client.putBlob(repo, layer, { mediaType: OCI_LAYER_GZIP });
  await client.putBlob(repo, config, { mediaType: OCI_CONFIG });
  const digest = await client.putManifest(ref, manifest, OCI_MANIFEST);
  return `${repo}@${digest}`;
}
