/**
 * The "piv" key provider: `piv:SLOT` references (what `--sk [--slot SLOT]` stands for) sign and
 * verify with the key in that PIV slot of the one security key present, through libykcs11.
 *
 * @example
 * ```ts
 * const verifier = await pivKeyProvider.verifier!("piv:signature", ctx);
 * ```
 * @module
 */
import type { KeyProvider } from "../../core/plugin.ts";
import { tokenSigner, tokenVerifier } from "../hardware-pkcs11/mod.ts";
import { PIV_KEY_DESCRIPTION } from "./plugin.ts";
import { securityKeyUri, slotOfReference } from "./security_key.ts";

function openOptions(ref: string) {
  const slot = slotOfReference(ref);
  return { slot, name: `security key slot "${slot.name}"`, pinPrompt: "security key" };
}

/** The "piv" key provider. */
export const pivKeyProvider: KeyProvider = {
  scheme: "piv",
  description: PIV_KEY_DESCRIPTION,
  async signer(ref, ctx, options) {
    const { slot, name, pinPrompt } = openOptions(ref);
    const uri = await securityKeyUri(ctx, slot);
    return await tokenSigner(uri, ctx, options, { login: true, name, pinPrompt });
  },
  async verifier(ref, ctx, options) {
    const { slot, name, pinPrompt } = openOptions(ref);
    const uri = await securityKeyUri(ctx, slot);
    return await tokenVerifier(uri, ctx, options, { login: false, name, pinPrompt });
  },
};
