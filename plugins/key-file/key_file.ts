/**
 * The "file" key provider: key references that are paths (`cosign.key`, `./keys/a.pub`,
 * `file://cosign.key`), and, as cosign's `blob.LoadFileOrURL`, the same key formats read from an
 * environment variable (`env://VAR`) or a URL (`https://…/cosign.pub`), see key_source.ts.
 *
 * - `signer(ref)`: cosign's encrypted key (`ENCRYPTED SIGSTORE PRIVATE KEY` or the older
 *   `ENCRYPTED COSIGN PRIVATE KEY`; the password comes from `ctx.password`) or an unencrypted
 *   PEM private key (PKCS#8, SEC1, PKCS#1).
 * - `verifier(ref)`: a `PUBLIC KEY`, a `CERTIFICATE`, or the public half of a private key.
 * - `generate(prefix)`: an ECDSA P-256 key pair written as `prefix.key` (encrypted, mode 0600)
 *   and `prefix.pub`, atomically, never overwriting without `ctx.confirm`.
 *
 * @example
 * ```ts
 * const signer = await fileKeyProvider.signer("cosign.key", ctx);
 * const pub = await fileKeyProvider.generate!("cosign", ctx); // writes cosign.key, cosign.pub
 * ```
 * @module
 */
import { stat } from "node:fs/promises";
import { CosignError } from "../../core/errors.ts";
import type {
  Context,
  GenerateOptions,
  KeyProvider,
  PublicKeyMaterial,
  Signer,
  SignerOptions,
  Verifier,
} from "../../core/plugin.ts";
import type { PrivateKey } from "../../core/keys/mod.ts";
import process from "node:process";
import { writeFileAtomic } from "../../runtime/atomic_file.ts";
import { FILE_KEY_DESCRIPTION } from "./plugin.ts";
import { KEY_SOURCE_SCHEMES, keyPath, keySourceKind, readKeySource } from "./key_source.ts";

// Loaded on first use so that commands which never touch keys start fast.
const keys = () => import("../../core/keys/mod.ts");

export { keyPath, MAX_KEY_FILE_BYTES, readKeyFile } from "./key_source.ts";

/**
 * Loads the private key in a key file's text, asking for the password when it is encrypted.
 * Throws CosignError("KEY", "KEY_PASSWORD", "ABORTED").
 */
export async function loadPrivateKey(text: string, ref: string, ctx: Context): Promise<PrivateKey> {
  const { decryptPrivateKey, isEncryptedPrivateKeyPem, parsePkcs8, parsePrivateKeyPem } =
    await keys();
  if (isEncryptedPrivateKeyPem(text)) {
    const password = await ctx.password({ purpose: `private key "${ref}"` });
    const { nativeScrypt } = await import("./native_scrypt.ts");
    return parsePkcs8(decryptPrivateKey(text, password, ref, { scrypt: nativeScrypt }), ref);
  }
  if (/-----BEGIN (PUBLIC KEY|CERTIFICATE)-----/.test(text) && !/PRIVATE KEY-----/.test(text)) {
    throw new CosignError("KEY", `Cannot sign with "${ref}": it holds a public key`, {
      hint: "Signing needs the private key (the .key file from generate-key-pair).",
    });
  }
  return parsePrivateKeyPem(text, ref);
}

/** A key pair as text, as cosign's `GenerateKeyPair` keeps it before storing it anywhere. */
export interface KeyPairText {
  /** The private key in cosign's encrypted format (`ENCRYPTED SIGSTORE PRIVATE KEY`). */
  privatePem: string;
  /** The public key. */
  publicKey: PublicKeyMaterial;
  /** The password the private key is encrypted with. */
  password: string;
}

/**
 * Encrypts `key` in cosign's format with `password` (scrypt N=2^16 through node:crypto) and
 * returns it with its public half.
 */
export async function encryptKeyPair(
  key: PrivateKey,
  password: string,
): Promise<KeyPairText> {
  const { encryptPrivateKey, privateKeyToPkcs8, publicKeyMaterial, publicKeyOf } = await keys();
  const { nativeScrypt } = await import("./native_scrypt.ts");
  const privatePem = encryptPrivateKey(privateKeyToPkcs8(key), password, { scrypt: nativeScrypt });
  return { privatePem, publicKey: publicKeyMaterial(publicKeyOf(key)), password };
}

/**
 * A new ECDSA P-256 key pair in memory, encrypted with a password asked through `ctx.password`
 * (twice; COSIGN_PASSWORD when set), for providers that store key pairs elsewhere than files
 * (Kubernetes secrets, CI variables). Throws CosignError("ABORTED") without a password.
 *
 * @example
 * ```ts
 * const { privatePem, publicKey, password } = await newKeyPairText(ctx);
 * ```
 */
