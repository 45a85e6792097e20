/**
 * cosign v3's image signatures: a Sigstore bundle v0.3 (DSSE over an in-toto v1 statement with
 * predicate type `https://sigstore.dev/cosign/sign/v1` whose subject is the image digest),
 * stored as an OCI 1.1 referrer of the image (artifact type
 * `application/vnd.dev.sigstore.bundle.v0.3+json`, the bundle JSON as its one layer). Found
 * through the referrers API or its tag-schema fallback, and verified by the Sigstore engine with
 * the image digest as the artifact (the statement's subject must name it).
 *
 * @example
 * ```ts
 * const found = await readSignatureBundles(client, repo, digest);
 * for (const b of found) await verifyBundle(b.bundle, { sha256 }, policy, trust);
 * ```
 * @module
 */
import type { Bundle } from "@sigstore/bundle";
import { CosignError, isCosignError } from "../../core/errors.ts";
import type { RegistryClient } from "../../oci/client.ts";
import { type Repository, repositoryString, withDigest } from "../../oci/reference.ts";
import { mapLimit } from "../../core/map_limit.ts";
import { rejectDuplicateKeys } from "../../core/strict_json.ts";

/** Artifact type of a Sigstore bundle v0.3 referrer. */
export const BUNDLE_ARTIFACT_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json";
/** In-toto predicate type of a cosign v3 image signature. */
export const SIGN_PREDICATE_TYPE = "https://sigstore.dev/cosign/sign/v1";
/** Manifest annotation naming a bundle referrer's predicate type. */
export const PREDICATE_TYPE_ANNOTATION = "dev.sigstore.bundle.predicateType";

/**
 * Whether a bundle referrer with these manifest annotations holds an image signature (predicate
 * type sign/v1, or none given) rather than an attestation.
 *
 * @example
 * ```ts
 * const wanted = refs.filter((d) => isSignatureReferrer(d.annotations));
 * ```
 */
export function isSignatureReferrer(annotations: Record<string, string> | undefined): boolean {
  const pt = annotations?.[PREDICATE_TYPE_ANNOTATION];
  return pt === undefined || pt === SIGN_PREDICATE_TYPE;
}

/**
 * The layer of a bundle referrer's manifest that holds the bundle: the one with the bundle
 * media type, else the first (undefined when there are none).
 *
 * @example
 * ```ts
 * const layer = bundleLayer(manifest.layers ?? []);
 * ```
 */
export function bundleLayer<T extends { mediaType?: string }>(layers: T[]): T | undefined {
  return layers.find((l) => l?.mediaType === BUNDLE_ARTIFACT_TYPE) ?? layers[0];
}

/** A bundle found as a referrer. */
export interface ReferrerBundle {
  /** Digest of the referrer manifest. */
  manifestDigest: string;
  /** The parsed bundle. */
  bundle: Bundle;
  /** The bundle's JSON value, as stored. */
  json: unknown;
}

/**
 * The signature bundles (predicate type sign/v1, or unannotated) referring to `digest` in
 * `repo` — or with `kind` "attestation", the bundles annotated with any other predicate type
 * (cosign v3 `attest --new-bundle-format`); [] when there are none, fetched `concurrency` at a
 * time (default 8; cosign's `--max-workers`). Bundles that do not parse are skipped with a
 * debug note via `onSkip` (which also gets the referrer's digest and the reason alone). Throws
 * AUTH/NETWORK.
 *
 * @example
 * ```ts
 * const bundles = await readSignatureBundles(client, { registry, repository }, digest);
 * ```
 */
export async function readSignatureBundles(
  client: RegistryClient,
  repo: Repository,
  digest: string,
  onSkip?: (why: string, manifestDigest: string, reason: string) => void,
  concurrency = 8,
  kind: "signature" | "attestation" = "signature",
): Promise<ReferrerBundle[]> {
  let refs;
  try {
    refs = await client.referrers(repo, digest, BUNDLE_ARTIFACT_TYPE);
  } catch (e) {
    if (isCosignError(e, "NOT_FOUND")) return [];
    throw e;
  }
  const wanted = refs.filter((d) => isSignatureReferrer(d.annotations) === (kind === "signature"));
  const { bundleFromJSONValue } = await import("../../core/bundle.ts");
  const found = await mapLimit(
    wanted,
    Math.max(1, concurrency),
    async (d): Promise<ReferrerBundle | undefined> => {
      const where = `${repositoryString(repo)}@${d.digest}`;
      try {
        const m = await client.getManifest(withDigest(repo, d.digest));
        const doc = JSON.parse(new TextDecoder().decode(m.bytes));
        const layer = bundleLayer<{ mediaType?: string; digest?: string; size?: number }>(
          doc.layers ?? [],
        );
        if (!layer?.digest) {
          throw new CosignError("INVALID_INPUT", "it has no bundle layer");
        }
        const bytes = await client.getBlobBytes(repo, layer.digest, {
          size: layer.size,
          maxSize: 4 * 1024 * 1024,
        });
        const json: unknown = JSON.parse(new TextDecoder().decode(bytes));
        rejectDuplicateKeys(bytes, `bundle ${where}`);
        const parsed = await bundleFromJSONValue(json, `bundle ${where}`);
        return { manifestDigest: d.digest, bundle: parsed.bundle, json };
      } catch (e) {
        if (isCosignError(e) && ["AUTH", "NETWORK"].includes(e.code)) throw e;
        onSkip?.(
          `skipping referrer ${where}: ${(e as Error).message}`,
          d.digest,
          (e as Error).message,
        );
        return undefined;
      }
    },
  );
  return found.filter((b): b is ReferrerBundle => b !== undefined);
}
