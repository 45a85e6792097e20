/**
 * `sign-wasm`: signs a .wasm file with a key and embeds the Sigstore bundle in it (a cosign-ts
 * extension, see wasm_signature.ts for exactly what is signed). The signature is made by the one
 * sign path (core/sign.ts `signArtifact`, a Sigstore bundle v0.3 over the binary without its
 * signature section) with any key provider; the signed binary replaces the file (or goes to
 * `--output-wasm`) atomically, never half-written.
 *
 * @example
 * ```ts
 * await signWasmFile(ctx, { path: "app.wasm", key: "cosign.key" }); // "app.wasm"
 * ```
 * @module
 */
import type { Context } from "../../core/plugin.ts";
import { readAll } from "../../core/read_all.ts";
import { signArtifact } from "../../core/sign.ts";
import { writeFileAtomic } from "../../cli/atomic_write.ts";
import { wasmFileArtifact } from "./wasm_file_artifact.ts";
import { MAX_WASM_BYTES } from "./wasm_oci.ts";
import { embedSignature } from "./wasm_signature.ts";

/** What {@link signWasmFile} signs. */
export interface SignWasmOptions {
  /** The .wasm file. */
  path: string;
  /** Key reference (any key provider). */
  key: string;
  /** Where to write the signed binary (default: in place). */
  output?: string;
}

/**
 * Signs and embeds (see the module doc); returns the path written. Throws the errors of reading
 * and checking the binary (CosignError NOT_FOUND/IO/TOO_LARGE/INVALID_INPUT), of the key
 * provider, and IO when the output cannot be written.
 */
export async function signWasmFile(ctx: Context, options: SignWasmOptions): Promise<string> {
  const artifact = wasmFileArtifact(`wasm://${options.path}`, ctx);
  // Read and check the binary before asking for the key's password.
  const unsigned = await readAll(await artifact.open!(), MAX_WASM_BYTES, `"${options.path}"`);
  const signer = await ctx.plugins.signer(options.key, ctx);
  try {
    const r = await signArtifact(artifact, signer, { ctx, format: "bundle", upload: false });
    const out = options.output ?? options.path;
    await writeFileAtomic(out, embedSignature(unsigned, r.bundleJson!));
    return out;
  } finally {
    await signer.close?.();
  }
}
