/**
 * Where cosign keeps the attachments of an image: tag `sha256-<hex>.sig|.att|.sbom` in the
 * image's repository, or in the repository named by `COSIGN_REPOSITORY` when it is set.
 *
 * @example
 * ```ts
 * const ref = signatureReference(imageRef, "sha256:…", "sig", ctx.env);
 * referenceString(ref); // "localhost:5000/app:sha256-….sig"
 * ```
 * @module
 */
import type { SignatureKind } from "../../core/plugin.ts";
import { parseRepository, type Reference, type Repository, withTag } from "../../oci/reference.ts";
import { type SignatureSuffix, signatureTag } from "./layout.ts";

/**
 * The tag suffix cosign stores each kind under (`.sig`, `.att`, `.sbom`).
 *
 * @example
 * ```ts
 * signatureReference(img, digest, KIND_SUFFIX.attestation, ctx.env);
 * ```
 */
export const KIND_SUFFIX: Readonly<Record<SignatureKind, SignatureSuffix>> = {
  signature: "sig",
  attestation: "att",
  sbom: "sbom",
};

/**
 * The repository signatures go to: `COSIGN_REPOSITORY` when set (a repository, no tag), else
 * the image's. Throws CosignError("INVALID_INPUT") for a malformed COSIGN_REPOSITORY.
 *
 * @example
 * ```ts
 * signatureRepository({ registry: "r", repository: "app" }, () => "localhost:5000/sigs");
 * ```
 */
export function signatureRepository(
  image: Repository,
  env: (name: string) => string | undefined,
): Repository {
  const override = env("COSIGN_REPOSITORY");
  if (override !== undefined && override !== "") return parseRepository(override);
  return { registry: image.registry, repository: image.repository };
}

/**
 * The reference of the signature (or attestation/SBOM) image for `digest`.
 *
 * @example
 * ```ts
 * signatureReference(img, digest, "att", ctx.env).tag; // "sha256-….att"
 * ```
 */
export function signatureReference(
  image: Repository,
  digest: string,
  suffix: SignatureSuffix,
  env: (name: string) => string | undefined,
): Reference {
  return withTag(signatureRepository(image, env), signatureTag(digest, suffix));
}
