/**
 * Removing an image's signatures, attestations or SBOMs by deleting the
 * `sha256-<hex>.sig|.att|.sbom` manifests, as `cosign clean` does, and for signatures and
 * attestations also the cosign v3 bundle referrers of that kind (deleted, and taken out of the
 * referrers tag schema's index). A kind that is absent is not an error.
 *
 * @example
 * ```ts
 * await cleanAttachments(ctx, "localhost:5000/app:v1", ["sig", "att", "sbom"]);
 * ```
 * @module
 */
import { isCosignError } from "../../core/errors.ts";
import type { Context } from "../../core/plugin.ts";
import type { RegistryClient } from "../../oci/client.ts";
import {
  parseReference,
  referenceString,
  type Repository,
  repositoryString,
  withDigest,
} from "../../oci/reference.ts";
import { registryClientFor } from "../../oci/registry_options.ts";
import type { SignatureSuffix } from "./layout.ts";
import { signatureReference } from "./signature_location.ts";

/**
 * Deletes the attachments of `kinds` stored for `image`, logging each removal on `ctx.log`.
 * Throws CosignError INVALID_INPUT (bad reference), NOT_FOUND (no such image), UNSUPPORTED (the
 * registry forbids deletes), and the registry client's errors.
 */
export async function cleanAttachments(
  ctx: Context,
  image: string,
  kinds: readonly SignatureSuffix[],
): Promise<void> {
  const ref = parseReference(image);
  const client = registryClientFor(ctx);
  const digest = await client.resolveDigest(ref);
  for (const suffix of kinds) {
    const at = signatureReference(ref, digest, suffix, (n) => ctx.env(n));
    try {
      await client.deleteManifest(at);
      ctx.log.info(`Removed ${referenceString(at)} from ${image}`);
    } catch (e) {
      if (!isCosignError(e, "NOT_FOUND")) throw e; // nothing of that kind: not an error
    }
    if (suffix !== "sbom") {
      await cleanBundleReferrers(
        ctx,
        client,
        ref,
        digest,
        suffix === "sig" ? "signature" : "attestation",
      );
    }
  }
}

/**
 * Deletes the cosign v3 bundle referrers of `digest` of one kind (signatures: predicate type
 * sign/v1 or none; attestations: any other) and removes them from the referrers tag schema's
 * index (race-free), logging each removal.
 */
async function cleanBundleReferrers(
  ctx: Context,
  client: RegistryClient,
  repo: Repository,
  digest: string,
  kind: "signature" | "attestation",
): Promise<void> {
  const { BUNDLE_ARTIFACT_TYPE, isSignatureReferrer } = await import("./referrer_bundles.ts");
  const all = await client.referrers(repo, digest, BUNDLE_ARTIFACT_TYPE);
  const gone = all.filter((d) => isSignatureReferrer(d.annotations) === (kind === "signature"))
    .map((d) => d.digest);
  if (gone.length === 0) return;
  for (const d of gone) {
    try {
      await client.deleteManifest(withDigest(repo, d));
    } catch (e) {
      if (!isCosignError(e, "NOT_FOUND")) throw e;
    }
    ctx.log.info(
      `Removed ${repositoryString(repo)}@${d} from ${referenceString(withDigest(repo, digest))}`,
    );
  }
  await client.updateReferrersIndex(repo, digest, (entries) => {
    const kept = entries.filter((e) => !gone.includes(e.digest));
    return kept.length === entries.length ? undefined : kept;
  });
}

/**
 * Checks that `image` is a valid image reference, before a command asks questions or reads
 * other inputs. Throws CosignError("INVALID_INPUT") naming the reference.
 *
 * @example
 * ```ts
 * checkImageReference("localhost:5000/app:v1");
 * ```
 */
export function checkImageReference(image: string): void {
  parseReference(image);
}
