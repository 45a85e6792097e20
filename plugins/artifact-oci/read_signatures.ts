/**
 * Reading a signature image back from a registry: the manifest at `sha256-<hex>.sig` (or
 * `.att`/`.sbom`), and the payload of every layer, fetched in parallel, each distinct blob once,
 * each checked against its digest and size by the client.
 *
 * @example
 * ```ts
 * const sigRef = signatureReference(image, digest, "sig", ctx.env);
 * const sigs = await readSignatures(client, sigRef); // [] when there is no signature image
 * ```
 * @module
 */
import { CosignError, isCosignError } from "../../core/errors.ts";
import type { RegistryClient } from "../../oci/client.ts";
import { type Reference, referenceString } from "../../oci/reference.ts";
import { parseSignatureManifest, type SignatureManifest } from "./layout.ts";
import { checkSignatureBudget } from "./signature_budget.ts";
import { type StoredSignature, storedSignature } from "./stored_signature.ts";

/** Most blobs fetched at once. */
export const FETCH_CONCURRENCY = 16;

/** A signature image as found in the registry. */
export interface SignatureImageState {
  /** The parsed manifest. */
  manifest: SignatureManifest;
  /** Its digest. */
  digest: string;
  /** Its exact bytes. */
  bytes: Uint8Array;
}

/**
 * The signature image at `sigRef`, or undefined when the tag (or repository) does not exist.
 * Throws CosignError("INVALID_INPUT") when something that is not a signature manifest sits at
 * the tag; AUTH/NETWORK from the client.
 *
 * @example
 * ```ts
 * const state = await readSignatureImage(client, sigRef);
 * console.log(state?.manifest.layers.length ?? 0);
 * ```
 */
export async function readSignatureImage(
  client: RegistryClient,
  sigRef: Reference,
): Promise<SignatureImageState | undefined> {
  let m;
  try {
    m = await client.getManifest(sigRef);
  } catch (e) {
    if (isCosignError(e, "NOT_FOUND")) return undefined;
    throw e;
  }
  try {
    return { manifest: parseSignatureManifest(m.bytes), digest: m.digest, bytes: m.bytes };
  } catch (e) {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot read signatures at ${referenceString(sigRef)}: ${(e as Error).message}`,
      { hint: `Inspect it, or remove it with \`cosign-ts clean\` and sign again.`, cause: e },
    );
  }
}

/**
 * Reads every signature stored at `sigRef`: [] when there is none. Payloads are fetched in
 * parallel (`concurrency`, default {@link FETCH_CONCURRENCY}; verify's `--max-workers`), each
 * distinct digest once; digests and sizes are
 * checked (CosignError("VERIFY") for a tampered layer), sizes capped
 * (`COSIGN_MAX_ATTACHMENT_SIZE`), and their total size and number bounded before anything is
 * fetched (see {@link checkSignatureBudget}: CosignError("TOO_LARGE") naming the budget).
 *
 * @example
 * ```ts
 * for (const s of await readSignatures(client, sigRef)) console.log(s.base64Signature);
 * ```
 */
export async function readSignatures(
  client: RegistryClient,
  sigRef: Reference,
  state?: SignatureImageState,
  concurrency: number = FETCH_CONCURRENCY,
): Promise<StoredSignature[]> {
  const img = state ?? await readSignatureImage(client, sigRef);
  if (!img) return [];
  const layers = img.manifest.layers;
  const distinct = [...new Map(layers.map((l) => [l.digest, l])).values()];
  checkSignatureBudget(client, distinct, referenceString(sigRef));
  const repo = { registry: sigRef.registry, repository: sigRef.repository };
  // One registry operation for all the layers: one deadline, not one per layer.
  const blobs = await client.getBlobsBytes(repo, distinct, {
    concurrency: Math.max(1, concurrency),
    what: "download the signature layers of",
    mapError: (e, i) => {
      // A missing layer is the signature image's fault; anything else (network, deadline,
      // cancel: the operation reports those) passes as it is.
      if (!isCosignError(e, "NOT_FOUND")) return e;
      return new CosignError(
        "INVALID_INPUT",
        `Cannot read signature layer ${distinct[i].digest} of ${referenceString(sigRef)}: ${
          (e as Error).message
        }`,
        { cause: e },
      );
    },
  });
  const byDigest = new Map(distinct.map((l, i) => [l.digest, blobs[i]]));
  return layers.map((l) => storedSignature(l, byDigest.get(l.digest)!));
}
