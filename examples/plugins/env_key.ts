/**
 * Example key-provider plugin: `env://VAR` names a PEM private key held in the environment
 * variable VAR, either unencrypted (PKCS#8, SEC1 `EC PRIVATE KEY`, PKCS#1 `RSA PRIVATE KEY`)
 * or in cosign's encrypted format (the password comes from COSIGN_PASSWORD or the terminal,
 * like any cosign key). Handy in CI, where secrets arrive as variables.
 *
 * It imports only the library entry point, as "cosign-ts" (the compiled binary provides that
 * module; in this repository deno.json maps it to ./mod.ts), and gets the same Context as the
 * built-in plugins.
 *
 * @example
 * ```sh
 * export SIGNING_KEY="$(cat cosign.key)" COSIGN_PASSWORD=...
 * cosign-ts --plugin examples/plugins/env_key.ts sign-blob --key env://SIGNING_KEY file.txt
 * cosign-ts --plugin examples/plugins/env_key.ts public-key --key env://SIGNING_KEY
 * ```
 * @module
 */
import {
  type Context,
  CosignError,
  decryptPrivateKey,
  definePlugin,
  isEncryptedPrivateKeyPem,
  type KeyProvider,
  type Plugin,
  type Signer,
  signerFromPkcs8,
  signerFromPrivateKeyPem,
  type SignerOptions,
  type Verifier,
  verifierFromPem,
} from "cosign-ts";

/** Reads the PEM text an `env://VAR` reference names. Throws CosignError("KEY"). */
function pemFromEnv(ref: string, ctx: Context): string {
  const name = ref.replace(/^env:\/\//, "");
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new CosignError("KEY", `Cannot use key "${ref}": "${name}" is not a variable name`, {
      hint: "Write env://NAME, e.g. env://SIGNING_KEY.",
    });
  }
  const value = ctx.env(name);
  if (!value) {
    throw new CosignError("KEY", `Cannot use key "${ref}": ${name} is not set or empty`, {
      hint: `Put a PEM private key in ${name}, e.g. export ${name}="$(cat cosign.key)".`,
    });
  }
  return value;
}

async function envSigner(ref: string, ctx: Context, options?: SignerOptions): Promise<Signer> {
  const pem = pemFromEnv(ref, ctx);
  if (isEncryptedPrivateKeyPem(pem)) {
    const password = await ctx.password({ purpose: `private key "${ref}"` });
    return signerFromPkcs8(decryptPrivateKey(pem, password, ref), { ...options, name: ref });
  }
  return signerFromPrivateKeyPem(pem, { ...options, name: ref });
}

/** The `env://` key provider. */
export const envKeyProvider: KeyProvider = {
  scheme: "env",
  description: "PEM private key in an environment variable: env://VAR",
  signer: envSigner,
  async verifier(ref: string, ctx: Context, options?: SignerOptions): Promise<Verifier> {
    const pem = pemFromEnv(ref, ctx);
    if (/PRIVATE KEY-----/.test(pem)) {
      const signer = await envSigner(ref, ctx, options);
      return verifierFromPem((await signer.publicKey()).pem, { ...options, name: ref });
    }
    return verifierFromPem(pem, { ...options, name: ref });
  },
};

/** The plugin: load it with `--plugin examples/plugins/env_key.ts` or COSIGN_TS_PLUGINS. */
const plugin: Plugin = definePlugin({
  name: "example-env-key",
  apiVersion: 1,
  description: "keys from environment variables (example)",
  keys: [envKeyProvider],
});

export default plugin;
