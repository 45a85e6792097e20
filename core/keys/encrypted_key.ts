/**
 * cosign's encrypted private key format (sigstore `cryptoutils` over go-securesystemslib
 * `encrypted`): a PEM block `ENCRYPTED SIGSTORE PRIVATE KEY` (older cosign:
 * `ENCRYPTED COSIGN PRIVATE KEY`) whose body is this JSON, with Go's field order, no spaces,
 * and standard padded base64 for byte fields:
 *
 * ```json
 * {"kdf":{"name":"scrypt","params":{"N":65536,"r":8,"p":1},"salt":"<32 bytes>"},
 *  "cipher":{"name":"nacl/secretbox","nonce":"<24 bytes>"},"ciphertext":"<secretbox>"}
 * ```
 *
 * The key is `scrypt(password, salt, N, r, p, 32)`, the plaintext is the PKCS#8 DER key, and
 * the ciphertext is NaCl secretbox (XSalsa20-Poly1305, tag first). cosign writes N=2^16 and reads
 * N in {2^15, 2^16, 2^17} with r=8, p=1; anything else is refused before any work is done.
 *
 * @example
 * ```ts
 * const pem = encryptPrivateKey(pkcs8, "hunter2");
 * const again = decryptPrivateKey(pem, "hunter2", "cosign.key"); // same bytes as pkcs8
 * ```
 * @module
 */
import { secretbox } from "@noble/ciphers/salsa.js";
import { scrypt } from "@noble/hashes/scrypt.js";
import { base64 } from "@scure/base";
import { CosignError } from "../errors.ts";
import { pemDecode, pemEncode } from "./pem.ts";

/** The PEM label cosign writes. */
export const ENCRYPTED_SIGSTORE_LABEL = "ENCRYPTED SIGSTORE PRIVATE KEY";
/** The PEM label older cosign releases wrote; still read. */
export const ENCRYPTED_COSIGN_LABEL = "ENCRYPTED COSIGN PRIVATE KEY";
/** scrypt N values accepted when reading (Legacy, Standard, OWASP in go-securesystemslib). */
export const ACCEPTED_SCRYPT_N: readonly number[] = [1 << 15, 1 << 16, 1 << 17];
/** The scrypt N written by default (as cosign). */
export const DEFAULT_SCRYPT_N = 1 << 16;

/**
 * A scrypt implementation, for callers that have a faster one (node:crypto's native
 * `scryptSync` in plugins). The default is @noble/hashes, which runs everywhere.
 */
export type ScryptFunction = (
  password: Uint8Array,
  salt: Uint8Array,
  params: { N: number; r: number; p: number; dkLen: number },
) => Uint8Array;

const nobleScrypt: ScryptFunction = (password, salt, params) => scrypt(password, salt, params);

/** Options for {@link encryptPrivateKey}. Only tests should set salt/nonce. */
export interface EncryptOptions {
  /** The scrypt implementation (default: @noble/hashes). */
  scrypt?: ScryptFunction;
  /** scrypt N; one of {@link ACCEPTED_SCRYPT_N}. */
  N?: number;
  /** 32-byte salt (random when absent). */
  salt?: Uint8Array;
  /** 24-byte nonce (random when absent). */
  nonce?: Uint8Array;
  /** PEM label; defaults to {@link ENCRYPTED_SIGSTORE_LABEL}. */
  label?: string;
}

