/**
 * Signing one image digest as `cosign sign --key` does: build the simple-signing payload for
 * `repo@digest`, sign it, wrap it in a signature layer (with the signer's certificate chain and
 * a Rekor bundle when given) and append it race-free to `sha256-<hex>.sig` in the image's
 * repository or `COSIGN_REPOSITORY`. Signing the same payload again with the same key adds no
 * layer (cosign's duplicate detection).
 *
 * Also the index walk for `--recursive`: an index, its child manifests, their children.
 *
 * @example
 * ```ts
 * const r = await signImageDigest({ client, signer, image: withDigest(repo, digest), env: ctx.env });
 * console.log(r.sigRef, r.append.added.length);
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { Logger, Signer } from "../../core/plugin.ts";
import { verifierFromSpki } from "../../core/keys/verifier.ts";
import type { RegistryClient } from "../../oci/client.ts";
import {
  type Reference,
  type Repository,
  repositoryString,
  withDigest,
} from "../../oci/reference.ts";
import { type AppendOptions, type AppendResult, appendSignatures } from "./append_signatures.ts";
import {
  findDuplicate,
  newSignatureLayer,
  type SignatureLayer,
  useDockerMediaTypes,
} from "./layout.ts";
import { signatureReference } from "./signature_location.ts";
import { simpleSigningPayload } from "./simple_signing.ts";
import { walkManifests } from "./manifest_walk.ts";

/** Options for {@link signImageDigest}. */
export interface SignImageOptions {
  /** Registry client. */
  client: RegistryClient;
  /** The key. */
  signer: Signer;
  /** The image, by digest. */
  image: Reference;
  /** `-a k=v` annotations (null/undefined: `"optional":null`). */
  annotations?: Record<string, unknown> | null;
  /** A payload to sign instead of generating one (`--payload`). */
  payload?: Uint8Array;
  /** Environment (COSIGN_REPOSITORY, COSIGN_DOCKER_MEDIA_TYPES). */
  env: (name: string) => string | undefined;
  /**
   * Collects transparency-log and timestamp evidence for a signature, given the payload, the
   * signature and the signer's PEM public key or certificate: returns the layer annotations'
   * values (`bundle`: cosign's Rekor bundle JSON; `rfc3161Timestamp`: its timestamp JSON).
   */
  witness?: (
    payload: Uint8Array,
    signature: Uint8Array,
    pem: string,
  ) => Promise<{ bundle?: string; rfc3161Timestamp?: string }>;
  /** Skip writing to the registry (`--upload=false`). */
  noUpload?: boolean;
  /** Diagnostics. */
  log?: Logger;
}

/** What {@link signImageDigest} did. */
export interface SignImageResult {
  /** Where the signature went. */
  sigRef: Reference;
  /** The signed payload. */
  payload: Uint8Array;
  /** The raw signature. */
  signature: Uint8Array;
  /** The layer built. */
  layer: SignatureLayer;
  /** The append outcome (undefined with noUpload). */
  append?: AppendResult;
}

/**
 * Signs one image digest and stores the signature (see the module documentation). Throws
 * CosignError("INVALID_INPUT") for a reference without digest; errors of the signer, the
 * transparency log and the registry.
 *
 * @example
 * ```ts
 * await signImageDigest({ client, signer, image, annotations: { env: "prod" }, env: ctx.env });
 * ```
 */
export async function signImageDigest(o: SignImageOptions): Promise<SignImageResult> {
  const digest = o.image.digest;
  if (!digest) {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot sign ${o.image.original}: no digest (resolve it first)`,
    );
  }
  const payload = o.payload ??
    simpleSigningPayload(repositoryString(o.image), digest, o.annotations ?? null);
  const signature = await o.signer.sign(payload);
  const chain = await o.signer.certificateChain?.();
  const material = await o.signer.publicKey();
  const w = o.witness ? await o.witness(payload, signature, chain?.[0] ?? material.pem) : {};
  const layer = newSignatureLayer(payload, signature, {
    certificate: chain?.[0],
    chain: chain?.slice(1),
    bundle: w.bundle,
    rfc3161Timestamp: w.rfc3161Timestamp,
  });
  const sigRef = signatureReference(o.image, digest, "sig", o.env);
  if (o.noUpload) return { sigRef, payload, signature, layer };
  const append = await appendSignatureLayer(o.client, sigRef, layer, {
    spki: material.spki,
    env: o.env,
    log: o.log,
  });
  return { sigRef, payload, signature, layer, append };
}

/** Options for {@link appendSignatureLayer}. */
export interface AppendSignatureLayerOptions {
  /** The signer's public key (SPKI DER): an equivalent layer it signed is not added again. */
  spki?: Uint8Array;
  /** Environment (COSIGN_DOCKER_MEDIA_TYPES). */
  env: (name: string) => string | undefined;
  /** Diagnostics. */
  log?: Logger;
  /** Layers to remove in the same write (see {@link AppendOptions.remove}). */
  remove?: AppendOptions["remove"];
}

/**
 * Appends one signature layer to the signature image at `sigRef`, race-free, skipping it when an
 * equivalent signature by the same key is already there (cosign's DupeDetector). Errors are
 * those of {@link appendSignatures}.
 *
 * @example
 * ```ts
 * const r = await appendSignatureLayer(client, sigRef, layer, { spki, env: (n) => ctx.env(n) });
 * console.log(r.added.length); // 0 when it was already there
 * ```
 */
export async function appendSignatureLayer(
  client: RegistryClient,
  sigRef: Reference,
  layer: SignatureLayer,
  o: AppendSignatureLayerOptions,
): Promise<AppendResult> {
  const verifier = o.spki ? verifierFromSpki(o.spki) : undefined;
  return await appendSignatures(client, sigRef, [layer], {
    docker: useDockerMediaTypes(o.env),
    findDuplicate: verifier
      ? (existing, candidate, p) =>
        findDuplicate(existing, candidate, p, (m, s) => verifier.verify(m, s))
      : undefined,
    log: o.log,
    remove: o.remove,
  });
}

/** Deepest index nesting followed by {@link manifestTree} (the copy walk's too). */
export { MAX_INDEX_DEPTH } from "../../oci/transfer.ts";

/**
 * The digests `cosign sign --recursive` signs for `digest`: the manifest itself and, when it is
 * an index, every manifest it lists (recursively), parents first, each once (walkManifests, as
 * `copy` walks). Throws NOT_FOUND when the root does not exist; INVALID_INPUT for a malformed or
 * too deeply nested index.
 *
 * @example
 * ```ts
 * for (const d of await manifestTree(client, repo, indexDigest)) console.log(d);
 * ```
 */
export async function manifestTree(
  client: RegistryClient,
  repo: Repository,
  digest: string,
): Promise<string[]> {
  const root = await client.getManifest(withDigest(repo, digest));
  return (await walkManifests(client, repo, { ...root, digest })).map((m) => m.digest);
}
