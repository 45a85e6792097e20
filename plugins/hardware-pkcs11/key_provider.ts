/**
 * The "pkcs11" key provider: `pkcs11:` URIs (RFC 7512) sign through the token (the session is
 * held until the signer is closed), verify and print with the token's public key (read without
 * a login unless a PIN is at hand, and released at once).
 *
 * @example
 * ```ts
 * const signer = await pkcs11KeyProvider.signer("pkcs11:token=t;object=k?module-path=/m.so", ctx);
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import { verifierFromPublicKey } from "../../core/keys/verifier.ts";
import type { Context, KeyProvider, Signer, SignerOptions, Verifier } from "../../core/plugin.ts";
import { type OpenKeyOptions, openPkcs11Key, pkcs11Signer } from "./pkcs11_key.ts";
import { PKCS11_KEY_DESCRIPTION } from "./plugin.ts";
import { redactPkcs11Uri } from "./pkcs11_uri.ts";

function refusePss(what: string, options?: SignerOptions): void {
  if (options?.rsaPss) {
    throw new CosignError(
      "UNSUPPORTED",
      `Cannot sign with ${what} using RSA-PSS: token keys sign with PKCS#1 v1.5 (as cosign does)`,
      { hint: "Drop --rsa-pss." },
    );
  }
}

/** A signer for a token key named by `ref` (a `pkcs11:` URI or, with `open`, anything else). */
export async function tokenSigner(
  ref: string,
  ctx: Context,
  options: SignerOptions | undefined,
  open: Omit<OpenKeyOptions, "login"> = {},
): Promise<Signer> {
  refusePss(open.name ?? `PKCS#11 key "${redactPkcs11Uri(ref)}"`, options);
  return pkcs11Signer(await openPkcs11Key(ctx, ref, { ...open, login: true }));
}

/** A verifier for a token key: the public half read from the token, the session closed at once. */
export async function tokenVerifier(
  ref: string,
  ctx: Context,
  options: SignerOptions | undefined,
  open: Omit<OpenKeyOptions, "login"> = {},
): Promise<Verifier> {
  const key = await openPkcs11Key(ctx, ref, { ...open, login: false });
  key.close();
  return verifierFromPublicKey(key.publicKey, options);
}

/** The "pkcs11" key provider. */
export const pkcs11KeyProvider: KeyProvider = {
  scheme: "pkcs11",
  description: PKCS11_KEY_DESCRIPTION,
  signer: (ref, ctx, options) => tokenSigner(ref, ctx, options),
  verifier: (ref, ctx, options) => tokenVerifier(ref, ctx, options),
};
