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
import { lazyKeyProvider } from "../../core/lazy_key_provider.ts";
import { definePlugin, type KeyProvider, type Plugin } from "../../core/plugin.ts";

/** The "piv" provider's one line for `--help`. */
export const PIV_KEY_DESCRIPTION: string =
  "Security key PIV slots (--sk --slot SLOT, or piv:SLOT) through libykcs11, over FFI";

/** The "piv" provider as registered: the binding loads on first use. */
const pivKeyEntry: KeyProvider = lazyKeyProvider(
  { scheme: "piv", description: PIV_KEY_DESCRIPTION, generate: false },
  async () => (await import("./mod.ts")).pivKeyProvider,
);

/** The hardware-piv plugin. */
export const hardwarePivPlugin: Plugin = definePlugin({
  name: "hardware-piv",
  apiVersion: 1,
  description: "YubiKey PIV security keys (--sk) through libykcs11, over FFI",
  keys: [pivKeyEntry],
});

export default hardwarePivPlugin;
