/**
 * `cosign-ts piv-tool …`: cosign's hardware-token management subcommands, through Yubico's
 * PKCS#11 module libykcs11 (the hardware-piv plugin). `set-pin` and `generate-key` work through
 * PKCS#11; `set-management-key`, `set-puk`, `unblock`, `attestation` and `reset` have no
 * PKCS#11 call and fail with a clear error naming Yubico's tools, as do `generate-key`'s PIN and
 * touch policies and random management keys.
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import { bool, type FlagSpec, str } from "../args.ts";
import type { Command } from "../command.ts";

const SLOT_FLAG: FlagSpec = {
  name: "slot",
  type: "string",
  placeholder: "SLOT",
  description:
    "Slot to use for generated key (authentication|signature|card-authentication|key-management)",
};

const piv = () => import("../../plugins/hardware-piv/mod.ts");

function unsupported(
  name: string,
  summary: string,
  flags: FlagSpec[],
  operation: string,
  instead: string,
): Command {
  return {
    name: `piv-tool ${name}`,
    summary,
    usage: `cosign-ts piv-tool ${name}`,
    examples: [`cosign-ts piv-tool ${name}`],
    flags,
    args: { max: 0 },
    async run() {
      throw (await piv()).notThroughPkcs11(operation, instead);
    },
  };
}

/** The piv-tool subcommands by name. */
export const pivToolCommands: Record<string, Command> = {
  "set-pin": {
    name: "piv-tool set-pin",
    summary: "sets the PIN on a hardware token",
    usage: "cosign-ts piv-tool set-pin [--old-pin PIN] [--new-pin PIN]",
    examples: ["cosign-ts piv-tool set-pin --old-pin 123456 --new-pin 654321"],
    flags: [
      {
        name: "old-pin",
        type: "string",
        placeholder: "PIN",
        description: "existing PIN, uses default if empty",
      },
      {
        name: "new-pin",
        type: "string",
        placeholder: "PIN",
        description: "new PIN, uses default if empty",
      },
    ],
    args: { max: 0 },
    async run({ flags, ctx, io }) {
      await (await piv()).setPivPin(ctx, str(flags, "old-pin") ?? "", str(flags, "new-pin") ?? "");
      io.err("PIN changed.\n");
    },
  },
  "generate-key": {
    name: "piv-tool generate-key",
    summary: "generate-key generates a new signing key on the hardware token",
    usage: "cosign-ts piv-tool generate-key [--slot SLOT] [--management-key HEX]",
    examples: ["cosign-ts piv-tool generate-key --slot signature"],
    flags: [
      {
        name: "management-key",
        type: "string",
        placeholder: "HEX",
        description: "management key, uses default if empty",
      },
      {
        name: "random-management-key",
        type: "boolean",
        default: false,
        description:
          "if set to true, generates a new random management key and deletes it after (not through PKCS#11)",
      },
      SLOT_FLAG,
      {
        name: "pin-policy",
        type: "string",
        placeholder: "POLICY",
        description: "PIN policy for slot (never|once|always) (not through PKCS#11)",
      },
      {
        name: "touch-policy",
        type: "string",
        placeholder: "POLICY",
        description: "Touch policy for slot (never|always|cached) (not through PKCS#11)",
      },
    ],
    args: { max: 0 },
    async run({ flags, ctx, io }) {
      const m = await piv();
      const slot = m.pivSlot(str(flags, "slot"));
      for (const f of ["pin-policy", "touch-policy"]) {
        if (str(flags, f)) {
          throw m.notThroughPkcs11(
            `set the --${f} of PIV slot "${slot.name}"`,
            `ykman piv keys generate --${f} … ${slot.reference}`,
          );
        }
      }
      if (bool(flags, "random-management-key")) {
        throw m.notThroughPkcs11(
          "set a random management key",
          "ykman piv access change-management-key --generate",
        );
      }
      const key = await m.generatePivKey(ctx, {
        slot,
        managementKey: str(flags, "management-key"),
      });
      await io.out(key.pem);
    },
  },
  "set-management-key": unsupported(
    "set-management-key",
    "sets the management key of a hardware token",
    [
      {
        name: "old-key",
        type: "string",
        placeholder: "HEX",
        description: "existing management key, uses default if empty",
      },
      {
        name: "new-key",
        type: "string",
        placeholder: "HEX",
        description: "new management key, uses default if empty",
      },
      {
        name: "random-management-key",
        type: "boolean",
        default: false,
        description: "if set to true, generates a new random management key and deletes it after",
      },
    ],
    "change the PIV management key",
    "ykman piv access change-management-key",
  ),
  "set-puk": unsupported(
    "set-puk",
    "sets the PUK on a hardware token",
    [
      {
        name: "old-puk",
        type: "string",
        placeholder: "PUK",
        description: "existing PUK, uses default if empty",
      },
      {
        name: "new-puk",
        type: "string",
        placeholder: "PUK",
        description: "new PUK, uses default if empty",
      },
    ],
    "change the PIV PUK",
    "ykman piv access change-puk",
  ),
  unblock: unsupported(
    "unblock",
    "unblocks the hardware token, sets a new PIN",
    [
      {
        name: "puk",
        type: "string",
        placeholder: "PUK",
        description: "existing PUK, uses default if empty",
      },
      {
        name: "new-PIN",
        type: "string",
        placeholder: "PIN",
        description: "new PIN, uses default if empty",
      },
    ],
    "unblock the PIV PIN",
    "ykman piv access unblock-pin",
  ),
  attestation: unsupported(
    "attestation",
    "attestation contains commands to manage a hardware token",
    [
      {
        name: "output",
        short: "o",
        type: "string",
        placeholder: "FORMAT",
        default: "text",
        description: "format to output attestation information in. (text|json)",
      },
      SLOT_FLAG,
    ],
    "read a PIV attestation",
    "ykman piv keys attest SLOT -",
  ),
  reset: unsupported(
    "reset",
    "reset resets the hardware token completely",
    [],
    "reset the PIV applet",
    "ykman piv reset",
  ),
};

/** Rejects a piv-tool subcommand name that does not exist (for the command list's loader). */
export function pivToolCommand(name: string): { command: Command } {
  const command = pivToolCommands[name];
  if (!command) throw new CosignError("USAGE", `Unknown piv-tool subcommand "${name}"`);
  return { command };
}
