/**
 * cosign `verify --local-image`: an image saved with `cosign-ts save` (or `cosign save`), read
 * from its OCI image layout on disk, no registry involved. The artifact's digest is the layout's
 * image entry (`kind: dev.cosignproject.cosign/image` or `…/imageIndex`); its signatures are the
 * layers of the saved signature image (`…/sigs`), each read and checked against its digest.
 * Payload claims and the JSON output are cosign's, as for images in a registry. OCI 1.1
 * referrers saved beside the image (cosign v3 bundles) are not read.
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
import { coreSignature } from "./oci_artifact.ts";
import type { Descriptor } from "./layout.ts";
import { type StoredSignature, storedSignature } from "./stored_signature.ts";

/** Largest signature layer read from a layout (cosign's default attachment limit, 128 MiB). */
const MAX_SIGNATURE_LAYER = 128 * 1024 * 1024;

function claims(message: string): CosignError {
  return new CosignError("VERIFY", message, { check: "claims" });
}

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
      const { checkClaims, parseSimpleSigningPayload } = await import("./simple_signing.ts");
      let p;
      try {
        p = parseSimpleSigningPayload(payload);
      } catch (e) {
        throw claims((e as Error).message);
      }
      const why = checkClaims(p, digest, options?.annotations ?? {});
      if (why) throw claims(why);
    },
    async *signatures(): AsyncIterable<CoreStoredSignature> {
      const where = `${dir} (saved signatures)`;
      for (const d of manifests.filter((m) => kindOf(m) === LAYOUT_KINDS.sigs)) {
        const manifest = JSON.parse(new TextDecoder().decode(await layout.readBlob(d)));
        const layers: Descriptor[] = Array.isArray(manifest?.layers) ? manifest.layers : [];
        for (const l of layers) {
          const s = storedSignature(l, await layout.readBlob(l, MAX_SIGNATURE_LAYER));
          saved.set(l.digest, s);
          yield coreSignature(s, where, "signature");
        }
      }
    },
    async verifiedOutput(v: VerifiedSignature): Promise<string> {
      const s = v.stored.id !== undefined ? saved.get(v.stored.id) : undefined;
      if (!s) return "null";
      const { verificationOutput } = await import("./verification_output.ts");
      return await verificationOutput(s);
    },
  };
}
