/**
 * {@link Signer}s and {@link Verifier}s for keys that live in a service (KMS, HSM, hardware
 * token): the key provider supplies the public key and one remote operation (sign a digest, or a
 * whole message for Ed25519); this module supplies the rest of the contract, so every provider
 * behaves the same:
 *
 * - `sign(message)` hashes with the key's hash and calls the remote `signDigest` (the content
 *   never leaves the machine, large inputs stream); Ed25519 keys without a hash send the message;
 * - `algorithm` is named from the key and hash (`ecdsa-p256-sha256`, `rsa-pss-sha256`, …);
 * - {@link remoteVerifier} verifies locally with the public key and the service's hash (e.g.
 *   SHA-384 for an AWS `ECC_NIST_P384` key), unless the provider verifies remotely;
 * - {@link ecdsaRawToDer} / {@link ecdsaDerToRaw} convert between the raw r‖s that some
 *   services answer (Azure, PKCS#11) and the ASN.1 DER cosign puts on the wire.
 *
 * @example
 * ```ts
 * const signer = remoteSigner({
 *   publicKey: await fetchPublicKey(),           // PublicKeyMaterial
 *   hash: "sha256",
 *   signDigest: (d) => kmsSign(d),              // DER ECDSA or RSA signature
 * });
 * const verifier = remoteVerifier(await signer.publicKey(), { hash: "sha256" });
 * ```
 * @module
 */
import { CosignError } from "../errors.ts";
import type { HashAlgorithm, PublicKeyMaterial, Signer, Verifier } from "../plugin.ts";
import {
  curveByteLength,
  curveImpl,
  type EcCurve,
  parseSpki,
  type PublicKey,
} from "./public_key.ts";
import { hashFn, hashLength, rsaVerifyDigest } from "./rsa.ts";
import { verifierFromPublicKey } from "./verifier.ts";

/** What a key provider gives {@link remoteSigner}. */
export interface RemoteSignerOptions {
  /** The key's public half (as the service reports it). */
  publicKey: PublicKeyMaterial;
  /** The hash the service signs digests of; absent for pure Ed25519 (then `signMessage`). */
  hash?: HashAlgorithm;
  /** Signs a digest made with `hash`: DER ECDSA, PKCS#1 v1.5 or PSS RSA. */
  signDigest?: (digest: Uint8Array) => Promise<Uint8Array>;
  /** Signs a whole message (Ed25519 keys, services that cannot take a digest). */
  signMessage?: (message: Uint8Array) => Promise<Uint8Array>;
  /** RSA keys: the service signs with PSS (names the algorithm). */
  rsaPss?: boolean;
  /** Overrides the algorithm name derived from the key. */
  algorithm?: string;
  /** PEM certificates that come with the key (leaf first). */
  certificateChain?: () => Promise<string[] | undefined>;
  /** Releases the connection or session. */
  close?: () => Promise<void>;
  /**
   * Verify every signature locally with the public key before returning it, so a service that
   * answers garbage fails the command before anything is written or uploaded. The error is
   * CosignError("NETWORK") naming `service`.
   */
  checkSignatures?: { service: string; keyRef: string };
}

/** The algorithm name of a key signing with `hash`: `ecdsa-p384-sha384`, `rsa-pss-sha256`. */
export function remoteAlgorithmName(key: PublicKey, hash?: HashAlgorithm, rsaPss = false): string {
  switch (key.type) {
    case "ec":
      return `ecdsa-${key.curve.toLowerCase().replace("-", "")}-${hash ?? "sha256"}`;
    case "rsa":
      return `rsa-${rsaPss ? "pss" : "pkcs1v15"}-${hash ?? "sha256"}`;
    case "ed25519":
      return "ed25519";
  }
}

/**
 * A {@link Signer} whose signatures come from a service. Throws CosignError("INTERNAL") when
 * neither `signDigest` (with `hash`) nor `signMessage` is given; the remote operations' own
 * errors pass through.
 */
