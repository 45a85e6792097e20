/**
 * cosign's security-key flags, `--sk` and `--slot`, shared by sign, sign-blob, public-key and
 * verify: `--sk [--slot SLOT]` stands for the key reference `piv:SLOT` (the hardware-piv
 * plugin: a YubiKey PIV slot through libykcs11), so commands pass one key reference on.
 *
 * @example
 * ```ts
 * const key = keyReference(flags); // "cosign.key", "piv:signature", or undefined
 * ```
 * @module
 */
import { CosignError } from "../core/errors.ts";
import { bool, str } from "./args.ts";
import type { FlagSpec, FlagValues } from "./args.ts";

/** `--sk` and `--slot`, as cosign defines them. */
export const SECURITY_KEY_FLAGS: FlagSpec[] = [
  {
    name: "sk",
    type: "boolean",
    default: false,
    description: "whether to use a hardware security key",
  },
  {
    name: "slot",
    type: "string",
    placeholder: "SLOT",
    description: "security key slot to use for generated key (default: signature) " +
      "(authentication|signature|card-authentication|key-management)",
  },
];

/**
 * The key reference the flags name: `--key REF`, or `piv:SLOT` for `--sk [--slot SLOT]`, or
 * undefined. Throws CosignError("USAGE") for `--key` with `--sk`, or `--slot` without `--sk`.
 */
export function keyReference(flags: FlagValues): string | undefined {
  const key = str(flags, "key");
  const sk = bool(flags, "sk");
  const slot = str(flags, "slot");
  if (key && sk) {
    throw new CosignError("USAGE", "--key and --sk cannot be used together", {
      hint: "Name the key with --key, or use the security key with --sk [--slot SLOT].",
    });
  }
  if (slot && !sk) {
    throw new CosignError("USAGE", `--slot "${slot}" needs --sk`, {
      hint: `Use: --sk --slot ${slot}`,
    });
  }
  return sk ? `piv:${slot || "signature"}` : key;
}

/**
 * A key reference as messages may show it: a `pin-value` (PKCS#11 URIs) becomes `***`, so a PIN
 * given in a URI never reaches the terminal or a log.
 *
 * @example
 * ```ts
 * keyDisplayName("pkcs11:token=t;object=k?pin-value=1234"); // "pkcs11:token=t;object=k?pin-value=***"
 * ```
 */
export function keyDisplayName(ref: string): string;
export function keyDisplayName(ref: string | undefined): string | undefined;
export function keyDisplayName(ref: string | undefined): string | undefined {
  return ref?.replace(/([?&;]pin-value=)[^&;]*/gi, "$1***");
}
