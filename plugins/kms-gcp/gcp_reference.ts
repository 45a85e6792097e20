/**
 * Google Cloud KMS key references as cosign writes them, and the Cloud KMS signing algorithms
 * cosign can use.
 *
 * `gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K[/cryptoKeyVersions/V]` (cosign also
 * accepts `/versions/V`): the same regular expression as sigstore's
 * `pkg/signature/kms/gcp`. Without a version, the newest enabled version of the key signs.
 *
 * @example
 * ```ts
 * const ref = parseGcpKmsReference("gcpkms://projects/p/locations/global/keyRings/r/cryptoKeys/k");
 * ref.keyName; // "projects/p/locations/global/keyRings/r/cryptoKeys/k"
 * gcpAlgorithm("EC_SIGN_P256_SHA256"); // { hash: "sha256", rsaPss: false }
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { HashAlgorithm } from "../../core/plugin.ts";

/** A parsed `gcpkms://` reference. */
export interface GcpKeyReference {
  /** The reference as written. */
  ref: string;
  /** Project ID. */
  project: string;
  /** Location, e.g. "global", "europe-west1". */
  location: string;
  /** Key ring ID. */
  keyRing: string;
  /** Crypto key ID. */
  key: string;
  /** Crypto key version, when the reference pins one. */
  version?: string;
  /** `projects/P/locations/L` (the parent of key rings). */
  locationName: string;
  /** `projects/P/locations/L/keyRings/R`. */
  keyRingName: string;
  /** `projects/P/locations/L/keyRings/R/cryptoKeys/K`. */
  keyName: string;
}

/** sigstore's reference expression (pkg/signature/kms/gcp/client.go). */
const GCP_REFERENCE =
  /^gcpkms:\/\/projects\/([^/]+)\/locations\/([^/]+)\/keyRings\/([^/]+)\/cryptoKeys\/([^/]+)(?:\/(?:cryptoKeyVersions|versions)\/([^/]+))?$/;

/** The reference form, for messages. */
export const GCP_REFERENCE_FORM =
  "gcpkms://projects/PROJECT/locations/LOCATION/keyRings/KEY_RING/cryptoKeys/KEY[/cryptoKeyVersions/VERSION]";

/**
 * Parses a `gcpkms://` reference. Throws CosignError("INVALID_INPUT") naming the reference and
 * the expected form when it does not match.
 */
export function parseGcpKmsReference(ref: string): GcpKeyReference {
  const m = GCP_REFERENCE.exec(ref);
  if (!m) {
    throw new CosignError("INVALID_INPUT", `Invalid Google Cloud KMS key reference "${ref}"`, {
      hint: `Write it as ${GCP_REFERENCE_FORM}.`,
    });
  }
  const [, project, location, keyRing, key, version] = m;
  const locationName = `projects/${project}/locations/${location}`;
  const keyRingName = `${locationName}/keyRings/${keyRing}`;
  return {
    ref,
    project,
    location,
    keyRing,
    key,
    version: version || undefined,
    locationName,
    keyRingName,
    keyName: `${keyRingName}/cryptoKeys/${key}`,
  };
}

/** How cosign signs with a Cloud KMS algorithm. */
export interface GcpAlgorithm {
  /** The digest Cloud KMS signs. */
  hash: HashAlgorithm;
  /** RSA-PSS (else PKCS#1 v1.5 for RSA; unused for EC). */
  rsaPss: boolean;
}

/**
 * The Cloud KMS `CryptoKeyVersionAlgorithm`s cosign signs with (sigstore's algorithm map):
 * NIST P-256/P-384 ECDSA and RSA PKCS#1 v1.5 / PSS.
 */
const ALGORITHMS: Readonly<Record<string, GcpAlgorithm>> = {
  EC_SIGN_P256_SHA256: { hash: "sha256", rsaPss: false },
  EC_SIGN_P384_SHA384: { hash: "sha384", rsaPss: false },
  RSA_SIGN_PKCS1_2048_SHA256: { hash: "sha256", rsaPss: false },
  RSA_SIGN_PKCS1_3072_SHA256: { hash: "sha256", rsaPss: false },
  RSA_SIGN_PKCS1_4096_SHA256: { hash: "sha256", rsaPss: false },
  RSA_SIGN_PKCS1_4096_SHA512: { hash: "sha512", rsaPss: false },
  RSA_SIGN_PSS_2048_SHA256: { hash: "sha256", rsaPss: true },
  RSA_SIGN_PSS_3072_SHA256: { hash: "sha256", rsaPss: true },
  RSA_SIGN_PSS_4096_SHA256: { hash: "sha256", rsaPss: true },
  RSA_SIGN_PSS_4096_SHA512: { hash: "sha512", rsaPss: true },
};

/** The algorithm `generate-key-pair --kms gcpkms://…` creates keys with (cosign's default). */
export const GCP_DEFAULT_ALGORITHM = "EC_SIGN_P256_SHA256";

/**
 * How to sign with a Cloud KMS algorithm. Throws CosignError("UNSUPPORTED") for algorithms
 * cosign does not sign with (raw PKCS#1, secp256k1, Ed25519, symmetric or decryption keys).
 */
export function gcpAlgorithm(name: string, keyVersionName: string): GcpAlgorithm {
  const a = ALGORITHMS[name];
  if (!a) {
    throw new CosignError(
      "UNSUPPORTED",
      `Cannot sign with Google Cloud KMS key version "${keyVersionName}": its algorithm ${name} is not one cosign signs with`,
      {
        hint: `Use a key with purpose ASYMMETRIC_SIGN and one of: ${
          Object.keys(ALGORITHMS).join(", ")
        }.`,
      },
    );
  }
  return a;
}
