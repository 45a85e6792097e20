/**
 * `cosign-ts tekton sign --key KEY [-o FILE] FILE` and `cosign-ts tekton verify --key KEY FILE`:
 * Tekton trusted resources (trusted.ts) with a key from any key provider. `sign` writes the signed
 * file to `-o` (atomically) or standard output; `verify` says what it verified on standard error
 * and exits 12 when the signature does not verify.
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { Invocation } from "../../core/plugin.ts";
import { writeFileAtomic } from "../../runtime/atomic_file.ts";
import { readResourceText } from "./resource_text.ts";
import { signResourceText, verifyResourceText } from "./trusted.ts";

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
  const text = await readResourceText(path, "Pass a Task or Pipeline YAML file.");
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
  const text = await readResourceText(path, "Pass a Task or Pipeline YAML file.");
  const verifier = await ctx.plugins.verifier(keyRef(flags, "verify"), ctx);
  const r = await verifyResourceText(text, path, verifier);
  ctx.log.info(`Verified OK: ${r.kind} "${r.name}" (${r.apiVersion}) in ${path}`);
}
