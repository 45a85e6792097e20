/**
 * The built-in "hardware-pkcs11" plugin: keys on PKCS#11 tokens named by `pkcs11:` URIs
 * (RFC 7512), signing through the module over the runtime's FFI (`Deno.dlopen` / `bun:ffi`).
 * Listed in main.ts BUILTIN_PLUGINS.
 *
 * This is the light entry: the provider's scheme and description load with every command; the
 * binding (mod.ts) loads on the first `signer` or `verifier`.
 *
 * @example
 * ```ts
 * registry.register(hardwarePkcs11Plugin);
 * const signer = await registry.signer("pkcs11:token=t;object=k?module-path=/m.so", ctx);
 * ```
 * @module
 */
import { lazyKeyProvider } from "../../core/lazy_key_provider.ts";
import { definePlugin, type KeyProvider, type Plugin } from "../../core/plugin.ts";

/** The "pkcs11" provider's one line for `--help`. */
export const PKCS11_KEY_DESCRIPTION: string =
  "Keys on PKCS#11 tokens (pkcs11:token=…;object=…?module-path=…), over FFI";

/** The "pkcs11" provider as registered: the binding loads on first use. */
const pkcs11KeyEntry: KeyProvider = lazyKeyProvider(
  { scheme: "pkcs11", description: PKCS11_KEY_DESCRIPTION, generate: false },
  async () => (await import("./mod.ts")).pkcs11KeyProvider,
);

/** The hardware-pkcs11 plugin. */
export const hardwarePkcs11Plugin: Plugin = definePlugin({
  name: "hardware-pkcs11",
  apiVersion: 1,
  description: "Keys on PKCS#11 tokens (SoftHSM, HSMs, smart cards), over FFI",
  keys: [pkcs11KeyEntry],
});

export default hardwarePkcs11Plugin;