export function remoteSigner(options: RemoteSignerOptions): Signer {
  const key = parseSpki(options.publicKey.spki, "the service's public key");
  const { hash, checkSignatures } = options;
  if (!(hash && options.signDigest) && !options.signMessage) {
    throw new CosignError("INTERNAL", "remoteSigner needs signDigest with a hash, or signMessage");
  }
  const verifier = checkSignatures &&
    remoteVerifier(options.publicKey, { hash, rsaPss: options.rsaPss });
  const bad = () =>
    new CosignError(
      "NETWORK",
      `Cannot sign with "${checkSignatures!.keyRef}": ${
        checkSignatures!.service
      } answered a signature that does not verify with the key's public key`,
      {
        hint: `Check that the address points at ${
          checkSignatures!.service
        } and that the key was not rotated while signing; nothing was written.`,
      },
    );
  const signDigest = options.signDigest &&
    (async (d: Uint8Array): Promise<Uint8Array> => {
      const sig = await options.signDigest!(d);
      if (verifier && !(await verifier.verifyDigest!(d, sig))) throw bad();
      return sig;
    });
  const signMessage = options.signMessage &&
    (async (m: Uint8Array): Promise<Uint8Array> => {
      const sig = await options.signMessage!(m);
      if (verifier && !(await verifier.verify(m, sig))) throw bad();
      return sig;
    });
  const signer: Signer = {
    algorithm: options.algorithm ?? remoteAlgorithmName(key, hash, options.rsaPss),
    publicKey: () => Promise.resolve(options.publicKey),
    sign: hash && signDigest
      ? (message) => signDigest(hashFn(hash)(message))
      : (message) => signMessage!(message),
  };
  if (hash && signDigest) {
    Object.assign(signer, {
      hash,
      signDigest(digest: Uint8Array): Promise<Uint8Array> {
        if (digest.length !== hashLength(hash)) {
          return Promise.reject(
            new CosignError(
              "INTERNAL",
              `The key signs ${hash} digests, got ${digest.length} bytes`,
            ),
          );
        }
        return signDigest(digest);
      },
    });
  }
  if (options.certificateChain) signer.certificateChain = options.certificateChain;
  if (options.close) signer.close = options.close;
  return signer;
}

/** Options of {@link remoteVerifier}. */
export interface RemoteVerifierOptions {
  /** The hash the service signs with (default SHA-256); ignored for Ed25519. */
  hash?: HashAlgorithm;
  /** RSA keys: signatures are PSS (MGF1 with the same hash, salt = hash length). */
  rsaPss?: boolean;
  /**
   * Verifies a digest remotely (as cosign does for Vault): true/false from the service. Absent:
   * verification is local, with the public key.
   */
  verifyDigest?: (digest: Uint8Array, signature: Uint8Array) => Promise<boolean>;
}

/**
 * A {@link Verifier} for a service's key: local verification with the public key and the
 * service's hash, or the service's own verify call (`options.verifyDigest`). Throws
 * CosignError("KEY"/"UNSUPPORTED") for a public key that does not parse.
 */
export function remoteVerifier(
  publicKey: PublicKeyMaterial,
  options: RemoteVerifierOptions = {},
): Verifier {
  const key = parseSpki(publicKey.spki, "the service's public key");
  const base = verifierFromPublicKey(key, { rsaPss: options.rsaPss });
  if (key.type === "ed25519") return base;
  const hash = options.hash ?? "sha256";
  const local = key.type === "rsa"
    ? (digest: Uint8Array, sig: Uint8Array): Promise<boolean> => {
      try {
        return Promise.resolve(
          rsaVerifyDigest(key, digest, sig, hash, options.rsaPss ? "pss" : "pkcs1"),
        );
      } catch {
        return Promise.resolve(false);
      }
    }
    : base.verifyDigest!;
  const verifyDigest = options.verifyDigest ?? local;
  return {
    algorithm: remoteAlgorithmName(key, hash, options.rsaPss),
    hash,
    publicKey: () => Promise.resolve(publicKey),
    verifyDigest,
    verify: (message, sig) => verifyDigest(hashFn(hash)(message), sig),
  };
}

/**
 * An ECDSA signature as ASN.1 DER from raw r‖s (each half the curve's size; the curve is
 * inferred from the length when not given). Throws CosignError("INVALID_INPUT") for a length
 * that fits no curve or values out of range.
 *
 * @example
 * ```ts
 * const der = ecdsaRawToDer(rawFromAzure); // 64 bytes → DER for P-256
 * ```
 */
export function ecdsaRawToDer(raw: Uint8Array, curve?: EcCurve): Uint8Array {
  const c = curve ??
    (["P-256", "P-384", "P-521"] as const).find((x) => curveByteLength(x) * 2 === raw.length);
  if (!c || raw.length !== curveByteLength(c) * 2) {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot read an ECDSA signature of ${raw.length} bytes: expected r‖s of a P-256, P-384 or P-521 key`,
    );
  }
  try {
    return curveImpl(c).Signature.fromBytes(raw, "compact").toBytes("der");
  } catch (e) {
    throw new CosignError("INVALID_INPUT", `Cannot read the ECDSA signature: ${e}`);
  }
}

/**
 * An ECDSA signature as raw r‖s (each half the curve's size) from ASN.1 DER. Throws
 * CosignError("INVALID_INPUT") for DER that does not parse.
 *
 * @example
 * ```ts
 * const raw = ecdsaDerToRaw(der, "P-256"); // 64 bytes
 * ```
 */
export function ecdsaDerToRaw(der: Uint8Array, curve: EcCurve): Uint8Array {
  try {
    return curveImpl(curve).Signature.fromBytes(der, "der").toBytes("compact");
  } catch (e) {
    throw new CosignError("INVALID_INPUT", `Cannot read the DER ECDSA signature: ${e}`);
  }
}
