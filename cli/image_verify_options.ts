/**
 * The verification set-up `verify` and `verify-attestation` share for images: the key
 * (`--key`) or the identity policy (`--certificate-identity`…, `--certificate`,
 * `--insecure-ignore-sct`, `--sct`), the trusted root (loaded once, and at once for keyless
 * verification so a bad root fails first), `--insecure-ignore-tlog` with cosign's warning,
 * `--max-workers`, and the online Rekor look-up for legacy signatures without a Rekor bundle.
 *
 * @example
 * ```ts
 * const o = await imageVerifyOptions(flags, ctx);
 * const verified = await verifyArtifact(artifact, { ...o, kind: "attestation" });
 * ```
 * @module
 */
import { CosignError } from "../core/errors.ts";
import type { Artifact, Context, VerifiedSignature } from "../core/plugin.ts";
import type { VerifyArtifactOptions } from "../core/verify_artifact.ts";
import type { VerifyPolicy } from "../core/verify/verify_bundle.ts";
import { bool, type FlagValues, str } from "./args.ts";
import { keyDisplayName, keyReference } from "./security_key.ts";
import { applySctFlags, identityPolicyFromFlags, readCertificateFile } from "./keyless_flags.ts";
import { trustedRootFromFlags } from "./trust_root.ts";

/** `--max-workers`: a whole number of at least 1 (cosign's default 10). */
export function maxWorkersOf(flags: FlagValues): number {
  const text = str(flags, "max-workers") ?? "10";
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n < 1) {
    throw new CosignError(
      "USAGE",
      `Invalid --max-workers "${text}": it must be a whole number of at least 1`,
      {
        hint: "Pass --max-workers N with N >= 1 (default 10).",
      },
    );
  }
  return n;
}

/**
 * The verifyArtifact options the flags ask for (see the module documentation). Throws USAGE for
 * bad flags, NOT_FOUND/IO/TOO_LARGE/INVALID_INPUT for an unreadable `--certificate` (see
 * readCertificateFile), and the trusted root's errors (keyless).
 *
 * @example
 * ```ts
 * const { verifier, policy } = await imageVerifyOptions(flags, ctx);
 * ```
 */
export async function imageVerifyOptions(
  flags: FlagValues,
  ctx: Context,
): Promise<VerifyArtifactOptions> {
  const keyRef = keyReference(flags);
  const maxWorkers = maxWorkersOf(flags);
  const ignoreTlog = bool(flags, "insecure-ignore-tlog");
  const verifier = keyRef ? await ctx.plugins.verifier(keyRef, ctx) : undefined;
  // Keyless: the identity flags (and --certificate) for every certificate.
  let policy: VerifyPolicy = {};
  if (!keyRef) {
    policy = identityPolicyFromFlags(flags, true);
    const certFile = str(flags, "certificate");
    if (certFile) policy.certificate = (await readCertificateFile(certFile))[0];
  }
  await applySctFlags(policy, flags);
  const trustedRoot = trustedRootFromFlags(ctx, flags);
  // Keyless verification needs the trusted root; load it (and fail on it) before anything else.
  if (!keyRef) await trustedRoot();
  if (ignoreTlog) {
    ctx.log.warn(
      "Skipping tlog verification is an insecure practice that lacks transparency and auditability verification for the signature.",
    );
  }
  return {
    ctx,
    verifier,
    keyName: keyDisplayName(keyRef),
    policy,
    trustedRoot,
    ignoreTlog,
    maxWorkers,
    // A legacy signature without its Rekor bundle: looked up in Rekor, as cosign does.
    lookupTlog: ignoreTlog ? undefined : (await import("../core/tlog_lookup.ts")).tlogLookup(
      ctx,
      str(flags, "rekor-url") ?? "https://rekor.sigstore.dev",
      { unreachableIsRejection: true },
    ),
  };
}

/** What {@link printVerificationHeader} says was checked. */
export interface HeaderOptions {
  /** The payload's claims were checked (`--check-claims`). */
  checkClaims: boolean;
  /** `-a` annotations were required. */
  annotations?: boolean;
  /** Verified with a key (else certificates). */
  keyed: boolean;
  /**
   * What content plugins say the artifact holds, when already asked for (see
   * {@link describeAhead}); else asked here.
   */
  described?: Promise<string[]>;
}

/**
 * Starts asking the content plugins what the artifact holds (registry reads of its manifest and
 * config), to run while its signatures are fetched and verified: the answer, or its error, is
 * taken by {@link printVerificationHeader} once verification succeeded, and ignored if it failed.
 */
export function describeAhead(artifact: Artifact, ctx: Context): Promise<string[]> {
  const p = ctx.plugins.describe(artifact, ctx);
  p.catch(() => {}); // reported when awaited; never unhandled when verification fails first
  return p;
}

/**
 * Logs cosign's verification header (PrintVerificationHeader) to stderr: the artifact, then
 * the checks performed on each signature (claims, annotations, log evidence offline or online,
 * key or certificate authority) and what content plugins say the artifact holds.
 *
 * @example
 * ```ts
 * await printVerificationHeader(artifact, verified, { checkClaims: true, keyed: true }, ctx);
 * ```
 */
export async function printVerificationHeader(
  artifact: Artifact,
  verified: VerifiedSignature[],
  o: HeaderOptions,
  ctx: Context,
): Promise<void> {
  const lines = [
    "",
    `Verification for ${artifact.name ?? artifact.ref} --`,
    "The following checks were performed on each of these signatures:",
  ];
  if (o.checkClaims && artifact.payload) {
    if (o.annotations) lines.push("  - The specified annotations were verified.");
    lines.push("  - The cosign claims were validated");
  }
  // As cosign: "verified offline" for log entries carried with the signatures; cosign's
  // online wording when they were looked up in Rekor.
  if (verified.some((v) => v.tlogVerified && !v.tlogOnline)) {
    lines.push("  - Existence of the claims in the transparency log was verified offline");
  } else if (verified.some((v) => v.tlogOnline)) {
    lines.push("  - The claims were present in the transparency log");
    lines.push(
      "  - The signatures were integrated into the transparency log when the certificate was valid",
    );
  }
  if (o.keyed) {
    lines.push("  - The signatures were verified against the specified public key");
  } else {
    lines.push(
      "  - The code-signing certificate was verified using trusted certificate authority certificates",
    );
  }
  for (const d of await (o.described ?? ctx.plugins.describe(artifact, ctx))) {
    lines.push(`  - ${d}`);
  }
  ctx.log.info(lines.join("\n"));
}
