/**
 * Keyless (certificate-bearing) image signatures: a stored signature whose layer carries the
 * Fulcio certificate (`dev.sigstore.cosign/certificate`, chain in `…/chain`), its Rekor bundle
 * and maybe an RFC 3161 timestamp is the same evidence as a Sigstore bundle v0.1 with a message
 * signature over the payload. We build that bundle and hand it to the Sigstore verification
 * engine (`core/verify/verify_bundle.ts`): certificate chain to a Fulcio CA of the trusted root at
 * the log's (or timestamp's) signing time, SCTs, the identity policy (`--certificate-identity`,
 * `--certificate-oidc-issuer`, GitHub claims), the log entry and the signature.
 *
 * @example
 * ```ts
 * await verifyKeylessSignature(sig, { identity: "a@b.c", issuer: "https://…" }, trustedRoot, ctx);
 * ```
 * @module
 */
import { base64 } from "@scure/base";
import { CosignError } from "../../core/errors.ts";
import type { TrustedRoot } from "../../core/trust/trusted_root.ts";
import type { VerifyPolicy, VerifyResult } from "../../core/verify/verify_bundle.ts";
import { sha256 } from "../../core/verify/public_key.ts";
import { tlogEntryFromRekorBundle } from "../../core/legacy_signature.ts";
import type { Witnesses } from "../../core/verify/witnesses.ts";
import { signatureBytes, type StoredSignature } from "./stored_signature.ts";

function pemCertificates(pem: string | undefined): string[] {
  if (!pem) return [];
  const out: string[] = [];
  for (const m of pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)) {
    out.push(m[1].replace(/\s+/g, ""));
  }
  return out;
}

/**
 * The Sigstore bundle v0.1 JSON equivalent to a certificate-bearing stored signature. Throws
 * CosignError("VERIFY") when the signature has no certificate or malformed annotations.
 *
 * @example
 * ```ts
 * const json = await sigstoreBundleJson(sig);
 * ```
 */
export async function sigstoreBundleJson(sig: StoredSignature): Promise<Record<string, unknown>> {
  const certs = pemCertificates(sig.certificate);
  if (certs.length === 0) {
    throw new CosignError(
      "VERIFY",
      sig.certificate
        ? "the signature's certificate annotation holds no PEM certificate"
        : "the signature has no certificate (it was signed with a key: verify with --key)",
    );
  }
  const chain = pemCertificates(sig.chain);
  const tlogEntries = sig.bundle ? [tlogEntryFromRekorBundle(sig.bundle)] : [];
  const rfc3161Timestamps = [];
  if (sig.rfc3161Timestamp) {
    let t: { SignedRFC3161Timestamp?: unknown };
    try {
      t = JSON.parse(sig.rfc3161Timestamp);
    } catch {
      throw new CosignError("VERIFY", "the signature's RFC 3161 timestamp annotation is not JSON");
    }
    if (typeof t?.SignedRFC3161Timestamp !== "string") {
      throw new CosignError("VERIFY", "the signature's RFC 3161 timestamp annotation is malformed");
    }
    rfc3161Timestamps.push({ signedTimestamp: t.SignedRFC3161Timestamp });
  }
  return {
    mediaType: "application/vnd.dev.sigstore.bundle+json;version=0.1",
    verificationMaterial: {
      x509CertificateChain: {
        certificates: [...certs, ...chain.filter((c) => c !== certs[0])].map((c) => ({
          rawBytes: c,
        })),
      },
      tlogEntries,
      ...(rfc3161Timestamps.length ? { timestampVerificationData: { rfc3161Timestamps } } : {}),
    },
    messageSignature: {
      messageDigest: { algorithm: "SHA2_256", digest: base64.encode(await sha256(sig.payload)) },
      signature: base64.encode(signatureBytes(sig)),
    },
  };
}

/**
 * Verifies a certificate-bearing signature with the Sigstore engine under `policy` and `trust`
 * (see the module documentation), its log entry and timestamp by the plugins `witnesses`
 * names (a context, or an explicit list: see core/verify/witnesses.ts). Throws CosignError("VERIFY") naming the failed check,
 * CosignError("USAGE") for an unusable policy.
 *
 * @example
 * ```ts
 * const r = await verifyKeylessSignature(sig, policy, trust, ctx);
 * console.log(r.identity?.sans);
 * ```
 */
export async function verifyKeylessSignature(
  sig: StoredSignature,
  policy: VerifyPolicy,
  trust: TrustedRoot,
  witnesses: Witnesses,
): Promise<VerifyResult> {
  const [{ bundleFromJSONValue }, { verifyBundle }] = await Promise.all([
    import("../../core/bundle.ts"),
    import("../../core/verify/verify_bundle.ts"),
  ]);
  const parsed = await bundleFromJSONValue(
    await sigstoreBundleJson(sig),
    `signature layer ${sig.descriptor.digest}`,
  );
  return await verifyBundle(parsed.bundle, { bytes: sig.payload }, policy, trust, witnesses);
}
