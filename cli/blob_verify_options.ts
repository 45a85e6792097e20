/**
 * What the blob verification commands (`verify-blob`, `verify-blob-attestation`) pass to
 * `verifyArtifact` from their shared flags: the identity policy (`--certificate-identity` …,
 * required when the signature carries a certificate and no `--key` is given), `--certificate`,
 * `--sct`, `--insecure-ignore-sct`, the `--key` verifier and the trusted root (loaded once, when
 * first needed, with `--certificate-chain`, `--ca-roots`, `--timestamp-certificate-chain` applied).
 *
 * @example
 * ```ts
 * const { policy, verifier, trustedRoot } = await blobVerifyOptions(flags, ctx, stored);
 * await verifyArtifact(blob, { ctx, policy, verifier, trustedRoot, signatures: [stored] });
 * ```
 * @module
 */
import type { Context, FlagSpec, FlagValues, StoredSignature, Verifier } from "../core/plugin.ts";
import type { TrustedRoot } from "../core/trust/trusted_root.ts";
import type { VerifyPolicy } from "../core/verify/verify_bundle.ts";
import { bool, str } from "./args.ts";
import { readSmallFile } from "./blob_input.ts";
import { keyReference } from "./security_key.ts";
import { applySctFlags, identityPolicyFromFlags, readCertificateFile } from "./keyless_flags.ts";
import { trustedRootFromFlags } from "./trust_root.ts";

/** `--insecure-ignore-tlog` and `--private-infrastructure`, as the blob verify commands take them. */
export const TLOG_SKIP_FLAGS: FlagSpec[] = [
  {
    name: "insecure-ignore-tlog",
    type: "boolean",
    description: "ignore transparency log verification, to be used when an artifact " +
      "signature has not been uploaded to the transparency log",
  },
  {
    name: "private-infrastructure",
    type: "boolean",
    description: "skip transparency log verification when verifying artifacts in a " +
      "privately deployed infrastructure",
  },
];

/**
 * True when {@link TLOG_SKIP_FLAGS} say the transparency log is not required
 * (`--insecure-ignore-tlog` or `--private-infrastructure`).
 *
 * @example
 * ```ts
 * const ignoreTlog = tlogSkipped(flags);
 * ```
 */
export function tlogSkipped(flags: FlagValues): boolean {
  return bool(flags, "insecure-ignore-tlog") || bool(flags, "private-infrastructure");
}

/** `--offline`, `--rfc3161-timestamp`, `--rekor-url`, `--rsa-pss` of the blob verify commands. */
export const BLOB_VERIFY_FLAGS: FlagSpec[] = [
  { name: "offline", type: "boolean", description: "only allow offline verification" },
  {
    name: "rfc3161-timestamp",
    type: "string",
    placeholder: "FILE",
    description: "path to the RFC 3161 timestamp of --signature (cosign's JSON form)",
  },
  {
    name: "rekor-url",
    type: "string",
    placeholder: "URL",
    default: "https://rekor.sigstore.dev",
    description: "address of the Rekor server",
  },
  {
    name: "rsa-pss",
    type: "boolean",
    description: "RSA keys: verify RSASSA-PSS instead of PKCS#1 v1.5 (cosign-ts extension)",
  },
];

/**
 * The text of an `--rfc3161-timestamp` file (cosign's `{"SignedRFC3161Timestamp": …}` JSON, at
 * most 1 MiB). Throws the errors of `readSmallFile` (missing file, too large).
 *
 * @example
 * ```ts
 * legacy.rfc3161Timestamp = await readTimestampFile(str(flags, "rfc3161-timestamp")!);
 * ```
 */
export async function readTimestampFile(path: string): Promise<string> {
  return new TextDecoder().decode(await readSmallFile(path, 1 << 20, "RFC 3161 timestamp"));
}

/** True when a stored signature carries a certificate (a bundle's or a legacy one's). */
export function hasCertificate(s: StoredSignature): boolean {
  if (s.legacy) return !!s.legacy.certificate;
  const vm = (s.bundle as { verificationMaterial?: Record<string, unknown> })?.verificationMaterial;
  return !!vm && ("certificate" in vm || "x509CertificateChain" in vm);
}

/** What {@link blobVerifyOptions} resolved. */
export interface BlobVerifyOptions {
  /** Identity policy, `--certificate`, SCT settings. */
  policy: VerifyPolicy;
  /** The `--key` verifier, if a key was given. */
  verifier?: Verifier;
  /** The trusted root, loaded on first use. */
  trustedRoot: () => Promise<TrustedRoot>;
}

/**
 * Resolves the shared verification flags for `stored` (see the module documentation). Throws
 * CosignError("USAGE") for missing identity flags, and the errors of the key provider and the
 * certificate and SCT files.
 */
export async function blobVerifyOptions(
  flags: FlagValues,
  ctx: Context,
  stored: StoredSignature,
): Promise<BlobVerifyOptions> {
  const key = keyReference(flags);
  const policy: VerifyPolicy = identityPolicyFromFlags(
    flags,
    (hasCertificate(stored) || !!str(flags, "certificate")) && !key,
  );
  await applySctFlags(policy, flags);
  const certFile = str(flags, "certificate");
  if (certFile) policy.certificate = (await readCertificateFile(certFile))[0];
  const verifier = key
    ? await ctx.plugins.verifier(key, ctx, { rsaPss: bool(flags, "rsa-pss") })
    : undefined;
  return { policy, verifier, trustedRoot: trustedRootFromFlags(ctx, flags) };
}
