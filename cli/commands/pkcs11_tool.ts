/**
 * `cosign-ts pkcs11-tool list-tokens` and `pkcs11-tool list-keys-uris`: the tokens of a PKCS#11
 * module, and the URIs of the private keys on one token, printed as cosign prints them. The
 * module is named by `--module-path` (default: COSIGN_PKCS11_MODULE_PATH).
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { Context } from "../../core/plugin.ts";
import { type FlagValues, str } from "../args.ts";
import type { Command } from "../command.ts";

const MODULE_FLAG = {
  name: "module-path",
  type: "string" as const,
  placeholder: "PATH",
  description: "absolute path to the PKCS11 module (default: $COSIGN_PKCS11_MODULE_PATH)",
};

function modulePath(flags: FlagValues, ctx: Context, command: string): string {
  const path = str(flags, "module-path") || ctx.env("COSIGN_PKCS11_MODULE_PATH");
  if (!path) {
    throw new CosignError("USAGE", `pkcs11-tool ${command} needs --module-path`, {
      hint: "Pass --module-path /absolute/path/to/module.so or set COSIGN_PKCS11_MODULE_PATH.",
    });
  }
  return path;
}

/** `pkcs11-tool list-tokens`. */
export const listTokensCommand: Command = {
  name: "pkcs11-tool list-tokens",
  summary: "list-tokens lists all PKCS11 tokens linked to a PKCS11 module",
  usage: "cosign-ts pkcs11-tool list-tokens --module-path PATH",
  examples: [
    "cosign-ts pkcs11-tool list-tokens --module-path /usr/lib/softhsm/libsofthsm2.so",
  ],
  flags: [MODULE_FLAG],
  args: { max: 0 },
  async run({ flags, ctx, io }) {
    const path = modulePath(flags, ctx, "list-tokens");
    const { listTokens } = await import("../../plugins/hardware-pkcs11/mod.ts");
    const tokens = await listTokens(ctx, path);
    let out = `\nListing tokens of PKCS11 module '${path}'\n`;
    for (const t of tokens) {
      out +=
        `Token in slot ${t.slot}\n\tLabel: ${t.info.label}\n\tManufacturer: ${t.info.manufacturer}\n` +
        `\tModel: ${t.info.model}\n\tS/N: ${t.info.serial}\n\n`;
    }
    await io.out(out);
  },
};

/** `pkcs11-tool list-keys-uris`. */
export const listKeysUrisCommand: Command = {
  name: "pkcs11-tool list-keys-uris",
  summary: "list-keys-uris lists URIs of all keys in a PKCS11 token",
  usage: "cosign-ts pkcs11-tool list-keys-uris --module-path PATH [--slot-id N] [--pin PIN]",
  examples: [
    "COSIGN_PKCS11_PIN=1234 cosign-ts pkcs11-tool list-keys-uris \\\n" +
    "    --module-path /usr/lib/softhsm/libsofthsm2.so --slot-id 1",
  ],
  flags: [
    MODULE_FLAG,
    {
      name: "slot-id",
      type: "string",
      placeholder: "N",
      default: "0",
      description: "id of the PKCS11 slot, uses 0 if empty",
    },
    {
      name: "pin",
      type: "string",
      placeholder: "PIN",
      description: "pin of the PKCS11 slot, uses environment variable COSIGN_PKCS11_PIN if empty",
    },
  ],
  args: { max: 0 },
  async run({ flags, ctx, io }) {
    const path = modulePath(flags, ctx, "list-keys-uris");
    const slotText = str(flags, "slot-id") ?? "0";
    if (!/^\d+$/.test(slotText)) {
      throw new CosignError("USAGE", `--slot-id "${slotText}" is not a number`, {
        hint: "Find the slot with: cosign-ts pkcs11-tool list-tokens --module-path " + path,
      });
    }
    const { listKeyUris } = await import("../../plugins/hardware-pkcs11/mod.ts");
    const keys = await listKeyUris(ctx, path, BigInt(slotText), str(flags, "pin"));
    let out = `\nListing URIs of keys in slot '${slotText}' of PKCS11 module '${path}'\n`;
    keys.forEach((k, i) => {
      out += `Object ${i}\n`;
      if (k.label) out += `\tLabel: ${k.label}\n`;
      if (k.id.length) {
        out += `\tID: ${[...k.id].map((b) => b.toString(16).padStart(2, "0")).join("")}\n`;
      }
      out += `\tURI: ${k.uri}\n`;
    });
    await io.out(out);
  },
};
