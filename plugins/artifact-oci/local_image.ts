/**
 * cosign `verify --local-image`: an image saved with `cosign-ts save` (or `cosign save`), read
 * from its OCI image layout on disk, no registry involved. The artifact's digest is the layout's
 * image entry (`kind: dev.cosignproject.cosign/image` or `…/imageIndex`); its signatures are the
 * layers of the saved signature image (`…/sigs`), each read and checked against its digest.
 * The image's OCI 1.1 referrers saved beside it (`…/referrers/<hex>`) that hold cosign v3
 * signature bundles (predicate type sign/v1, or unannotated) are signatures too. Asked for
 * attestations (`verify-attestation --local-image`), the saved `…/atts` layers and the other
 * bundle referrers are listed instead. Payload claims and the JSON output are cosign's, as for
 * images in a registry.
 *
 * @example
 * ```ts
 * const artifact = await localImageArtifact("./saved", ctx);
 * const verified = await verifyArtifact(artifact, { ctx, verifier, ignoreTlog: true });
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type {
  Artifact,
  Context,
  Digest,
  StoredSignature as CoreStoredSignature,
  VerifiedSignature,
} from "../../core/plugin.ts";
import { KIND_ANNOTATION, LAYOUT_KINDS, OciLayout } from "../../oci/layout.ts";
import { rejectDuplicateKeys } from "../../core/strict_json.ts";
import { checkImageClaims, coreSignature } from "./oci_artifact.ts";
import {
  BUNDLE_ARTIFACT_TYPE,
  bundleLayer,
  isSignatureReferrer,
  SIGN_PREDICATE_TYPE,
} from "./referrer_bundles.ts";
import type { Descriptor } from "./layout.ts";
import { type StoredSignature, storedSignature } from "./stored_signature.ts";

/** Largest signature layer read from a layout (cosign's default attachment limit, 128 MiB). */
const MAX_SIGNATURE_LAYER = 128 * 1024 * 1024;
/** Largest saved referrer bundle read (as from a registry). */
const MAX_BUNDLE = 4 * 1024 * 1024;

/**
 * The image saved in the OCI layout `dir`, as an artifact with its saved signatures. Throws
 * CosignError("NOT_FOUND") when the layout has no image entry, and the layout's errors
 * (missing or malformed `index.json`, a blob that does not match its digest).
 */
export async function localImageArtifact(dir: string, _ctx: Context): Promise<Artifact> {
  const layout = await OciLayout.open(dir);
  const { manifests } = await layout.index();
  const kindOf = (d: { annotations?: Record<string, string> }) => d.annotations?.[KIND_ANNOTATION];
  const image = manifests.find((d) =>
    kindOf(d) === LAYOUT_KINDS.image || kindOf(d) === LAYOUT_KINDS.imageIndex
  );
  if (!image) {
    throw new CosignError(
      "NOT_FOUND",
      `Cannot verify "${dir}": the OCI layout holds no saved image`,
      {
        hint: "Save the image with `cosign-ts save --dir DIR IMAGE` first.",
      },
    );
  }
  const digest = image.digest;
  const saved = new Map<string, StoredSignature>();
  return {
    kind: "oci-layout",
    ref: dir,
    name: dir,
    digest(): Promise<Digest> {
      return Promise.resolve({ algorithm: "sha256", hex: digest.replace(/^sha256:/, "") });
    },
    title(): Promise<string> {
      return Promise.resolve(`image saved in "${dir}" (${digest})`);
    },
    // Signatures here cover cosign's simple-signing payload (so its claims are checked), but a
    // saved layout is only verified: nothing is signed through it.
    payload(): Promise<Uint8Array> {
      return Promise.reject(
        new CosignError("UNSUPPORTED", `Cannot sign the image saved in "${dir}"`, {
          hint: "Sign the image in its registry, then save it again.",
        }),
      );
    },
    async checkPayload(payload, _c, options): Promise<void> {
      if (options?.kind === "attestation") {
        const { checkAttestationClaims } = await import("./attestation_layer.ts");
        return checkAttestationClaims(payload, digest);
      }
      await checkImageClaims(payload, digest, options?.annotations ?? {});
    },
    async *signatures(_c, query): AsyncIterable<CoreStoredSignature> {
      // Signatures by default; attestations (saved .att layers, attestation referrers) on request.
      const kind = query?.kind ?? "signature";
      if (kind === "sbom") return;
      const att = kind === "attestation";
      const { attestationOfLayer } = await import("./attestation_layer.ts");
      const where = `${dir} (saved ${att ? "attestations" : "signatures"})`;
      const tagKind = att ? LAYOUT_KINDS.atts : LAYOUT_KINDS.sigs;
      for (const d of manifests.filter((m) => kindOf(m) === tagKind)) {
        const manifest = JSON.parse(new TextDecoder().decode(await layout.readBlob(d)));
        const layers: Descriptor[] = Array.isArray(manifest?.layers) ? manifest.layers : [];
        for (const l of layers) {
          const s = storedSignature(l, await layout.readBlob(l, MAX_SIGNATURE_LAYER));
          saved.set(l.digest, s);
          yield att ? attestationOfLayer(s, where) : coreSignature(s, where, "signature");
        }
      }
      // cosign v3 signatures: bundles saved as the image's OCI 1.1 referrers.
      const referrers = LAYOUT_KINDS.referrers + digest.slice("sha256:".length);
      for (const d of manifests.filter((m) => kindOf(m) === referrers)) {
        const location = `${dir} (saved referrer ${d.digest})`;
        const manifest = JSON.parse(new TextDecoder().decode(await layout.readBlob(d)));
        const type = manifest?.artifactType ?? manifest?.config?.mediaType;
        if (type !== BUNDLE_ARTIFACT_TYPE || isSignatureReferrer(manifest?.annotations) === att) {
          continue;
        }
        const layers: Descriptor[] = Array.isArray(manifest.layers) ? manifest.layers : [];
        const layer = bundleLayer(layers);
        if (!layer?.digest) {
          yield { kind, location, id: d.digest, problem: "it has no bundle layer" };
          continue;
        }
        const bytes = await layout.readBlob(layer, MAX_BUNDLE);
        rejectDuplicateKeys(bytes, `bundle ${location}`);
        const bundle: unknown = JSON.parse(new TextDecoder().decode(bytes));
        yield { kind, location, id: d.digest, bundle };
      }
    },
    async verifiedOutput(v: VerifiedSignature): Promise<string> {
      if (v.stored.bundle !== undefined) {
        // As for a v3 bundle in a registry: cosign's simple-signing item for the image.
        const { encodeSimpleSigning } = await import("./simple_signing.ts");
        return encodeSimpleSigning({
          dockerReference: dir,
          digest,
          type: SIGN_PREDICATE_TYPE,
          optional: {},
        });
      }
      const s = v.stored.id !== undefined ? saved.get(v.stored.id) : undefined;
      if (!s) return "null";
      const { verificationOutput } = await import("./verification_output.ts");
      return await verificationOutput(s);
    },
  };
}
