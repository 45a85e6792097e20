/**
 * The built-in "hardware-piv" plugin: the key in a YubiKey PIV slot (`--sk --slot SLOT`, or the
 * reference `piv:SLOT`), through Yubico's PKCS#11 module libykcs11 over the runtime's FFI.
 * Listed in main.ts BUILTIN_PLUGINS.
 *
 * This is the light entry: the binding (mod.ts, and hardware-pkcs11's) loads on first use.
 *
 * @example
 * ```ts
 * registry.register(hardwarePivPlugin);
 * const signer = await registry.signer("piv:signature", ctx);
 * ```
 * @module
 */
import {
  type Context,
  definePlugin,
  type KeyProvider,
  type Plugin,
  type Signer,
  type SignerOptions,
  type Verifier,
} from "../../core/plugin.ts";

/** The "piv" provider's one line for `--help`. */
export const PIV_KEY_DESCRIPTION: string =
  "Security key PIV slots (--sk --slot SLOT, or piv:SLOT) through libykcs11, over FFI";

const provider = async (): Promise<KeyProvider> => (await import("./mod.ts")).pivKeyProvider;

/** The "piv" provider as registered: each method loads the binding on first use. */
const pivKeyEntry: KeyProvider = {
  scheme: "piv",
  description: PIV_KEY_DESCRIPTION,
  async signer(ref: string, ctx: Context, options?: SignerOptions): Promise<Signer> {
    return await (await provider()).signer(ref, ctx, options);
  },
  async verifier(ref: string, ctx: Context, options?: SignerOptions): Promise<Verifier> {
    return await (await provider()).verifier!(ref, ctx, options);
  },
};

/** The hardware-piv plugin. */
export const hardwarePivPlugin: Plugin = definePlugin({
  name: "hardware-piv",
  apiVersion: 1,
  description: "YubiKey PIV security keys (--sk) through libykcs11, over FFI",
  keys: [pivKeyEntry],
});

export default hardwarePivPlugin;
