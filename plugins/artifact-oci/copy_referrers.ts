/**
 * Copying the OCI 1.1 referrers of a manifest (cosign v3 stores signatures and attestations as
 * Sigstore bundles that refer to the image) from one repository to another: each referrer's
 * blobs and manifest go over by digest, and the destination's referrers list gains it (through
 * the registry's referrers API, or the `sha256-<hex>` fallback index on registries without one).
 * Referrers the destination already lists are skipped.
 *
 * `--only` kinds map onto referrers as cosign v3 writes them: a Sigstore bundle whose predicate
 * type is `https://sigstore.dev/cosign/sign/v1` is a signature (`sig`), other bundles and in-toto
 * statements are attestations (`att`), SPDX/CycloneDX artifacts are SBOMs (`sbom`).
 *
 * @example
 * ```ts
 * const n = await copyReferrers(client, srcRepo, dstRepo, digest, undefined, ctx);
 * ```
 * @module
 */
import { isCosignError } from "../../core/errors.ts";
import type { Context } from "../../core/plugin.ts";
import type { Descriptor, RegistryClient } from "../../oci/client.ts";
import { OCI_INDEX } from "../../oci/media_types.ts";
import { type Repository, repositoryString, withDigest, withTag } from "../../oci/reference.ts";
import { registrySink, registrySource } from "../../oci/registry_endpoint.ts";
import { type ImageSink, transferImage } from "../../oci/transfer.ts";
import type { SignatureSuffix } from "./layout.ts";
import { isSignatureReferrer } from "./referrer_bundles.ts";

/** Which `--only` kind a referrer belongs to, or undefined for other artifacts. */
export function referrerKind(d: Descriptor): SignatureSuffix | undefined {
  const at = d.artifactType ?? "";
  if (at.startsWith("application/vnd.dev.sigstore.bundle")) {
    // The rule verify, clean and --local-image use: no predicate type annotation = a signature.
    return isSignatureReferrer(d.annotations) ? "sig" : "att";
  }
  if (at === "application/vnd.in-toto+json" || at === "application/vnd.dsse.envelope.v1+json") {
    return "att";
  }
  if (/spdx|cyclonedx|syft/i.test(at)) return "sbom";
  return undefined;
}

/**
 * The referrers of `digest`, or undefined when the fallback tag `sha256-<hex>` holds something
 * that is not an index (cosign's copy anchor) on a registry without the referrers API.
 */
export async function listReferrers(
  client: RegistryClient,
  repo: Repository,
  digest: string,
  ctx: Context,
): Promise<Descriptor[] | undefined> {
  try {
    return await client.referrers(repo, digest);
  } catch (e) {
    if (isCosignError(e, "INVALID_INPUT")) {
      ctx.log.debug(`${repositoryString(repo)}: no referrers index for ${digest}: ${e.message}`);
      return undefined;
    }
    throw e;
  }
}

/**
 * The digests of the referrers `dst` already lists for `digest`. Where the fallback tag
 * `sha256-<hex>` holds something other than an index (cosign's copy anchor), it is replaced by an
 * empty referrers index so referrers can be added.
 */
export async function referrersIn(
  client: RegistryClient,
  dst: Repository,
  digest: string,
  ctx: Context,
): Promise<Set<string>> {
  const existing = await listReferrers(client, dst, digest, ctx);
  if (existing !== undefined) return new Set(existing.map((d) => d.digest));
  await client.putManifest(
    withTag(dst, digest.replace(":", "-")),
    new TextEncoder().encode(
      JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] }),
    ),
    OCI_INDEX,
  );
  return new Set();
}

/**
 * A sink whose root manifests are pushed as referrers of their `subject` (by digest, listed in
 * the registry's referrers API or the `sha256-<hex>` fallback index); blobs as usual.
 */
export function referrerSink(client: RegistryClient, dst: Repository): ImageSink {
  const plain = registrySink(client, dst);
  return {
    ...plain,
    async putManifest(m, tag) {
      let subject: unknown;
      try {
        subject = JSON.parse(new TextDecoder().decode(m.bytes))?.subject;
      } catch { /* not JSON: the registry will say so */ }
      if (tag || !subject) return await plain.putManifest(m, tag);
      await client.putReferrer(dst, m.bytes, m.mediaType);
    },
  };
}

/**
 * Copies the referrers of `digest` from `src` to `dst` (only those of `kinds` when given) and
 * returns how many were copied. A destination tag `sha256-<hex>` that holds something other than
 * an index (cosign's copy anchor) is replaced by the referrers index.
 */
export async function copyReferrers(
  client: RegistryClient,
  src: Repository,
  dst: Repository,
  digest: string,
  kinds: readonly SignatureSuffix[] | undefined,
  ctx: Context,
): Promise<number> {
  const found = (await listReferrers(client, src, digest, ctx)) ?? [];
  const wanted = found.filter((d) => {
    const k = referrerKind(d);
    return kinds === undefined || (k !== undefined && kinds.includes(k));
  });
  if (wanted.length === 0) return 0;
  const have = await referrersIn(client, dst, digest, ctx);
  const source = registrySource(client, src);
  const sink = referrerSink(client, dst);
  let copied = 0;
  for (const d of wanted) {
    if (have.has(d.digest)) continue;
    const m = await client.getManifest(withDigest(src, d.digest));
    ctx.log.info(
      `Copying referrer ${repositoryString(src)}@${d.digest} (${
        d.artifactType ?? m.mediaType
      }) to ${repositoryString(dst)}...`,
    );
    await transferImage(source, sink, { bytes: m.bytes, mediaType: m.mediaType, digest: m.digest });
    copied++;
  }
  return copied;
}
