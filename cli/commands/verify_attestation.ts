/**
 * `cosign-ts verify-attestation`: verifies the attestations stored for container images, as
 * `cosign verify-attestation` does, in both of cosign's layouts: DSSE layers of
 * `sha256-<hex>.att` (cosign's legacy layout) and Sigstore bundles stored as OCI 1.1 referrers
 * (`attest --new-bundle-format`). Each attestation goes through the one verify path
 * (core/verify_artifact.ts, kind "attestation"): the signature over the envelope, the key or
 * certificate identity, the log entry and timestamps, and the in-toto subject against the image
 * digest. Then, as cosign, only the attestations whose predicate type is `--type`'s (default
 * `custom`) count; none: "none of the attestations matched the predicate type: T, found: …"
 * (exit 12). stderr: cosign's verification header; stdout: each matching attestation's DSSE
 * envelope JSON, one a line.
 *
 * Policies (`--policy`) are evaluated over {@link AttestationsVerified.statements}, the
 * statements of the matching attestations, before anything is printed.
 * @module
 */
import { checkPolicies, policyPaths } from "../policy_check.ts";
import { CosignError, isCosignError } from "../../core/errors.ts";
import type { Artifact, Context, VerifiedSignature } from "../../core/plugin.ts";
import { verifyArtifact } from "../../core/verify_artifact.ts";
import { str } from "../args.ts";
import type { Command } from "../command.ts";
import { KEYLESS_VERIFY_FLAGS } from "../keyless_flags.ts";
import { REGISTRY_FLAGS } from "../registry_flags.ts";

/** The attestations of one image that verified and have the wanted predicate type. */
export interface AttestationsVerified {
  /** The image. */
  artifact: Artifact;
  /** The verified attestations of the wanted type, in store order. */
  verified: VerifiedSignature[];
  /** Their in-toto statements (parsed JSON values), for policies. */
  statements: unknown[];
  /** Their DSSE envelopes as cosign prints them (Go JSON of dsse.Envelope). */
  envelopes: string[];
}

/** The envelope JSON of a verified attestation (a bundle's `dsseEnvelope`, in cosign's form). */
async function envelopeText(v: VerifiedSignature): Promise<string> {
  const { envelopeJSON, parseEnvelope } = await import("../../core/dsse.ts");
  const field = (v.stored.bundle as { dsseEnvelope?: unknown } | undefined)?.dsseEnvelope;
  return envelopeJSON(parseEnvelope(JSON.stringify(field ?? {}), `of ${v.stored.location}`));
}

/**
 * Verifies the attestations of `artifact` and keeps those of `predicateType` (a URI). Throws
 * NO_SIGNATURES (none stored, exit 10), NO_MATCH (none verified, exit 12), VERIFY with check
 * "claims" (none of that type, exit 12) and the store's and the network's errors.
 *
 * @example
 * ```ts
 * const r = await verifiedAttestations(artifact, options, "https://slsa.dev/provenance/v1", "slsaprovenance1");
 * ```
 */
export async function verifiedAttestations(
  artifact: Artifact,
  options: Parameters<typeof verifyArtifact>[1],
  predicateType: string,
  typeName: string,
): Promise<AttestationsVerified> {
  let all: VerifiedSignature[];
  try {
    all = await verifyArtifact(artifact, { ...options, kind: "attestation" });
  } catch (e) {
    if (isCosignError(e, "NO_SIGNATURES")) {
      throw new CosignError(
        "NO_SIGNATURES",
        e.message.replace(/^no signatures found/, "no attestations found"),
        { hint: "Attest it with `cosign-ts attest --predicate FILE --type TYPE IMAGE`." },
      );
    }
    throw e;
  }
  const { readStatement } = await import("../../core/intoto.ts");
  const found: string[] = [];
  const out: AttestationsVerified = { artifact, verified: [], statements: [], envelopes: [] };
  for (const v of all) {
    const { statement: st, json } = readStatement(
      v.payload ?? new Uint8Array(0),
      v.stored.location,
      { code: "VERIFY" },
    );
    found.push(st.predicateType);
    if (st.predicateType !== predicateType) continue;
    out.verified.push(v);
    out.statements.push(json);
    out.envelopes.push(await envelopeText(v));
  }
  if (out.verified.length === 0) {
    throw new CosignError(
      "VERIFY",
      `none of the attestations matched the predicate type: ${typeName}, found: ${found.join(",")}`,
      {
        check: "claims",
        hint: "Pass the attestation's type with --type (a cosign name such as slsaprovenance1, " +
          "or the predicate type URI).",
      },
    );
  }
  return out;
}

