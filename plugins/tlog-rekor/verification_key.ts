/**
 * The signer's verification material as Rekor needs it: DER bytes of a certificate or public key,
 * whether it is a certificate, and the Sigstore `keyDetails` name of its key
 * (`PKIX_ECDSA_P256_SHA_256`, `PKIX_ED25519`, `PKIX_RSA_PKCS1V15_2048_SHA256`, …).
 *
 * @example
 * ```ts
 * const vk = await verificationKey(certPem); // { der, isCertificate: true, keyDetails: "PKIX_ECDSA_P256_SHA_256" }
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import { base64Decode } from "../../core/encoding.ts";

/** Parsed verification material. */
export interface VerificationKey {
  /** DER of the certificate or SubjectPublicKeyInfo. */
  der: Uint8Array;
  /** True for an X.509 certificate. */
  isCertificate: boolean;
  /** Sigstore `PublicKeyDetails` name. */
  keyDetails: string;
}

const CURVES: Record<string, string> = {
  "1.2.840.10045.3.1.7": "PKIX_ECDSA_P256_SHA_256",
  "1.3.132.0.34": "PKIX_ECDSA_P384_SHA_384",
  "1.3.132.0.35": "PKIX_ECDSA_P521_SHA_512",
};

/**
 * Reads a PEM certificate or public key. Throws CosignError("KEY") for anything else or for a key
 * type Rekor does not take.
 */
export async function verificationKey(pem: string): Promise<VerificationKey> {
  const m = /-----BEGIN (CERTIFICATE|PUBLIC KEY)-----([\s\S]*?)-----END \1-----/.exec(pem);
  if (!m) {
    throw new CosignError("KEY", "Cannot upload to Rekor: the verification material is not PEM", {
      hint: "Sign with a key or certificate in PEM form.",
    });
  }
  const der = base64Decode(m[2]);
  const isCertificate = m[1] === "CERTIFICATE";
  const pkijs = await import("pkijs");
  let spki: InstanceType<typeof pkijs.PublicKeyInfo>;
  try {
    spki = isCertificate
      ? pkijs.Certificate.fromBER(der.slice().buffer).subjectPublicKeyInfo
      : pkijs.PublicKeyInfo.fromBER(der.slice().buffer);
  } catch (e) {
    throw new CosignError(
      "KEY",
      `Cannot upload to Rekor: the ${
        isCertificate ? "certificate" : "public key"
      } does not parse (${(e as Error).message})`,
    );
  }
  const alg = spki.algorithm.algorithmId;
  let keyDetails: string | undefined;
  if (alg === "1.2.840.10045.2.1") {
    const params = spki.algorithm.algorithmParams as { valueBlock?: { toString(): string } };
    keyDetails = CURVES[params?.valueBlock?.toString() ?? ""];
  } else if (alg === "1.3.101.112") {
    keyDetails = "PKIX_ED25519";
  } else if (alg === "1.2.840.113549.1.1.1") {
    const asn1js = await import("asn1js");
    const parsed = asn1js.fromBER(spki.subjectPublicKey.valueBlock.valueHexView.slice().buffer);
    const seq = parsed.result as InstanceType<typeof asn1js.Sequence>;
    const mod = seq.valueBlock.value[0] as InstanceType<typeof asn1js.Integer>;
    let bytes = new Uint8Array(mod.valueBlock.valueHexView);
    while (bytes.length && bytes[0] === 0) bytes = bytes.subarray(1);
    const bits = bytes.length * 8;
    if ([2048, 3072, 4096].includes(bits)) keyDetails = `PKIX_RSA_PKCS1V15_${bits}_SHA256`;
  }
  if (!keyDetails) {
    throw new CosignError(
      "UNSUPPORTED",
      `Cannot upload to Rekor: key algorithm ${alg} is not supported`,
      { hint: "Use an ECDSA P-256/P-384/P-521, Ed25519 or RSA 2048/3072/4096 key." },
    );
  }
  return { der, isCertificate, keyDetails };
}
