/**
 * `cosign-ts tekton sign --key KEY [-o FILE] FILE` and `cosign-ts tekton verify --key KEY FILE`:
 * Tekton trusted resources (trusted.ts) with a key from any key provider. `sign` writes the signed
 * file to `-o` (atomically) or standard output; `verify` says what it verified on standard error
 * and exits 12 when the signature does not verify.
 * @module
 */
import { readFile, stat } from "node:fs/promises";
import { CosignError } from "../../core/errors.ts";
import type { Invocation } from "../../core/plugin.ts";
import { writeFileAtomic } from "../../runtime/atomic_file.ts";
import { MAX_RESOURCE_FILE_BYTES } from "./bundle.ts";
import { signResourceText, verifyResourceText } from "./trusted.ts";

async function readText(path: string): Promise<string> {
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) {
      throw new CosignError("INVALID_INPUT", `Cannot read "${path}": not a regular file`);
    }
    size = s.size;
  } catch (e) {
    if (e instanceof CosignError) throw e;
    const code = (e as { code?: string }).code;
    throw new CosignError(
      code === "ENOENT" ? "NOT_FOUND" : "IO",
      `Cannot read "${path}": ${code === "ENOENT" ? "no such file" : (e as Error).message}`,
      { hint: "Pass a Task or Pipeline YAML file." },
    );
  }
  if (size > MAX_RESOURCE_FILE_BYTES) {
    throw new CosignError(
      "TOO_LARGE",
      `Cannot read "${path}": it is ${size} bytes, more than a Kubernetes object may be (${MAX_RESOURCE_FILE_BYTES})`,
    );
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(await readFile(path));
  } catch {
    throw new CosignError("INVALID_INPUT", `Cannot read "${path}": it is not UTF-8 text`);
  }
}

function keyRef(flags: Invocation["flags"], command: string): string {
  const key = flags.key as string | undefined;
  if (!key) {
    throw new CosignError("USAGE", `tekton ${command} needs a key: --key KEY`, {
      hint: "Any key reference works: a cosign.key file, a KMS URI, pkcs11:…",
    });
  }
  return key;
}

/** Runs `tekton sign`. */
export async function runTektonSign({ flags, args, ctx, io }: Invocation): Promise<void> {
  const path = args[0];
  const text = await readText(path);
  const signer = await ctx.plugins.signer(keyRef(flags, "sign"), ctx);
  try {
    const { text: signed, resource } = await signResourceText(text, path, signer);
    const out = flags["output-file"] as string | undefined;
    if (out) {
      await writeFileAtomic(out, signed, 0o644);
      ctx.log.info(
        `Signed ${resource.kind} "${resource.name}" (${resource.apiVersion}) written to ${out}`,
      );
    } else {
      await io.out(signed);
    }
  } finally {
    await signer.close?.();
  }
}

/** Runs `tekton verify`. */
export async function runTektonVerify({ flags, args, ctx }: Invocation): Promise<void> {
  const path = args[0];
  const text = await readText(path);
  const verifier = await ctx.plugins.verifier(keyRef(flags, "verify"), ctx);
  const r = await verifyResourceText(text, path, verifier);
  ctx.log.info(`Verified OK: ${r.kind} "${r.name}" (${r.apiVersion}) in ${path}`);
}
