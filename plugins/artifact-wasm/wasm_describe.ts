/**
 * What `verify` says about a wasm artifact in a registry (the "wasm" type's `describeStored`): it
 * recognises both layouts by their media types, fetches the one layer (checked against the
 * digest the verified manifest names), checks it is well-formed WebAssembly and, for the CNCF
 * layout, that the config agrees with it (`layerDigests`, `os` wasip1/wasip2 for module/
 * component). A wasm-looking manifest whose content does not hold up fails verification.
 *
 * @example
 * ```ts
 * await describeWasmArtifact(artifact, ctx);
 * // ["wasm component (cncf layout): 1234 bytes, sha256:…, well-formed; 3 imports, 1 export"]
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { Artifact, Context } from "../../core/plugin.ts";
import { parseWasm } from "./wasm_binary.ts";
import {
  CNCF_WASM_CONFIG,
  CNCF_WASM_LAYER,
  COSIGN_WASM_CONFIG,
  COSIGN_WASM_LAYER,
  MAX_WASM_BYTES,
} from "./wasm_oci.ts";

function mismatch(artifact: Artifact, why: string): CosignError {
  return new CosignError(
    "VERIFY",
    `The wasm artifact ${
      artifact.name ?? artifact.ref
    } does not hold what its manifest says: ${why}`,
    { check: "claims" },
  );
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * Lines describing a wasm artifact, or undefined when `artifact` is not one (no manifest, or
 * other media types). Throws CosignError("VERIFY", check "claims") when the manifest says wasm
 * but the content is not well-formed WebAssembly or the CNCF config disagrees with it.
 */
export async function describeWasmArtifact(
  artifact: Artifact,
  ctx: Context,
): Promise<string[] | undefined> {
  const m = await artifact.manifest?.(ctx);
  if (!m || !artifact.fetchBlob) return undefined;
  const cosign = m.config.mediaType === COSIGN_WASM_CONFIG ||
    m.layers.some((l) => l.mediaType === COSIGN_WASM_LAYER);
  const cncf = m.config.mediaType === CNCF_WASM_CONFIG ||
    m.layers.some((l) => l.mediaType === CNCF_WASM_LAYER);
  if (!cosign && !cncf) return undefined;
  if (m.layers.length !== 1) throw mismatch(artifact, `it has ${m.layers.length} layers, not 1`);
  const layer = m.layers[0];
  const bytes = await artifact.fetchBlob(layer, ctx, { maxBytes: MAX_WASM_BYTES });
  let info;
  try {
    info = parseWasm(bytes, `layer ${layer.digest}`);
  } catch (e) {
    throw mismatch(artifact, (e as Error).message);
  }
  const layout = cncf ? "cncf" : "cosign";
  let detail = "";
  if (cncf) {
    const raw = await artifact.fetchBlob(m.config, ctx, { maxBytes: 1024 * 1024 });
    let config: Record<string, unknown>;
    try {
      config = JSON.parse(new TextDecoder().decode(raw));
    } catch {
      throw mismatch(artifact, "its config is not JSON");
    }
    const wantOs = info.kind === "component" ? "wasip2" : "wasip1";
    if (config.architecture !== "wasm") {
      throw mismatch(artifact, `config architecture ${JSON.stringify(config.architecture)}`);
    }
    if (config.os !== wantOs) {
      throw mismatch(
        artifact,
        `config os ${JSON.stringify(config.os)} but the layer is a ${info.kind} (${wantOs})`,
      );
    }
    const digests = config.layerDigests;
    if (!Array.isArray(digests) || digests.length !== 1 || digests[0] !== layer.digest) {
      throw mismatch(artifact, "config layerDigests does not name the layer");
    }
    if (info.kind === "component") {
      detail = `; ${plural(info.imports.length, "import")}, ${
        plural(info.exports.length, "export")
      }`;
    }
  }
  return [
    `wasm ${info.kind} (${layout} layout): ${info.size} bytes, ${layer.digest}, well-formed${detail}`,
  ];
}
