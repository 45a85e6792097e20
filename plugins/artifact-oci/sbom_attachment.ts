/**
 * SBOMs attached to an image as cosign stores them (`cosign attach sbom`, `download sbom`): the
 * SBOM file as the one layer of an image at `sha256-<hex>.sbom` (in the image's repository or
 * `COSIGN_REPOSITORY`), built as cosign's `static.NewFile` (go-containerregistry's empty image
 * plus the layer, OCI config) and written over the tag as cosign's `remote.Write` does. The
 * layer's media type says the format: `text/spdx`, `application/vnd.cyclonedx`,
 * `application/vnd.syft+json` (`+json`/`+xml` with `--input-format`).
 *
 * @example
 * ```ts
 * await attachSbom(ctx, "localhost:5000/app:v1", bytes, sbomMediaType("cyclonedx", "json"));
 * for (const s of await downloadSboms(ctx, "localhost:5000/app:v1")) out(s.bytes);
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { Context } from "../../core/plugin.ts";
import { parseReference, referenceString } from "../../oci/reference.ts";
import { registryClientFor } from "../../oci/registry_options.ts";
import { buildSignatureImage } from "./layout.ts";
import { readSignatures } from "./read_signatures.ts";
import { signatureReference } from "./signature_location.ts";
import { sha256Digest } from "../../oci/digest.ts";

const BASE: Record<string, string> = {
  spdx: "text/spdx",
  cyclonedx: "application/vnd.cyclonedx",
  syft: "application/vnd.syft+json",
};

/**
 * The layer media type of an SBOM of `type` (spdx, cyclonedx, syft) in `inputFormat` (json,
 * xml, text; optional), as cosign's attach sbom names it. Throws CosignError("USAGE") for an
 * unknown type or format.
 *
 * @example
 * ```ts
 * sbomMediaType("spdx", "json"); // "text/spdx+json"
 * ```
 */
export function sbomMediaType(type: string, inputFormat?: string): string {
  const base = BASE[type];
  if (!base) {
    throw new CosignError("USAGE", `unknown SBOM type "${type}"`, {
      hint: "Use --type spdx, cyclonedx or syft.",
    });
  }
  if (!inputFormat || type === "syft") return base;
  if (!["json", "xml", "text"].includes(inputFormat)) {
    throw new CosignError("USAGE", `unknown SBOM input format "${inputFormat}"`, {
      hint: "Use --input-format json, xml or text.",
    });
  }
  return inputFormat === "text" ? base : `${base}+${inputFormat}`;
}

/**
 * Stores `sbom` as the image's SBOM (see the module documentation) and returns where. Throws
 * INVALID_INPUT (bad reference, empty SBOM), NOT_FOUND (no such image), and the registry's
 * errors.
 *
 * @example
 * ```ts
 * await attachSbom(ctx, "localhost:5000/app:v1", bytes, "application/vnd.cyclonedx+json");
 * ```
 */
export async function attachSbom(
  ctx: Context,
  image: string,
  sbom: Uint8Array,
  mediaType: string,
): Promise<string> {
  if (sbom.length === 0) {
    throw new CosignError("INVALID_INPUT", `Cannot attach an empty SBOM to ${image}`);
  }
  const ref = parseReference(image);
  const client = registryClientFor(ctx);
  const digest = await client.resolveDigest(ref);
  const at = signatureReference(ref, digest, "sbom", (n) => ctx.env(n));
  ctx.log.info(
    `Uploading SBOM file for [${referenceString(ref)}] to [${
      referenceString(at)
    }] with mediaType [${mediaType}].`,
  );
  const repo = { registry: at.registry, repository: at.repository };
  const layer = { mediaType, size: sbom.length, digest: sha256Digest(sbom) };
  // static.NewFile: the empty image's zero creation time.
  const img = buildSignatureImage([layer], { created: new Date("0001-01-01T00:00:00Z") });
  await client.putBlob(repo, sbom, { digest: layer.digest, mediaType });
  await client.putBlob(repo, img.config, {
    digest: img.configDigest,
    mediaType: img.configMediaType,
  });
  await client.putManifest(at, img.manifest, img.mediaType);
  return referenceString(at);
}

/** One SBOM as stored. */
export interface StoredSbom {
  /** The layer's media type (the SBOM format). */
  mediaType: string;
  /** The SBOM file's bytes (checked against the layer digest). */
  bytes: Uint8Array;
}

/**
 * The SBOMs stored for `image` (the layers of its `.sbom` image). Throws NO_SIGNATURES when
 * there is none, INVALID_INPUT, NOT_FOUND, TOO_LARGE and the registry's errors.
 *
 * @example
 * ```ts
 * const [sbom] = await downloadSboms(ctx, "localhost:5000/app:v1");
 * ```
 */
export async function downloadSboms(ctx: Context, image: string): Promise<StoredSbom[]> {
  const ref = parseReference(image);
  const client = registryClientFor(ctx);
  const digest = await client.resolveDigest(ref);
  const at = signatureReference(ref, digest, "sbom", (n) => ctx.env(n));
  const layers = await readSignatures(client, at);
  if (layers.length === 0) {
    throw new CosignError("NO_SIGNATURES", `no SBOMs attached to ${referenceString(ref)}`, {
      hint: "Attach one with `cosign-ts attach sbom --sbom FILE --type TYPE IMAGE`.",
    });
  }
  return layers.map((l) => ({ mediaType: l.descriptor.mediaType, bytes: l.payload }));
}