function random(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

/**
 * Encrypts PKCS#8 DER into cosign's encrypted PEM. Throws CosignError("KEY") for an N that
 * cosign would not read back.
 */
export function encryptPrivateKey(
  pkcs8: Uint8Array,
  password: string,
  options: EncryptOptions = {},
): string {
  const N = options.N ?? DEFAULT_SCRYPT_N;
  if (!ACCEPTED_SCRYPT_N.includes(N)) {
    throw new CosignError("KEY", `Cannot encrypt private key: scrypt N=${N} is not accepted`);
  }
  const salt = options.salt ?? random(32);
  const nonce = options.nonce ?? random(24);
  if (salt.length !== 32 || nonce.length !== 24) {
    throw new CosignError("KEY", "Cannot encrypt private key: salt must be 32, nonce 24 bytes");
  }
  const kdf = options.scrypt ?? nobleScrypt;
  const key = kdf(new TextEncoder().encode(password), salt, { N, r: 8, p: 1, dkLen: 32 });
  const ciphertext = secretbox(key, nonce).seal(pkcs8);
  // Field order and spacing follow Go's encoding/json on go-securesystemslib's structs.
  const json = `{"kdf":{"name":"scrypt","params":{"N":${N},"r":8,"p":1},"salt":"${
    base64.encode(salt)
  }"},"cipher":{"name":"nacl/secretbox","nonce":"${base64.encode(nonce)}"},"ciphertext":"${
    base64.encode(ciphertext)
  }"}`;
  return pemEncode(options.label ?? ENCRYPTED_SIGSTORE_LABEL, new TextEncoder().encode(json));
}

/** True when `text` holds one of cosign's encrypted private key PEM blocks. */
export function isEncryptedPrivateKeyPem(text: string): boolean {
  return text.includes(`-----BEGIN ${ENCRYPTED_SIGSTORE_LABEL}-----`) ||
    text.includes(`-----BEGIN ${ENCRYPTED_COSIGN_LABEL}-----`);
}

/** The parsed envelope, after every structural check and before any key derivation. */
export interface EncryptedKeyEnvelope {
  /** scrypt N. */
  N: number;
  /** scrypt salt. */
  salt: Uint8Array;
  /** secretbox nonce. */
  nonce: Uint8Array;
  /** secretbox output (tag + encrypted PKCS#8). */
  ciphertext: Uint8Array;
}

function b64field(v: unknown, field: string, name: string): Uint8Array {
  if (typeof v !== "string") throw corrupt(name, `"${field}" is missing or not a string`);
  try {
    return base64.decode(v);
  } catch {
    throw corrupt(name, `"${field}" is not valid base64`);
  }
}

function corrupt(name: string, what: string): CosignError {
  return new CosignError("KEY", `Cannot read private key "${name}": ${what}`, {
    hint: "The key file is corrupt or not a cosign key; use the file generate-key-pair wrote.",
  });
}

/**
 * Parses and checks the envelope of an encrypted key without deriving anything. Throws
 * CosignError("KEY") for a wrong PEM label, bad base64/JSON, or a KDF or cipher other than
 * scrypt (N in {@link ACCEPTED_SCRYPT_N}, r=8, p=1) and nacl/secretbox.
 */
export function parseEncryptedKey(text: string, name = "key"): EncryptedKeyEnvelope {
  const blocks = pemDecode(text, name);
  const block = blocks.find((b) =>
    b.label === ENCRYPTED_SIGSTORE_LABEL || b.label === ENCRYPTED_COSIGN_LABEL
  );
  if (!block) {
    throw new CosignError(
      "KEY",
      `Cannot read private key "${name}": found PEM ${
        blocks.map((b) => `"${b.label}"`).join(", ")
      }, expected "${ENCRYPTED_SIGSTORE_LABEL}"`,
      { hint: "Use import-key-pair to convert a plain PEM key into cosign's format." },
    );
  }
  if (block.bytes.length > 1 << 20) throw corrupt(name, "the envelope is larger than 1 MiB");
  let env: unknown;
  try {
    env = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(block.bytes));
  } catch {
    throw corrupt(name, "the encrypted envelope is not valid JSON");
  }
  const o = env as Record<string, Record<string, unknown> | undefined> | null;
  if (typeof o !== "object" || o === null || Array.isArray(o)) {
    throw corrupt(name, "the encrypted envelope is not a JSON object");
  }
  const kdf = o.kdf, cipher = o.cipher;
  if (typeof kdf !== "object" || kdf === null) throw corrupt(name, '"kdf" is missing');
  if (kdf.name !== "scrypt") {
    throw new CosignError(
      "KEY",
      `Cannot read private key "${name}": KDF ${JSON.stringify(kdf.name)} is not supported`,
      { hint: 'cosign keys use "scrypt".' },
    );
  }
  const params = kdf.params as Record<string, unknown> | undefined;
  const N = params?.N, r = params?.r, p = params?.p;
  if (typeof N !== "number" || !ACCEPTED_SCRYPT_N.includes(N) || r !== 8 || p !== 1) {
    throw new CosignError(
      "KEY",
      `Cannot read private key "${name}": scrypt parameters N=${JSON.stringify(N)}, r=${
        JSON.stringify(r)
      }, p=${JSON.stringify(p)} are not accepted`,
      { hint: "cosign keys use N of 32768, 65536 or 131072 with r=8 and p=1." },
    );
  }
  if (typeof cipher !== "object" || cipher === null) throw corrupt(name, '"cipher" is missing');
  if (cipher.name !== "nacl/secretbox") {
    throw new CosignError(
      "KEY",
      `Cannot read private key "${name}": cipher ${JSON.stringify(cipher.name)} is not supported`,
      { hint: 'cosign keys use "nacl/secretbox".' },
    );
  }
  const salt = b64field(kdf.salt, "salt", name);
  const nonce = b64field(cipher.nonce, "nonce", name);
  const ciphertext = b64field((o as Record<string, unknown>).ciphertext, "ciphertext", name);
  if (salt.length === 0 || salt.length > 1024) throw corrupt(name, "the salt length is invalid");
  if (nonce.length !== 24) throw corrupt(name, `the nonce is ${nonce.length} bytes, not 24`);
  if (ciphertext.length <= 16) throw corrupt(name, "the ciphertext is truncated");
  return { N, salt, nonce, ciphertext };
}

/**
 * Decrypts cosign's encrypted PEM and returns the PKCS#8 DER inside. `name` (the file name)
 * is used in messages; `options.scrypt` swaps in a faster scrypt. Throws
 * CosignError("KEY_PASSWORD") for a wrong password (or a tampered ciphertext, which cannot be
 * told apart), CosignError("KEY") for everything {@link parseEncryptedKey} rejects.
 */
export function decryptPrivateKey(
  text: string,
  password: string,
  name = "key",
  options: { scrypt?: ScryptFunction } = {},
): Uint8Array {
  const env = parseEncryptedKey(text, name);
  const kdf = options.scrypt ?? nobleScrypt;
  const key = kdf(new TextEncoder().encode(password), env.salt, {
    N: env.N,
    r: 8,
    p: 1,
    dkLen: 32,
  });
  try {
    return secretbox(key, env.nonce).open(env.ciphertext);
  } catch {
    throw new CosignError("KEY_PASSWORD", `Cannot decrypt private key "${name}": wrong password`, {
      hint: "Set COSIGN_PASSWORD (or type) the password used when the key was created.",
    });
  }
}
