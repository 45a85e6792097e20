/**
 * Keyless signing's signer: an ephemeral P-256 key certified by Fulcio for an OIDC identity.
 * Proves possession by signing the token's subject, asks Fulcio for a certificate, checks the
 * certificate is for this key and, when CT log keys are given, that its SCT verifies.
 *
 * @example
 * ```ts
 * const root = await parseTrustedRoot(text, "trusted_root.json");
 * const signer = await keylessSigner({ fulcioUrl, token, ctlogs: root.ctlogs });
 * const [leafPem] = await signer.certificateChain!();
 * ```
 * @module
 */
import { CosignError } from "./errors.ts";
import { ephemeralSigner } from "./ephemeral_signer.ts";
import { requestSigningCertificate } from "./fulcio.ts";
import { tokenIdentity } from "./oidc.ts";
import type { Signer } from "./plugin.ts";
import type { LogAuthority } from "./trust/trusted_root.ts";

/** Options for {@link keylessSigner}. */
export interface KeylessOptions {
  /** Fulcio base URL. */
  fulcioUrl: string;
  /** OIDC identity token. */
  token: string;
  /** CT logs (of a trusted root) to check the embedded SCT against; undefined skips the check. */
  ctlogs?: LogAuthority[];
  /** Cancels requests. */
  signal?: AbortSignal;
  /**
   * Certify this signer's key instead of an ephemeral one (`--key` with `--issue-certificate`).
   * The caller keeps ownership: it is not closed on failure.
   */
  signer?: Signer;
}

/** A signer whose certificate chain (leaf first) came from Fulcio. */
export interface KeylessSigner extends Signer {
  /** PEM chain, leaf first. */
  certificateChain(): Promise<string[]>;
  /** The identity the certificate was issued for (e-mail or subject). */
  readonly subject: string;
  /** DER leaf certificate. */
  readonly leaf: Uint8Array;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Makes an ephemeral key (or takes `opts.signer`) and gets it certified. Throws CosignError("INVALID_INPUT") for a
 * malformed or expired token, the errors of {@link requestSigningCertificate}, and
 * CosignError("VERIFY") when the certificate is for another key or its SCT does not verify.
 */
export async function keylessSigner(opts: KeylessOptions): Promise<KeylessSigner> {
  const identity = tokenIdentity(opts.token);
  const own = !opts.signer;
  const signer = opts.signer ?? ephemeralSigner();
  try {
    const pub = await signer.publicKey();
    const proof = await signer.sign(new TextEncoder().encode(identity.subject));
    const cert = await requestSigningCertificate({
      url: opts.fulcioUrl,
      token: opts.token,
      publicKeyPem: pub.pem,
      proofOfPossession: proof,
      keyAlgorithm: signer.algorithm.startsWith("ed25519")
        ? "ED25519"
        : signer.algorithm.startsWith("rsa")
        ? "RSA_PSS"
        : "ECDSA",
      signal: opts.signal,
    });
    const pkijs = await import("pkijs");
    let certSpki: Uint8Array;
    try {
      certSpki = new Uint8Array(
        pkijs.Certificate.fromBER(cert.leaf.slice().buffer).subjectPublicKeyInfo.toSchema()
          .toBER(false),
      );
    } catch (e) {
      throw new CosignError(
        "VERIFY",
        `Fulcio at ${opts.fulcioUrl} returned a certificate that does not parse: ${
          (e as Error).message
        }`,
      );
    }
    if (!equal(certSpki, pub.spki)) {
      throw new CosignError(
        "VERIFY",
        `Fulcio at ${opts.fulcioUrl} returned a certificate for another public key`,
        { hint: "Check --fulcio-url: the service did not certify the key it was given." },
      );
    }
    if (opts.ctlogs) {
      const { parseCertificate } = await import("./verify/certificate.ts");
      const { verifyEmbeddedScts } = await import("./verify/sct.ts");
      const issuer = cert.issuers[0];
      try {
        if (!issuer) throw new CosignError("VERIFY", "the chain has no issuer certificate");
        await verifyEmbeddedScts(
          await parseCertificate(cert.leaf),
          await parseCertificate(issuer),
          opts.ctlogs,
        );
      } catch (e) {
        if (e instanceof CosignError) {
          throw new CosignError(
            "VERIFY",
            `Cannot use the certificate from Fulcio at ${opts.fulcioUrl}: its SCT does not ` +
              `verify: ${e.message.replace(/^Cannot verify SCT: /, "")}`,
            {
              hint: "Pass the --trusted-root of this Sigstore deployment (its CT log keys), " +
                "or --insecure-skip-verify for tests only.",
            },
          );
        }
        throw e;
      }
    }
    return {
      algorithm: signer.algorithm,
      hash: signer.hash,
      publicKey: () => signer.publicKey(),
      sign: (m: Uint8Array) => signer.sign(m),
      signDigest: signer.signDigest ? (d: Uint8Array) => signer.signDigest!(d) : undefined,
      close: async () => await signer.close?.(),
      subject: identity.subject,
      leaf: cert.leaf,
      certificateChain: () => Promise.resolve(cert.chain),
    };
  } catch (e) {
    if (own) await signer.close?.();
    throw e;
  }
}