export async function newKeyPairText(ctx: Context): Promise<KeyPairText> {
  const password = await ctx.password({ purpose: "private key", confirm: true });
  return await encryptKeyPair((await keys()).generateEcdsaP256().key, password);
}

/** Files written for a key pair. */
export interface KeyPairFiles {
  /** Path of the encrypted private key. */
  keyPath: string;
  /** Path of the public key. */
  pubPath: string;
}

/**
 * Writes `prefix.key` (cosign's encrypted format, mode 0600) and `prefix.pub` (mode 0644),
 * each atomically. Existing files are overwritten only when `force` is set or `ctx.confirm`
 * says yes; the password is asked (twice) after that check.
 * Throws CosignError("ABORTED", "IO").
 */
export async function writeKeyPair(
  prefix: string,
  key: PrivateKey,
  ctx: Context,
  options: GenerateOptions = {},
): Promise<KeyPairFiles & PublicKeyMaterial> {
  const files = { keyPath: `${prefix}.key`, pubPath: `${prefix}.pub` };
  for (const path of [files.keyPath, files.pubPath]) {
    const exists = await stat(path).then(() => true, () => false);
    if (exists && !options.force) {
      const ok = await ctx.confirm(`File ${path} already exists. Overwrite?`);
      if (!ok) {
        throw new CosignError("ABORTED", `Not overwriting "${path}"`, {
          hint: "Pass --yes to overwrite, or choose another --output-key-prefix.",
        });
      }
    }
  }
  const password = await ctx.password({ purpose: "private key", confirm: true });
  const { privatePem: encrypted, publicKey: material } = await encryptKeyPair(key, password);
  await writeFileAtomic(files.keyPath, encrypted, { mode: 0o600, exactMode: true });
  await writeFileAtomic(files.pubPath, material.pem, { mode: 0o644, exactMode: true });
  return { ...files, ...material };
}

/**
 * Warns, as ssh does, when the private key file behind `ref` can be read or written by its group
 * or others (any of the mode bits 0o077). Not on Windows, where modes mean nothing. Never throws:
 * the key is still used.
 *
 * @example
 * ```ts
 * await warnIfKeyUnprotected("cosign.key", ctx); // warns "UNPROTECTED PRIVATE KEY FILE! …"
 * ```
 */
export async function warnIfKeyUnprotected(ref: string, ctx: Context): Promise<void> {
  if (process.platform === "win32" || keySourceKind(ref) !== "file") return;
  const s = await stat(keyPath(ref)).catch(() => undefined);
  if (!s || (s.mode & 0o077) === 0) return;
  const mode = (s.mode & 0o777).toString(8).padStart(4, "0");
  const who = s.mode & 0o007 ? "others" : "its group";
  ctx.log.warn(
    `UNPROTECTED PRIVATE KEY FILE! Permissions ${mode} for "${ref}" are too open: ` +
      `${who} can read it. Using it anyway; run \`chmod 600 ${keyPath(ref)}\` to protect it.`,
  );
}

/** The "file" key provider. */
export const fileKeyProvider: KeyProvider = {
  scheme: "file",
  description: FILE_KEY_DESCRIPTION,
  urlSchemes: KEY_SOURCE_SCHEMES,
  async signer(ref: string, ctx: Context, options?: SignerOptions): Promise<Signer> {
    const text = await readKeySource(ref, ctx);
    if (/PRIVATE KEY-----/.test(text)) await warnIfKeyUnprotected(ref, ctx);
    const { signerFromPrivateKey } = await keys();
    return signerFromPrivateKey(await loadPrivateKey(text, ref, ctx), options);
  },
  async verifier(ref: string, ctx: Context, options?: SignerOptions): Promise<Verifier> {
    const text = await readKeySource(ref, ctx);
    const { publicKeyOf, verifierFromPem, verifierFromPublicKey } = await keys();
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
      await warnIfKeyUnprotected(ref, ctx);
      const key = await loadPrivateKey(text, ref, ctx);
      return verifierFromPublicKey(publicKeyOf(key), options);
    }
    return verifierFromPem(text, { ...options, name: ref });
  },
  async generate(
    ref: string,
    ctx: Context,
    options?: GenerateOptions,
  ): Promise<PublicKeyMaterial> {
    const { key } = (await keys()).generateEcdsaP256();
    const written = await writeKeyPair(keyPath(ref), key, ctx, options);
    return { spki: written.spki, pem: written.pem };
  },
};
