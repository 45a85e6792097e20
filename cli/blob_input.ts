/**
 * Inputs of the blob commands: the blob itself (through the "blob" artifact plugin), the
 * `--signature` value (a file or the base64 text itself, base64 or raw bytes, as cosign accepts),
 * and `--bundle` files (cosign's legacy bundle or a Sigstore bundle, told apart by content).
 *
 * @example
 * ```ts
 * const blob = await resolveBlob(ctx, "release.tar.gz");
 * const sig = await readSignatureArg("release.tar.gz.sig");
 * ```
 * @module
 */
import { readFile, stat } from "node:fs/promises";
import { base64 } from "@scure/base";
import { CosignError, describeError } from "../core/errors.ts";
import type { Artifact, Context, StoredSignature } from "../core/plugin.ts";
import { isBase64 } from "../core/legacy_bundle.ts";
import { storedSignatureFromBundleJSON } from "../core/legacy_signature.ts";
import { rejectDuplicateKeys } from "../core/strict_json.ts";

/** Signatures and certificates larger than this are refused (a signature is < 1 KiB). */
export const MAX_SIGNATURE_BYTES = 64 * 1024;
/** Bundles larger than this are refused. */
export const MAX_BUNDLE_BYTES = 16 * 1024 * 1024;

/** The built-in catch-all types: they never take a blob command's reference from "blob". */
const CATCH_ALL_KINDS = new Set(["blob", "oci"]);

/**
 * Resolves the artifact of a blob command (sign-blob, verify-blob): a third-party artifact type
 * that claims the reference (e.g. `envblob://NAME`) is asked first, as everywhere, then the
 * built-in types other than the catch-alls (e.g. "wasm" for `wasm://FILE`); otherwise the
 * built-in "blob" type takes it (a missing file is "no such file", never an image).
 * CosignError("PLUGIN") when no "blob" type is loaded.
 */
export async function resolveBlob(ctx: Context, ref: string): Promise<Artifact> {
  const claimed = ctx.plugins.contributions((p) => p.artifacts).find((c) =>
    (c.thirdParty || !CATCH_ALL_KINDS.has(c.item.kind)) && c.item.claims(ref)
  );
  const type = claimed?.item ?? ctx.plugins.artifactTypes().find((a) => a.kind === "blob");
  if (!type) {
    throw new CosignError(
      "PLUGIN",
      `Cannot read blob "${ref}": no "blob" artifact plugin is loaded`,
    );
  }
  return await type.resolve(ref, ctx);
}

/**
 * The signature an artifact other than a plain blob carries itself (e.g. `wasm://FILE`, whose
 * bundle is embedded in the file), for `verify-blob` without `--signature`/`--bundle`: the first
 * stored signature of a non-"blob" artifact's store, or undefined (plain files, stdin, digests,
 * or nothing stored). `artifact` is what {@link resolveBlob} gave for the reference.
 *
 * @example
 * ```ts
 * const stored = await carriedSignature(await resolveBlob(ctx, "wasm://app.wasm"), ctx);
 * ```
 */
export async function carriedSignature(
  artifact: Artifact,
  ctx: Context,
): Promise<StoredSignature | undefined> {
  if (artifact.kind === "blob" || !artifact.signatures) return undefined;
  for await (const s of artifact.signatures(ctx, { kind: "signature" })) return s;
  return undefined;
}

/**
 * Reads a small file, refusing more than `limit` bytes. CosignError("NOT_FOUND") when missing,
 * ("TOO_LARGE") when too big, ("IO") otherwise.
 */
export async function readSmallFile(
  path: string,
  limit: number,
  what: string,
): Promise<Uint8Array> {
  let size: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) {
      throw new CosignError("IO", `Cannot read ${what} "${path}": it is a directory`);
    }
    size = st.size;
  } catch (e) {
    if (e instanceof CosignError) throw e;
    if ((e as { code?: string })?.code === "ENOENT") {
      throw new CosignError("NOT_FOUND", `Cannot read ${what} "${path}": no such file`, {
        hint: "Check the path.",
      });
    }
    throw new CosignError("IO", `Cannot read ${what} "${path}": ${describeError(e)}`);
  }
  if (size > limit) {
    throw new CosignError(
      "TOO_LARGE",
      `Cannot read ${what} "${path}": it has ${size} bytes, more than the ${limit} allowed`,
      { hint: `Check that "${path}" is really a ${what}.` },
    );
  }
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw new CosignError("IO", `Cannot read ${what} "${path}": ${describeError(e)}`);
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * The signature bytes named by `--signature`: a file path, or the base64 text itself. File
 * content may be base64 (what cosign writes) or raw bytes (e.g. an `openssl dgst -sign` DER
 * file). Throws CosignError("INVALID_INPUT") for PEM (a key or certificate given as a
 * signature), empty input, or text that is neither a file nor base64.
 */
export async function readSignatureArg(value: string): Promise<Uint8Array> {
  const fromFile = await isFile(value);
  const raw = fromFile
    ? await readSmallFile(value, MAX_SIGNATURE_BYTES, "signature")
    : new TextEncoder().encode(value);
  const shown = fromFile ? `signature file "${value}"` : "the --signature value";
  const text = new TextDecoder("utf-8", { fatal: false }).decode(raw);
  if (/-----BEGIN [A-Z0-9 ]+-----/.test(text)) {
    const kind = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text)![1];
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot use ${shown} as a signature: it holds a PEM "${kind}", not a signature`,
      {
        hint:
          "Pass the signature (base64, as sign-blob prints it) with --signature and the key with --key.",
      },
    );
  }
  const trimmed = text.replace(/\s+/g, "");
  if (trimmed === "") {
    throw new CosignError("INVALID_INPUT", `Cannot use ${shown} as a signature: it is empty`);
  }
  if (isBase64(trimmed)) return base64.decode(trimmed);
  if (!fromFile) {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot use --signature "${value.slice(0, 60)}": it is neither a file nor base64`,
      { hint: "Pass a signature file or the base64 signature that sign-blob printed." },
    );
  }
  return raw;
}

/**
 * Reads a `--bundle` file of either format (cosign's legacy bundle, a Sigstore bundle) as the
 * stored signature it holds. Throws CosignError("INVALID_INPUT") for malformed JSON or a file
 * that is neither format, and the parsers' errors otherwise.
 */
export async function readBundleFile(path: string): Promise<StoredSignature> {
  const bytes = await readSmallFile(path, MAX_BUNDLE_BYTES, "bundle");
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot read bundle "${path}": it is not valid JSON (${(e as Error).message})`,
      { hint: "Pass the file that sign-blob --bundle wrote." },
    );
  }
  rejectDuplicateKeys(bytes, `bundle "${path}"`);
  return await storedSignatureFromBundleJSON(value, path);
}
