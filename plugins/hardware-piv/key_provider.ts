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
import type { Context, KeyProvider } from "../../core/plugin.ts";
import { tokenSigner, tokenVerifier } from "../hardware-pkcs11/mod.ts";
import { PIV_KEY_DESCRIPTION } from "./plugin.ts";
import { securityKeyUri, slotOfReference } from "./security_key.ts";

/** The PKCS#11 URI of the slot `ref` names, and how messages and the PIN prompt name it. */
async function slotKey(ref: string, ctx: Context) {
  const slot = slotOfReference(ref);
  const uri = await securityKeyUri(ctx, slot);
  return { uri, open: { name: `security key slot "${slot.name}"`, pinPrompt: "security key" } };
}

/** The "piv" key provider. */
export const pivKeyProvider: KeyProvider = {
  scheme: "piv",
  description: PIV_KEY_DESCRIPTION,
  async signer(ref, ctx, options) {
    const { uri, open } = await slotKey(ref, ctx);
    return await tokenSigner(uri, ctx, options, open);
  },
  async verifier(ref, ctx, options) {
    const { uri, open } = await slotKey(ref, ctx);
    return await tokenVerifier(uri, ctx, options, open);
  },
};
