/**
 * What `pkcs11-tool list-tokens` and `list-keys-uris` show: the tokens of a module, and the
 * private keys on a token with the `pkcs11:` URI that names each (cosign's format, PIN included
 * when one was given, as cosign prints it).
 *
 * @example
 * ```ts
 * for (const t of await listTokens(ctx, "/usr/lib/softhsm/libsofthsm2.so")) console.log(t.info.label);
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { Context } from "../../core/plugin.ts";
import { CKA, CKF_LOGIN_REQUIRED, CKO } from "./pkcs11_constants.ts";
import { ulongValue } from "./pkcs11_memory.ts";
import { resolvePin } from "./pkcs11_key.ts";
import { openPkcs11Module, type TokenInfo } from "./pkcs11_module.ts";
import { formatPkcs11Uri } from "./pkcs11_uri.ts";

/** A token in a slot. */
export interface SlotToken {
  /** The slot ID. */
  slot: bigint;
  /** The token. */
  info: TokenInfo;
}

/** A private key on a token. */
export interface TokenKey {
  /** CKA_LABEL (may be empty). */
  label: string;
  /** CKA_ID bytes (may be empty). */
  id: Uint8Array;
  /** The URI naming the key. */
  uri: string;
}

/**
 * The tokens of a module (slots with a token present). Throws CosignError("KEY") when the module
 * cannot be loaded or listed; the module is always finalized.
 */
export async function listTokens(ctx: Context, modulePath: string): Promise<SlotToken[]> {
  const mod = await openPkcs11Module(ctx, modulePath);
  try {
    return mod.slots().map((slot) => ({ slot, info: mod.tokenInfo(slot) }));
  } finally {
    mod.release();
  }
}

/**
 * The private keys on the token in `slot` with their URIs. Logs in with `pin`, else
 * COSIGN_PKCS11_PIN, else asks on the terminal when the token requires a login. The session is
 * always closed and the module finalized.
 */
export async function listKeyUris(
  ctx: Context,
  modulePath: string,
  slot: bigint,
  pin?: string,
): Promise<TokenKey[]> {
  const mod = await openPkcs11Module(ctx, modulePath);
  try {
    if (!mod.slots(true).includes(slot)) {
      throw new CosignError(
        "KEY",
        `Cannot list keys in slot ${slot} of PKCS#11 module "${modulePath}": no such slot`,
        {
          hint:
            `List the tokens with: cosign-ts pkcs11-tool list-tokens --module-path ${modulePath}`,
        },
      );
    }
    const token = mod.tokenInfo(slot);
    const thePin = await resolvePin(
      ctx,
      pin !== undefined && pin !== "" ? { pinValue: pin } : {},
      (token.flags & CKF_LOGIN_REQUIRED) !== 0n,
      true,
      `PKCS11 token '${token.label}'`,
    );
    const session = mod.openSession(slot);
    try {
      if (thePin !== undefined) mod.login(session, thePin);
      const keys: TokenKey[] = [];
      for (
        const h of mod.findObjects(session, [{
          type: CKA.CLASS,
          value: ulongValue(CKO.PRIVATE_KEY),
        }])
      ) {
        const id = mod.attribute(session, h, CKA.ID) ?? new Uint8Array(0);
        const labelBytes = mod.attribute(session, h, CKA.LABEL) ?? new Uint8Array(0);
        if (id.length === 0 && labelBytes.length === 0) continue;
        const label = new TextDecoder().decode(labelBytes);
        keys.push({
          label,
          id,
          uri: formatPkcs11Uri({
            modulePath,
            token: token.label,
            slotId: slot,
            id,
            object: label,
            pinValue: thePin,
          }),
        });
      }
      if (thePin !== undefined) mod.logout(session);
      return keys;
    } finally {
      mod.closeSession(session);
    }
  } finally {
    mod.release();
  }
}
