/**
 * libsodium's sealed box (`crypto_box_seal`), the encryption GitHub requires for Actions
 * secrets: an ephemeral X25519 key pair, nonce = BLAKE2b-192(ephemeral public ‖ recipient
 * public), then `crypto_box` (X25519 → HSalsa20 key, XSalsa20-Poly1305), output
 * `ephemeral public ‖ box`. Built from @noble/curves (x25519), @noble/hashes (blake2b) and
 * @noble/ciphers (hsalsa, xsalsa20poly1305); tests check it against python3-nacl's SealedBox.
 *
 * @example
 * ```ts
 * const sealed = sealBox(new TextEncoder().encode("secret"), repoPublicKey); // 48 + 6 bytes
 * const plain = openSealedBox(sealed, recipientSecretKey, recipientPublicKey);
 * ```
 * @module
 */
import { x25519 } from "@noble/curves/ed25519.js";
import { blake2b } from "@noble/hashes/blake2.js";
import { hsalsa, xsalsa20poly1305 } from "@noble/ciphers/salsa.js";
import { CosignError } from "../../core/errors.ts";

/** Bytes a sealed box adds to the message: ephemeral public key (32) + Poly1305 tag (16). */
export const SEAL_OVERHEAD = 48;

// "expand 32-byte k", the Salsa20 constant, as little-endian words.
const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);

function words(bytes: Uint8Array): Uint32Array {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Uint32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = v.getUint32(i * 4, true);
  return out;
}

function bytesOf(w: Uint32Array): Uint8Array {
  const out = new Uint8Array(w.length * 4);
  const v = new DataView(out.buffer);
  for (let i = 0; i < w.length; i++) v.setUint32(i * 4, w[i], true);
  return out;
}

/** `crypto_box_beforenm`: HSalsa20(X25519(secret, public), zero nonce). */
function boxKey(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const shared = x25519.getSharedSecret(secretKey, publicKey);
  const out = new Uint32Array(8);
  hsalsa(SIGMA, words(shared), new Uint32Array(4), out);
  return bytesOf(out);
}

function sealNonce(ephemeralPublic: Uint8Array, recipientPublic: Uint8Array): Uint8Array {
  const input = new Uint8Array(64);
  input.set(ephemeralPublic, 0);
  input.set(recipientPublic, 32);
  return blake2b(input, { dkLen: 24 });
}

function checkKey(key: Uint8Array, what: string): void {
  if (key.length !== 32) {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot use ${what}: an X25519 key is 32 bytes, this one is ${key.length}`,
    );
  }
}

/**
 * Encrypts `message` for the holder of the X25519 `recipientPublicKey` (32 bytes), as
 * libsodium's `crypto_box_seal`. Throws CosignError("INVALID_INPUT") for a key of another size.
 */
export function sealBox(message: Uint8Array, recipientPublicKey: Uint8Array): Uint8Array {
  checkKey(recipientPublicKey, "the recipient's public key");
  const ephemeral = x25519.keygen();
  const nonce = sealNonce(ephemeral.publicKey, recipientPublicKey);
  const box = xsalsa20poly1305(boxKey(ephemeral.secretKey, recipientPublicKey), nonce).encrypt(
    message,
  );
  ephemeral.secretKey.fill(0);
  const out = new Uint8Array(32 + box.length);
  out.set(ephemeral.publicKey, 0);
  out.set(box, 32);
  return out;
}

/**
 * Opens a sealed box (`crypto_box_seal_open`) with the recipient's key pair. Throws
 * CosignError("INVALID_INPUT") when it is too short or does not authenticate.
 */
export function openSealedBox(
  sealed: Uint8Array,
  recipientSecretKey: Uint8Array,
  recipientPublicKey: Uint8Array,
): Uint8Array {
  checkKey(recipientSecretKey, "the recipient's secret key");
  checkKey(recipientPublicKey, "the recipient's public key");
  if (sealed.length < SEAL_OVERHEAD) {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot open a sealed box of ${sealed.length} bytes: it has at least ${SEAL_OVERHEAD}`,
    );
  }
  const ephemeralPublic = sealed.subarray(0, 32);
  const nonce = sealNonce(ephemeralPublic, recipientPublicKey);
  try {
    return xsalsa20poly1305(boxKey(recipientSecretKey, ephemeralPublic), nonce).decrypt(
      sealed.subarray(32),
    );
  } catch {
    throw new CosignError(
      "INVALID_INPUT",
      "Cannot open a sealed box: it was not sealed for this key or was altered",
    );
  }
}