/** The verify-attestation command. */
export const command: Command = {
  name: "verify-attestation",
  summary: "Verify an attestation on the supplied container image.",
  usage:
    "cosign-ts verify-attestation --key KEY | --certificate-identity ID --certificate-oidc-issuer URL\n" +
    "    [--type TYPE] [--insecure-ignore-tlog] [--trusted-root FILE] IMAGE...",
  examples: [
    "cosign-ts verify-attestation --key cosign.pub --type slsaprovenance1 --insecure-ignore-tlog localhost:5000/app:v1",
    "cosign-ts verify-attestation --certificate-identity alice@example.com --certificate-oidc-issuer https://accounts.example.com --type cyclonedx localhost:5000/app@sha256:…",
  ],
  flags: [
    {
      name: "key",
      type: "string",
      placeholder: "KEY",
      description: "Path to the public key file, KMS URI or other key reference.",
    },
    {
      name: "type",
      type: "string",
      default: "custom",
      placeholder: "TYPE",
      description: "The predicate type to verify: slsaprovenance, slsaprovenance02, " +
        "slsaprovenance1, link, spdx, spdxjson, cyclonedx, vuln, openvex, custom, or a URI.",
    },
    {
      name: "check-claims",
      type: "boolean",
      default: true,
      description: "Check that the statement's subject names the image digest.",
    },
    {
      name: "insecure-ignore-tlog",
      type: "boolean",
      description:
        "Do not require transparency-log evidence (for --tlog-upload=false attestations).",
    },
    {
      name: "output",
      short: "o",
      type: "string",
      default: "json",
      description: "Accepted for cosign compatibility: attestations are printed as their " +
        "envelope JSON, one a line.",
    },
    {
      name: "local-image",
      type: "boolean",
      description: "IMAGE is the directory of an image saved with `cosign-ts save` (an OCI " +
        "layout): verify its saved attestations from disk, without a registry.",
    },
    {
      name: "max-workers",
      type: "string",
      placeholder: "N",
      default: "10",
      description: "How many attestations are fetched and verified at once (at least 1).",
    },
    {
      name: "rekor-url",
      type: "string",
      default: "https://rekor.sigstore.dev",
      description: "Address of the Rekor server where attestations without a Rekor bundle are " +
        "looked up.",
    },
    {
      name: "policy",
      type: "strings",
      placeholder: "FILE",
      description: "Specify CUE or Rego files with policies to be used for validation " +
        "(also TypeScript .ts/.js policies, or a plugin's; repeatable or comma-separated).",
    },
    ...KEYLESS_VERIFY_FLAGS.filter((f) => f.name !== "certificate-chain"),
    ...REGISTRY_FLAGS,
  ],
  args: { min: 1 },
  async run({ flags, args, ctx, io }) {
    const output = str(flags, "output") ?? "json";
    if (output !== "json" && output !== "text") {
      throw new CosignError("USAGE", `Unknown --output "${output}"`, { hint: "Use json or text." });
    }
    const typeName = str(flags, "type") ?? "custom";
    const { predicateTypeURI } = await import("../../core/intoto.ts");
    const predicateType = predicateTypeURI(typeName);
    const checkClaims = flags["check-claims"] !== false;
    const policies = policyPaths(flags.policy as string[] | undefined);
    const { describeAhead, imageVerifyOptions, printVerificationHeader } = await import(
      "../image_verify_options.ts"
    );
    const options = await imageVerifyOptions(flags, ctx);
    for (const ref of args) {
      const artifact = flags["local-image"] === true
        ? await (await import("../../plugins/artifact-oci/mod.ts")).localImageArtifact(ref, ctx)
        : await ctx.plugins.resolve(ref, ctx);
      const described = describeAhead(artifact, ctx);
      const r = await verifiedAttestations(
        artifact,
        { ...options, checkClaims },
        predicateType,
        typeName,
      );
      // Policies (--policy) see the verified statements before anything is printed.
      await checkPolicies(policies, r.statements, ctx, { subject: ref });
      await printVerificationHeader(artifact, r.verified, {
        checkClaims,
        keyed: !!options.verifier,
        described,
      }, ctx);
      for (const [i, v] of r.verified.entries()) {
        printIdentity(v, ctx);
        await io.out(r.envelopes[i] + "\n");
      }
    }
    return 0;
  },
};

/** As cosign's text output: the certificate's subject and issuer, on stderr. */
function printIdentity(v: VerifiedSignature, ctx: Context): void {
  if (!v.identity) return;
  ctx.log.info(`Certificate subject: ${v.identity.sans[0] ?? ""}`);
  if (v.identity.issuer) ctx.log.info(`Certificate issuer URL: ${v.identity.issuer}`);
}
