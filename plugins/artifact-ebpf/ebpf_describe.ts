/**
 * What `verify` says about an eBPF bytecode image (the "ebpf" type's `describeStored`), and the
 * check behind it: an image with one gzip tar layer whose config carries bpfman's
 * `io.ebpf.programs` label is an eBPF image; its layer (checked against the digest the verified
 * manifest names) is unpacked, every `.o` at its root parsed as a BPF object, and the labels must
 * equal what the objects hold (programs and maps, names and types). The lines list the verified
 * programs and maps. Labels that do not match the bytecode fail verification (check "claims"),
 * so a signed image cannot advertise programs it does not ship.
 *
 * @example
 * ```ts
 * await describeEbpfImage(artifact, ctx);
 * // ["eBPF bytecode image: 2 programs: xdp_pass (xdp), …; 1 map: stats_map (per_cpu_array); …"]
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { Artifact, Context } from "../../core/plugin.ts";
import {
  DOCKER_CONFIG,
  DOCKER_LAYER_GZIP,
  OCI_CONFIG,
  OCI_LAYER_GZIP,
} from "../../oci/media_types.ts";
import { parseBpfObject } from "./bpf_elf.ts";
import { MAPS_LABEL, mergeLabels, PROGRAMS_LABEL } from "./ebpf_image.ts";
import { gunzip, MAX_LAYER_BYTES, untar } from "../../oci/tar_layer.ts";

function mismatch(artifact: Artifact, why: string): CosignError {
  return new CosignError(
    "VERIFY",
    `The eBPF image ${artifact.name ?? artifact.ref} does not hold what its labels say: ${why}`,
    { check: "claims", hint: "Rebuild the image with `cosign-ts upload ebpf` from the objects." },
  );
}

function labelMap(artifact: Artifact, labels: Record<string, unknown>, key: string) {
  const text = labels[key];
  if (text === undefined) return {};
  let v: unknown;
  try {
    v = JSON.parse(String(text));
  } catch {
    throw mismatch(artifact, `label ${key} is not JSON`);
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) {
    throw mismatch(artifact, `label ${key} is not a JSON object`);
  }
  return v as Record<string, unknown>;
}

function sameMap(a: Record<string, unknown>, b: Record<string, string>): string | undefined {
  for (const [k, t] of Object.entries(b)) {
    if (!(k in a)) return `"${k}" (${t}) is in the bytecode but not in the label`;
    if (a[k] !== t) {
      return `"${k}" is ${JSON.stringify(a[k])} in the label but ${t} in the bytecode`;
    }
  }
  for (const k of Object.keys(a)) {
    if (!(k in b)) return `"${k}" is in the label but not in the bytecode`;
  }
  return undefined;
}

function list(m: Record<string, string>): string {
  return Object.entries(m).map(([k, t]) => `${k} (${t})`).join(", ") || "none";
}

/**
 * Lines describing an eBPF bytecode image, or undefined when `artifact` is not one. Throws
 * CosignError("VERIFY", check "claims") when its labels do not match its objects, or its layer
 * holds no BPF object.
 */
export async function describeEbpfImage(
  artifact: Artifact,
  ctx: Context,
): Promise<string[] | undefined> {
  const m = await artifact.manifest?.(ctx);
  if (!m || !artifact.fetchBlob || m.layers.length !== 1) return undefined;
  const layer = m.layers[0];
  if (layer.mediaType !== OCI_LAYER_GZIP && layer.mediaType !== DOCKER_LAYER_GZIP) return undefined;
  // Only image configs carry labels (OCI or Docker): other artifacts are not fetched.
  if (m.config.mediaType !== OCI_CONFIG && m.config.mediaType !== DOCKER_CONFIG) return undefined;
  if (m.config.size > 1024 * 1024) return undefined;
  let config: { config?: { Labels?: Record<string, unknown> } };
  try {
    config = JSON.parse(new TextDecoder().decode(await artifact.fetchBlob(m.config, ctx)));
  } catch (e) {
    if (e instanceof CosignError) throw e;
    return undefined;
  }
  const labels = config?.config?.Labels;
  if (!labels || typeof labels !== "object" || !(PROGRAMS_LABEL in labels)) return undefined;
  const programsLabel = labelMap(artifact, labels, PROGRAMS_LABEL);
  const mapsLabel = labelMap(artifact, labels, MAPS_LABEL);
  const gz = await artifact.fetchBlob(layer, ctx, { maxBytes: MAX_LAYER_BYTES });
  const files = untar(await gunzip(gz, `layer ${layer.digest}`), `layer ${layer.digest}`)
    .filter((f) => !f.name.replace(/^\.\//, "").includes("/") && f.name.endsWith(".o"));
  if (files.length === 0) throw mismatch(artifact, "its layer holds no .o object at its root");
  const inputs = files.map((f) => {
    try {
      return { name: f.name, data: f.data, object: parseBpfObject(f.data, f.name) };
    } catch (e) {
      throw mismatch(artifact, (e as Error).message);
    }
  });
  const { programs, maps } = mergeLabels(inputs);
  const why = sameMap(programsLabel, programs) ?? sameMap(mapsLabel, maps);
  if (why) throw mismatch(artifact, why);
  const n = (k: number, w: string) => `${k} ${w}${k === 1 ? "" : "s"}`;
  return [
    `eBPF bytecode image (${files.map((f) => f.name).join(", ")}): ` +
    `${n(Object.keys(programs).length, "program")}: ${list(programs)}; ` +
    `${n(Object.keys(maps).length, "map")}: ${list(maps)}; the ${PROGRAMS_LABEL} and ` +
    `${MAPS_LABEL} labels match the bytecode`,
  ];
}
