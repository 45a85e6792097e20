/**
 * A local .wasm file as a self-signed artifact, named `wasm://PATH` (`wasm://./app.wasm`,
 * `wasm:///abs/app.wasm`): its digest and content are the binary without its embedded signature
 * section (wasm_signature.ts), and its one stored signature is the Sigstore bundle in that
 * section. `verify-blob --key KEY wasm://app.wasm` checks it offline, without `--bundle`.
 *
 * @example
 * ```ts
 * const a = await wasmFileArtifact("wasm://app.wasm", ctx);
 * for await (const s of a.signatures!(ctx)) console.log(s.location);
 * ```
 * @module
 */
import { toHex } from "../../core/encoding.ts";
import { CosignError } from "../../core/errors.ts";
import type {
  Artifact,
  Context,
  Digest,
  HashAlgorithm,
  SignatureQuery,
  StoredSignature,
} from "../../core/plugin.ts";
import { storedSignatureFromBundleJSON } from "../../core/legacy_signature.ts";
import { rejectDuplicateKeys } from "../../core/strict_json.ts";
import { digest as hashBytes } from "../../core/verify/public_key.ts";
import { readSmallFile } from "../../cli/blob_input.ts";
import { MAX_WASM_BYTES } from "./wasm_oci.ts";
import { SIGNATURE_SECTION, splitSignature, type SplitWasm } from "./wasm_signature.ts";

/** The reference prefix of self-signed wasm files. */
export const WASM_FILE_PREFIX = "wasm://";

/** The file path of a `wasm://PATH` reference. */
export function wasmFilePath(ref: string): string {
  return ref.slice(WASM_FILE_PREFIX.length);
}

/**
 * The artifact for `wasm://PATH` (see the module doc). The file is read (at most
 * {@link MAX_WASM_BYTES}) and checked on first use: CosignError NOT_FOUND/IO/TOO_LARGE, and
 * INVALID_INPUT for a binary that is not well-formed or has more than one signature section.
 */
export function wasmFileArtifact(ref: string, _ctx: Context): Artifact {
  const path = wasmFilePath(ref);
  if (!path) {
    throw new CosignError("USAGE", `Cannot use "${ref}": no file path after wasm://`, {
      hint: "Write wasm://PATH, e.g. wasm://./app.wasm.",
    });
  }
  let loaded: Promise<SplitWasm> | undefined;
  const load = () =>
    loaded ??= readSmallFile(path, MAX_WASM_BYTES, "wasm file").then((b) => {
      const split = splitSignature(b, path);
      if (split.bundles.length > 1) {
        throw new CosignError(
          "INVALID_INPUT",
          `Cannot use "${path}": it has ${split.bundles.length} ${SIGNATURE_SECTION} sections (at most one is allowed)`,
          { hint: "Sign it again with `cosign-ts sign-wasm`, which keeps exactly one." },
        );
      }
      return split;
    });
  return {
    kind: "wasm",
    ref,
    name: path,
    async digest(algorithm: HashAlgorithm = "sha256"): Promise<Digest> {
      return { algorithm, hex: toHex(await hashBytes(algorithm, (await load()).unsigned)) };
    },
    async open(): Promise<ReadableStream<Uint8Array>> {
      const { unsigned } = await load();
      return new Blob([unsigned as BlobPart]).stream();
    },
    async title(): Promise<string> {
      const { info } = await load();
      return `wasm ${info.kind} ${path}`;
    },
    async describe(): Promise<string[]> {
      const { info, unsigned } = await load();
      return [`wasm ${info.kind}: ${unsigned.length} signed bytes (without its signature section)`];
    },
    async *signatures(_c: Context, query?: SignatureQuery): AsyncIterable<StoredSignature> {
      if (query?.kind && query.kind !== "signature") return;
      const location = `${path}#${SIGNATURE_SECTION}`;
      for (const text of (await load()).bundles) {
        let value: unknown;
        try {
          value = JSON.parse(text);
          rejectDuplicateKeys(text, `embedded bundle of "${path}"`);
        } catch (e) {
          yield {
            kind: "signature",
            location,
            problem: e instanceof CosignError
              ? e.message
              : `the ${SIGNATURE_SECTION} section is not JSON`,
          };
          continue;
        }
        yield await storedSignatureFromBundleJSON(value, location);
      }
    },
  };
}
