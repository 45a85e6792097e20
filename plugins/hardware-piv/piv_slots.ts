/**
 * PIV slots as cosign names them (`--slot authentication|signature|card-authentication|
 * key-management`, default signature), their PIV key references (9a, 9c, 9e, 9d), and the
 * CKA_ID under which Yubico's PKCS#11 module (libykcs11) shows each slot's key, public key and
 * certificate (1 = 9a, 2 = 9c, 3 = 9d, 4 = 9e).
 *
 * @example
 * ```ts
 * pivSlot("signature"); // { name: "signature", reference: "9c", ykcs11Id: 2 }
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";

/** A PIV key slot. */
export interface PivSlot {
  /** cosign's name for it. */
  name: string;
  /** The PIV key reference (hex). */
  reference: string;
  /** The object ID libykcs11 gives the slot's objects. */
  ykcs11Id: number;
}

/** The slots cosign's `--slot` accepts, in cosign's order. */
export const PIV_SLOTS: readonly PivSlot[] = [
  { name: "authentication", reference: "9a", ykcs11Id: 1 },
  { name: "signature", reference: "9c", ykcs11Id: 2 },
  { name: "card-authentication", reference: "9e", ykcs11Id: 4 },
  { name: "key-management", reference: "9d", ykcs11Id: 3 },
];

/**
 * The slot for a `--slot` value (a name or its key reference such as `9c`); empty means
 * "signature", as in cosign. Throws CosignError("USAGE") for anything else.
 */
export function pivSlot(name: string | undefined): PivSlot {
  const n = (name ?? "").toLowerCase();
  const slot = n === "" ? PIV_SLOTS[1] : PIV_SLOTS.find((s) => s.name === n || s.reference === n);
  if (!slot) {
    throw new CosignError("USAGE", `Unknown security key slot "${name}"`, {
      hint: `Use one of: ${PIV_SLOTS.map((s) => s.name).join(", ")}.`,
    });
  }
  return slot;
}
