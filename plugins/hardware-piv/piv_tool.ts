/**
 * cosign's `piv-tool` operations, as far as Yubico's PKCS#11 module (libykcs11) can do them:
 * `set-pin` (C_Login + C_SetPIN) and `generate-key` (C_GenerateKeyPair as the security officer,
 * whose PIN is the PIV management key in hex, as ykcs11 defines it; an EC P-256 key as cosign
 * makes). What PKCS#11 has no call for — `set-puk`, `unblock`, `reset`, `set-management-key`,
 * `attestation`, PIN and touch policies, random management keys — fails with a clear error
 * naming a tool that can (ykman, yubico-piv-tool). Every operation needs exactly one card.
 *
 * @example
 * ```ts
 * await setPivPin(ctx, "123456", "654321");
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import { KEY_OIDS, publicKeyMaterial } from "../../core/keys/public_key.ts";
import { derOid } from "../../core/keys/der.ts";
import type { Context, PublicKeyMaterial } from "../../core/plugin.ts";
import {
  CKA,
  CKM,
  CKU,
  openPkcs11Key,
  openPkcs11Module,
  type Pkcs11Module,
} from "../hardware-pkcs11/mod.ts";
import type { PivSlot } from "./piv_slots.ts";
import { pivModulePath, securityKeyUri, theCard } from "./security_key.ts";

/** The PIV default PIN (cosign: "uses default if empty"). */
export const DEFAULT_PIV_PIN = "123456";
/** The PIV default management key (3DES, 24 bytes), hex, as ykcs11 takes it for the SO login. */
export const DEFAULT_MANAGEMENT_KEY = "010203040506070801020304050607080102030405060708";

/**
 * The error for a piv-tool operation PKCS#11 offers no call for. CosignError("UNSUPPORTED").
 */
export function notThroughPkcs11(operation: string, instead: string): CosignError {
  return new CosignError(
    "UNSUPPORTED",
    `Cannot ${operation}: the PIV applet is reached through libykcs11's PKCS#11 interface, ` +
      "which has no call for it",
    { hint: `Use Yubico's tools: ${instead}.` },
  );
}

async function withCard<T>(
  ctx: Context,
  fn: (mod: Pkcs11Module, session: bigint) => T,
): Promise<T> {
  const mod = await openPkcs11Module(ctx, pivModulePath(ctx));
  try {
    const session = mod.openSession(theCard(mod), true);
    try {
      return fn(mod, session);
    } finally {
      mod.logout(session);
      mod.closeSession(session);
    }
  } finally {
    mod.release();
  }
}

/**
 * Changes the PIV PIN (empty means the default, 123456). Throws CosignError("AUTH") for a
 * wrong old PIN, ("KEY") without exactly one card. Neither PIN appears in messages.
 */
export async function setPivPin(ctx: Context, oldPin: string, newPin: string): Promise<void> {
  const from = oldPin || DEFAULT_PIV_PIN;
  const to = newPin || DEFAULT_PIV_PIN;
  await withCard(ctx, (mod, session) => {
    mod.login(session, from);
    mod.setPin(session, from, to);
  });
}

/** Options of {@link generatePivKey}. */
export interface GeneratePivKeyOptions {
  /** Management key, hex (default: the PIV default key). */
  managementKey?: string;
  /** The slot. */
  slot: PivSlot;
}

/**
 * Generates an EC P-256 key in a PIV slot (logging in as the security officer with the
 * management key) and returns its public key. Throws CosignError("AUTH") for a wrong management
 * key, ("KEY") without exactly one card or when the module refuses.
 */
export async function generatePivKey(
  ctx: Context,
  options: GeneratePivKeyOptions,
): Promise<PublicKeyMaterial> {
  const mgmt = options.managementKey || DEFAULT_MANAGEMENT_KEY;
  if (!/^[0-9a-fA-F]{48}$|^[0-9a-fA-F]{32}$|^[0-9a-fA-F]{64}$/.test(mgmt)) {
    throw new CosignError(
      "USAGE",
      "Cannot generate a PIV key: the management key must be 16, 24 or 32 bytes in hex",
    );
  }
  await withCard(ctx, (mod, session) => {
    mod.login(session, mgmt, CKU.SO);
    const id = Uint8Array.of(options.slot.ykcs11Id);
    mod.generateKeyPair(
      session,
      CKM.EC_KEY_PAIR_GEN,
      [{ type: CKA.ID, value: id }, { type: CKA.EC_PARAMS, value: derOid(KEY_OIDS["P-256"]) }],
      [{ type: CKA.ID, value: id }],
    );
  });
  const key = await openPkcs11Key(ctx, await securityKeyUri(ctx, options.slot), {
    login: false,
    name: `security key slot "${options.slot.name}"`,
  });
  key.close();
  return publicKeyMaterial(key.publicKey);
}
