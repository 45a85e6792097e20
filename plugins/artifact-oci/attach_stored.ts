/**
 * Storing a signature or attestation of an image where cosign stores it (the oci artifact's
 * `attach`):
 *
 * - a Sigstore bundle (cosign v3, `--new-bundle-format`) becomes an OCI 1.1 referrer of the
 *   image (bundle_referrer.ts), annotated with the predicate type of its in-toto statement;
 * - a legacy signature becomes a layer of `sha256-<hex>.sig`, a legacy attestation (its payload
 *   is the signed DSSE envelope) a layer of `sha256-<hex>.att` (attestation_layer.ts), both
 *   appended race-free without duplicates, in the image's repository or `COSIGN_REPOSITORY`.
 *
 * @example
 * ```ts
 * const r = await attachStored(client, image, digest, stored, ctx, { publicKey });
 * console.log(r.location, r.added);
 * ```
 * @module
 */
import { base64 } from "@scure/base";
import { CosignError } from "../../core/errors.ts";
import { parseStatement } from "../../core/intoto.ts";
import type { AttachOptions, AttachResult, Context, StoredSignature } from "../../core/plugin.ts";
import type { RegistryClient } from "../../oci/client.ts";
import {
  type Reference,
  referenceString,
  type Repository,
  repositoryString,
  withDigest,
} from "../../oci/reference.ts";
import type { Descriptor } from "./layout.ts";
import { KIND_SUFFIX, signatureReference, signatureRepository } from "./signature_location.ts";

/**
 * The predicate type of an in-toto statement payload, or undefined when it is not a statement.
 *
 * @example
 * ```ts
 * statementPredicateType(envelope.payload); // "https://slsa.dev/provenance/v1"
 * ```
 */
export function statementPredicateType(payload: Uint8Array): string | undefined {
  try {
    return parseStatement(payload).predicateType;
  } catch {
    return undefined;
  }
}

/** A bundle JSON value's DSSE statement predicate type and content kind. */
function bundleContent(
  bundle: unknown,
  where: string,
): { content: "dsse-envelope" | "message-signature"; predicateType?: string } {
  const b = bundle as { dsseEnvelope?: { payload?: unknown }; messageSignature?: unknown };
  if (b?.dsseEnvelope && typeof b.dsseEnvelope.payload === "string") {
    let payload: Uint8Array;
    try {
      payload = base64.decode(b.dsseEnvelope.payload);
    } catch {
      throw new CosignError(
        "INVALID_INPUT",
        `Cannot attach to ${where}: the bundle's payload is not base64`,
      );
    }
    return { content: "dsse-envelope", predicateType: statementPredicateType(payload) };
  }
  if (b?.messageSignature) return { content: "message-signature" };
  throw new CosignError(
    "INVALID_INPUT",
    `Cannot attach to ${where}: the bundle holds neither a DSSE envelope nor a message signature`,
  );
}

/**
 * Stores `sig` for the image `image` (digest `digest`), see the module documentation. Throws
 * CosignError("INVALID_INPUT") for a bundle or attestation that cannot be stored, and the
 * registry's errors.
 *
 * @example
 * ```ts
 * await attachStored(client, r, "sha256:…", { kind: "attestation", location: ref, bundle }, ctx);
 * ```
 */
export async function attachStored(
  client: RegistryClient,
  image: Reference,
  digest: string,
  sig: StoredSignature,
  ctx: Context,
  options?: AttachOptions,
): Promise<AttachResult> {
  const env = (n: string) => ctx.env(n);
  const name = referenceString(image);
  if (sig.bundle !== undefined) {
    const { writeBundleReferrer } = await import("./bundle_referrer.ts");
    const bytes = new TextEncoder().encode(JSON.stringify(sig.bundle));
    const r = await writeBundleReferrer(
      client,
      withDigest(image, digest),
      bytes,
      bundleContent(sig.bundle, name),
    );
    const location = `${repositoryString(image)}@${r.digest}`;
    ctx.log.debug(
      `bundle stored as referrer ${location} (${r.via === "api" ? "referrers API" : "tag schema"})`,
    );
    return { location, added: true };
  }
  const legacy = sig.legacy;
  if (!legacy?.payload) {
    throw new CosignError(
      "UNSUPPORTED",
      `Cannot attach to ${name}: a legacy signature for an image needs its payload`,
      { hint: "Sign the image's simple-signing payload (cosign-ts sign)." },
    );
  }
  const sigRef = signatureReference(image, digest, KIND_SUFFIX[sig.kind], env);
  const [{ newSignatureLayer }, { appendSignatureLayer }, { attestationLayer }] = await Promise.all(
    [import("./layout.ts"), import("./sign_image.ts"), import("./attestation_layer.ts")],
  );
  let layer;
  let remove: ((existing: Descriptor[]) => Promise<Descriptor[]>) | undefined;
  if (options?.replace && sig.kind !== "attestation") {
    throw new CosignError("UNSUPPORTED", `Cannot replace signatures of ${name}: only attestations`);
  }
  if (sig.kind === "attestation") {
    const { parseEnvelope } = await import("../../core/dsse.ts");
    const envelope = parseEnvelope(legacy.payload, `for ${name}`);
    const predicateType = statementPredicateType(envelope.payload);
    if (!predicateType) {
      throw new CosignError(
        "INVALID_INPUT",
        `Cannot attach an attestation to ${name}: its payload is not an in-toto statement with a predicate type`,
      );
    }
    layer = attestationLayer(legacy.payload, predicateType, legacy);
    if (options?.replace) {
      const repo = { registry: sigRef.registry, repository: sigRef.repository };
      remove = (existing) => sameTypeLayers(client, repo, existing, predicateType);
    }
  } else {
    ctx.log.info(`Pushing signature to: ${repositoryString(signatureRepository(image, env))}`);
    layer = newSignatureLayer(legacy.payload, legacy.signature, {
      certificate: legacy.certificate,
      chain: legacy.chain !== undefined ? [legacy.chain] : undefined,
      bundle: legacy.rekorBundle,
      rfc3161Timestamp: legacy.rfc3161Timestamp,
    });
  }
  let spki = options?.publicKey?.spki;
  if (!spki && legacy.certificate) {
    const { pemCertificates } = await import("../../core/fulcio.ts");
    const { parseCertificate } = await import("../../core/verify/certificate.ts");
    const der = pemCertificates(legacy.certificate)[0];
    if (der) spki = (await parseCertificate(der)).spki;
  }
  const append = await appendSignatureLayer(client, sigRef, layer, {
    spki,
    env,
    log: ctx.log,
    remove,
  });
  const location = referenceString(sigRef);
  if (append.added.length === 0) ctx.log.debug(`${sig.kind} already present at ${location}`);
  return { location, added: append.added.length > 0 };
}

/**
 * The `.att` layers whose attestation has `predicateType` (cosign's ReplaceOp): by their
 * `predicateType` annotation, else by the statement in the layer's envelope.
 */
async function sameTypeLayers(
  client: RegistryClient,
  repo: Repository,
  existing: Descriptor[],
  predicateType: string,
): Promise<Descriptor[]> {
  const { parseEnvelope } = await import("../../core/dsse.ts");
  const out: Descriptor[] = [];
  for (const l of existing) {
    let pt = l.annotations?.predicateType;
    if (pt === undefined) {
      try {
        const bytes = await client.getBlobBytes(repo, l.digest, { size: l.size });
        pt = statementPredicateType(parseEnvelope(bytes).payload);
      } catch {
        continue; // not a readable attestation: left as it is
      }
    }
    if (pt === predicateType) out.push(l);
  }
  return out;
}
