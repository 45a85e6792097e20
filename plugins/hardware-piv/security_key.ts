/**
 * The security key (`--sk`): a YubiKey's PIV applet reached through Yubico's PKCS#11 module
 * libykcs11 (Debian package `ykcs11`; `COSIGN_TS_PIV_MODULE` names another module), which
 * needs `pcscd`. As cosign does, exactly one card must be present. A slot's key is the
 * ykcs11 object with the slot's ID; signing goes through the hardware-pkcs11 plugin's binding
 * (PIN from `COSIGN_PKCS11_PIN` or the prompt "Enter PIN for security key: ").
 *
 * Key references: `piv:SLOT` (e.g. `piv:signature`, `piv:9c`); `--sk --slot SLOT` on the
 * commands is the same reference.
 *
 * @example
 * ```ts
 * const signer = await securityKeySigner(ctx, "piv:signature");
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { Context } from "../../core/plugin.ts";
import {
  CKF_TOKEN_INITIALIZED,
  formatPkcs11Uri,
  openPkcs11Module,
  type Pkcs11Module,
} from "../hardware-pkcs11/mod.ts";
import { type PivSlot, pivSlot } from "./piv_slots.ts";

/** Where Debian's ykcs11 package installs libykcs11. */
export const DEFAULT_YKCS11_MODULE = "/usr/lib/x86_64-linux-gnu/libykcs11.so";

/** The PIV module path: COSIGN_TS_PIV_MODULE, else Debian's libykcs11. */
export function pivModulePath(ctx: Context): string {
  return ctx.env("COSIGN_TS_PIV_MODULE") || DEFAULT_YKCS11_MODULE;
}

/** The slot a `piv:SLOT` reference names. Throws CosignError("USAGE") for an unknown slot. */
export function slotOfReference(ref: string): PivSlot {
  return pivSlot(ref.replace(/^piv:/i, ""));
}

/**
 * The PKCS#11 slot of the one security key present (an initialized token). Throws CosignError("KEY") when there is
 * none ("no cards found", with what to check) or more than one, as cosign does.
 */
export function theCard(mod: Pkcs11Module): bigint {
  // Cards are initialized tokens (libykcs11 marks every YubiKey so; an empty spare slot, as some
  // modules list, is not a card).
  const slots = mod.slots().filter((s) => (mod.tokenInfo(s).flags & CKF_TOKEN_INITIALIZED) !== 0n);
  if (slots.length === 1) return slots[0];
  if (slots.length === 0) {
    throw new CosignError(
      "KEY",
      `Cannot use the security key: no cards found (PKCS#11 module "${mod.path}" reports no token)`,
      {
        hint: "Insert a YubiKey with the PIV applet; pcscd must be running (systemctl start " +
          "pcscd, or pcscd --foreground).",
      },
    );
  }
  throw new CosignError(
    "KEY",
    `Cannot use the security key: found ${slots.length} cards, please attach only one`,
  );
}

/**
 * The `pkcs11:` URI of a slot's key on the one card present (the module is opened and released
 * to find the card). Throws as {@link theCard} does, and CosignError("KEY") when the module
 * cannot be loaded.
 */
export async function securityKeyUri(ctx: Context, slot: PivSlot): Promise<string> {
  const modulePath = pivModulePath(ctx);
  const mod = await openPkcs11Module(ctx, modulePath);
  try {
    return formatPkcs11Uri({
      modulePath,
      slotId: theCard(mod),
      id: Uint8Array.of(slot.ykcs11Id),
    });
  } finally {
    mod.release();
  }
}
