/**
 * Fulcio v2 client: exchanges an OIDC identity token and a public key (with a proof of
 * possession: a signature over the token's subject, as Fulcio requires) for a short-lived code
 * signing certificate chain (`POST /api/v2/signingCert`).
 *
 * @example
 * ```ts
 * const { chain, detachedSct } = await requestSigningCertificate({
 *   url: "https://fulcio.sigstore.dev",
 *   token,
 *   publicKeyPem: (await signer.publicKey()).pem,
 *   proofOfPossession: await signer.sign(new TextEncoder().encode(subject)),
 * });
 * ```
 * @module
 */
import { base64 } from "@scure/base";
import { CosignError } from "./errors.ts";
import { postToService, responseJson } from "./service_request.ts";
import { base64Decode, derToPem } from "./encoding.ts";

/** Default Fulcio instance (public good). */
export const DEFAULT_FULCIO_URL = "https://fulcio.sigstore.dev";

/** Path of the v2 signing certificate endpoint. */
export const FULCIO_SIGNING_CERT_PATH = "/api/v2/signingCert";

/** A certificate request. */
export interface SigningCertificateRequest {
  /** Fulcio base URL. */
  url: string;
  /** OIDC identity token (JWT). */
  token: string;
  /** The public key to certify, PEM. */
  publicKeyPem: string;
  /** Signature with the matching private key over the token's subject (e-mail or `sub`). */
  proofOfPossession: Uint8Array;
  /** Fulcio's name of the key algorithm: "ECDSA" (default), "ED25519" or "RSA_PSS". */
  keyAlgorithm?: "ECDSA" | "ED25519" | "RSA_PSS";
  /** Cancels the request. */
  signal?: AbortSignal;
}

/** What Fulcio returned. */
export interface SigningCertificate {
  /** PEM certificates, leaf first, each ending in a newline. */
  chain: string[];
  /** DER leaf certificate. */
  leaf: Uint8Array;
  /** DER certificates after the leaf (intermediates, root). */
  issuers: Uint8Array[];
  /** A detached SCT (TLS-encoded), when Fulcio did not embed one. */
  detachedSct?: Uint8Array;
}

/** Splits PEM text into DER certificates. */
export function pemCertificates(text: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  const re = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
  for (const m of text.matchAll(re)) out.push(base64Decode(m[1]));
  return out;
}

/** DER certificate to PEM (64-column lines, trailing newline). */
export function certificatePem(der: Uint8Array): string {
  return derToPem("CERTIFICATE", der);
}

/**
 * Asks Fulcio for a signing certificate. Throws CosignError("NETWORK") when Fulcio cannot be
 * reached or fails, CosignError("AUTH") when it rejects the token (401/403), and
 * CosignError("NETWORK") for an answer without a certificate chain.
 */
export async function requestSigningCertificate(
  req: SigningCertificateRequest,
): Promise<SigningCertificate> {
  const url = req.url.replace(/\/+$/, "") + FULCIO_SIGNING_CERT_PATH;
  const body = JSON.stringify({
    credentials: { oidcIdentityToken: req.token },
    publicKeyRequest: {
      publicKey: { algorithm: req.keyAlgorithm ?? "ECDSA", content: req.publicKeyPem },
      proofOfPossession: base64.encode(req.proofOfPossession),
    },
  });
  const res = await postToService("Fulcio", url, {
    body,
    contentType: "application/json",
    headers: { authorization: `Bearer ${req.token}` },
    signal: req.signal,
  });
  const json = await responseJson("Fulcio", url, res) as Record<string, unknown>;
  const embedded = json.signedCertificateEmbeddedSct as Record<string, unknown> | undefined;
  const detached = json.signedCertificateDetachedSct as Record<string, unknown> | undefined;
  const holder = embedded ?? detached;
  const certs = (holder?.chain as { certificates?: unknown } | undefined)?.certificates;
  if (!Array.isArray(certs) || certs.length === 0 || !certs.every((c) => typeof c === "string")) {
    throw new CosignError("NETWORK", `Fulcio at ${url} returned no certificate chain`, {
      hint: "Check that --fulcio-url points at a Fulcio v2 instance.",
    });
  }
  const ders = (certs as string[]).flatMap((c) => pemCertificates(c));
  if (ders.length === 0) {
    throw new CosignError("NETWORK", `Fulcio at ${url} returned a chain that is not PEM`);
  }
  const sct = detached?.signedCertificateTimestamp;
  return {
    chain: ders.map(certificatePem),
    leaf: ders[0],
    issuers: ders.slice(1),
    detachedSct: typeof sct === "string" ? base64Decode(sct) : undefined,
  };
}
