/**
 * A WebAssembly binary that carries its own signature (a cosign-ts extension, no peer has it):
 * a Sigstore bundle in a custom section named {@link SIGNATURE_SECTION}.
 *
 * What is signed, exactly: the binary with every top-level custom section of that name removed
 * (each removed section is its id byte 0x00, its LEB128 size and its content; the header and all
 * other sections stay byte for byte, in order). The bundle is a Sigstore bundle v0.3 whose
 * message signature covers those bytes (SHA-256), i.e. exactly what `sign-blob
 * --new-bundle-format` writes for the binary without the section. So anyone can check it with
 * standard tools: cut the section out, save its content as a bundle file, and run `cosign
 * verify-blob --bundle` (or openssl on the bundle's signature) over the rest.
 *
 * Signing removes any previous signature section and appends the new one at the end (custom
 * sections may appear anywhere; engines ignore them, so the signed binary runs unchanged). A
 * binary with more than one signature section is refused when verifying.
 *
 * @example
 * ```ts
 * const { unsigned, bundles } = splitSignature(bytes, "app.wasm");
 * const signed = embedSignature(unsigned, bundleJson);
 * ```
 * @module
 */
import { concatBytes } from "../../core/concat_bytes.ts";
import { CosignError } from "../../core/errors.ts";
import { leb128, parseWasm, type WasmInfo } from "./wasm_binary.ts";

/** The custom section holding the embedded Sigstore bundle (JSON, UTF-8). */
export const SIGNATURE_SECTION = "cosign-ts.sigstore-bundle";

/** A binary split into what is signed and the embedded bundles. */
export interface SplitWasm {
  /** What the binary is (parsed from the whole binary). */
  info: WasmInfo;
  /** The binary without its signature sections: the signed bytes. */
  unsigned: Uint8Array;
  /** The content (bundle JSON text) of each signature section, in order. */
  bundles: string[];
}

/**
 * Checks the binary and splits off its signature sections (see the module doc). Throws
 * CosignError("INVALID_INPUT") for a binary that is not well-formed or a section that is not
 * UTF-8.
 */
export function splitSignature(bytes: Uint8Array, what: string): SplitWasm {
  const info = parseWasm(bytes, what);
  const keep: Uint8Array[] = [bytes.subarray(0, 8)];
  const bundles: string[] = [];
  for (const s of info.sections) {
    if (s.id === 0 && s.name === SIGNATURE_SECTION) {
      try {
        bundles.push(
          new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(s.dataStart, s.end)),
        );
      } catch {
        throw new CosignError(
          "INVALID_INPUT",
          `Cannot read the embedded signature of "${what}": its ${SIGNATURE_SECTION} section is not UTF-8`,
        );
      }
    } else {
      keep.push(bytes.subarray(s.start, s.end));
    }
  }
  return { info, unsigned: concatBytes(keep), bundles };
}

/**
 * The binary `unsigned` (without signature sections) with `bundleJson` appended as a
 * {@link SIGNATURE_SECTION} custom section.
 *
 * @example
 * ```ts
 * const signed = embedSignature(unsigned, '{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json",…}');
 * ```
 */
export function embedSignature(unsigned: Uint8Array, bundleJson: string): Uint8Array {
  const enc = new TextEncoder();
  const name = enc.encode(SIGNATURE_SECTION);
  const data = enc.encode(bundleJson);
  const content = [...leb128(name.length), ...name];
  const size = content.length + data.length;
  return concatBytes([unsigned, new Uint8Array([0x00, ...leb128(size), ...content]), data]);
}
