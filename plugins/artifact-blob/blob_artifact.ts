/**
 * The "blob" artifact type: local files, standard input (`-`), and a bare digest
 * (`sha256:<64 hex>`, which verify-blob accepts instead of a file, as cosign does). Content is
 * digested as a stream, never held in memory; signatures cover the content itself (no payload).
 *
 * Signature store (files only): the bundle files beside the blob, `<file>.sigstore.json` (a
 * Sigstore bundle) and `<file>.bundle` (cosign's legacy bundle). `signatures()` lists those that
 * exist; `attach()` writes them atomically (`sign ./file`). sign-blob and verify-blob never use
 * the store: they write and read the files their flags name.
 *
 * @example
 * ```ts
 * const artifact = await blobArtifactType.resolve("./release.tar.gz", ctx);
 * const { hex } = await artifact.digest(); // sha256
 * ```
 * @module
 */
import { readFile } from "node:fs/promises";
import { CosignError, describeError } from "../../core/errors.ts";
import {
  type Artifact,
  type ArtifactType,
  type AttachResult,
  type Context,
  type Digest,
  type HashAlgorithm,
  type SignatureQuery,
  type StoredSignature,
} from "../../core/plugin.ts";
import { digestFile, digestStream, hex, openFileStream } from "./stream_digest.ts";
import { rejectDuplicateKeys } from "../../core/strict_json.ts";
import {
  BLOB_ARTIFACT_DESCRIPTION,
  claimsBlobReference,
  DIGEST_REF,
  isDigestRef,
} from "./plugin.ts";

export { isDigestRef };

/** A resolved blob; `path` is undefined for standard input and for a bare digest. */
export interface BlobArtifact extends Artifact {
  /** "blob". */
  readonly kind: "blob";
  /** "file", "stdin" or "digest". */
  readonly source: "file" | "stdin" | "digest";
  /** The file path, when the blob is a file. */
  readonly path?: string;
}

function fileArtifact(ref: string): BlobArtifact {
  const cache = new Map<HashAlgorithm, Digest>();
  return {
    kind: "blob",
    ref,
    source: "file",
    path: ref,
    async digest(algorithm: HashAlgorithm = "sha256") {
      const hit = cache.get(algorithm);
      if (hit) return hit;
      const d = await digestFile(ref, [algorithm]);
      const out: Digest = { algorithm, hex: hex(d[algorithm]!) };
      cache.set(algorithm, out);
      return out;
    },
    open: () => openFileStream(ref),
    async *signatures(_ctx: Context, query?: SignatureQuery): AsyncIterable<StoredSignature> {
      if (query?.kind && query.kind !== "signature") return;
      const { storedSignatureFromBundleJSON } = await import("../../core/legacy_signature.ts");
      for (const path of [`${ref}.sigstore.json`, `${ref}.bundle`]) {
        let text: string;
        try {
          text = await readFile(path, "utf8");
        } catch (e) {
          if ((e as { code?: string }).code === "ENOENT") continue;
          throw new CosignError("IO", `Cannot read bundle "${path}": ${describeError(e)}`);
        }
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          yield { kind: "signature", location: path, problem: `"${path}" is not JSON` };
          continue;
        }
        try {
          rejectDuplicateKeys(text, `bundle "${path}"`);
          yield await storedSignatureFromBundleJSON(value, path);
        } catch (e) {
          if (!(e instanceof CosignError)) throw e;
          yield { kind: "signature", location: path, problem: e.message };
        }
      }
    },
    async attach(sig: StoredSignature): Promise<AttachResult> {
      const { legacyBlobBundleText } = await import("../../core/legacy_signature.ts");
      if (sig.legacy?.payload) {
        throw new CosignError(
          "UNSUPPORTED",
          `Cannot store a payload signature beside blob "${ref}": blob signatures cover the content`,
        );
      }
      const path = sig.bundle !== undefined ? `${ref}.sigstore.json` : `${ref}.bundle`;
      const text = sig.bundle !== undefined
        ? JSON.stringify(sig.bundle)
        : legacyBlobBundleText(sig.legacy!);
      const { writeFileAtomic } = await import("../../runtime/atomic_file.ts");
      await writeFileAtomic(path, text);
      return { location: path, added: true };
    },
  };
}

function stdinArtifact(ctx: Context): BlobArtifact {
  // Standard input can be read once: the first digest() or open() consumes it.
  let used: "digest" | "open" | undefined;
  let digested: HashAlgorithm | undefined;
  let result: Promise<Digest> | undefined;
  const consumed = (what: string) =>
    new CosignError(
      "UNSUPPORTED",
      `Cannot ${what} standard input: it was already read`,
      { hint: "Pass the content as a file instead of -." },
    );
  return {
    kind: "blob",
    ref: "-",
    source: "stdin",
    digest(algorithm: HashAlgorithm = "sha256") {
      if (used === "digest" && digested === algorithm && result) return result;
      if (used) return Promise.reject(consumed(`compute the ${algorithm} digest of`));
      used = "digest";
      digested = algorithm;
      result = digestStream(ctx.runtime.stdin(), [algorithm]).then((d) => ({
        algorithm,
        hex: hex(d[algorithm]!),
      }));
      return result;
    },
    open() {
      if (used) return Promise.reject(consumed("read"));
      used = "open";
      return Promise.resolve(ctx.runtime.stdin());
    },
  };
}

function digestArtifact(ref: string): BlobArtifact {
  const m = DIGEST_REF.exec(ref)!;
  const given: Digest = { algorithm: m[1] as HashAlgorithm, hex: m[2].toLowerCase() };
  return {
    kind: "blob",
    ref,
    source: "digest",
    digest(algorithm: HashAlgorithm = "sha256") {
      if (algorithm !== given.algorithm) {
        return Promise.reject(
          new CosignError(
            "UNSUPPORTED",
            `Cannot compute the ${algorithm} digest of "${ref}": only its ${given.algorithm} digest is known`,
            { hint: "Pass the file itself instead of its digest." },
          ),
        );
      }
      return Promise.resolve(given);
    },
  };
}

/**
 * The blob artifact type. Claims `-`, `sha256:<hex>` (also sha384/sha512) and local paths
 * (absolute, `./`, `../`, or any name that exists on disk).
 */
export const blobArtifactType: ArtifactType = {
  kind: "blob",
  description: BLOB_ARTIFACT_DESCRIPTION,
  claims: claimsBlobReference,
  resolve(ref: string, ctx: Context): Promise<BlobArtifact> {
    if (ref === "") {
      return Promise.reject(
        new CosignError("USAGE", "Cannot resolve an empty blob path", {
          hint: "Give a file path, or - for standard input.",
        }),
      );
    }
    if (ref === "-") return Promise.resolve(stdinArtifact(ctx));
    if (isDigestRef(ref)) return Promise.resolve(digestArtifact(ref));
    return Promise.resolve(fileArtifact(ref));
  },
};
