/**
 * The certificate and identity flags of cosign's verify commands (`--certificate-identity`,
 * `--certificate-oidc-issuer`, the GitHub workflow flags, `--trusted-root`, …), shared by
 * verify-blob and the other verify commands, and turned into a verification policy.
 * @module
 */
import { CosignError, describeError } from "../core/errors.ts";
import type { IdentityPolicy } from "../core/verify/identity.ts";
import type { VerifyPolicy } from "../core/verify/verify_bundle.ts";
import type { FlagSpec, FlagValues } from "./args.ts";

/** The flags. */
export const KEYLESS_VERIFY_FLAGS: FlagSpec[] = [
  {
    name: "certificate",
    aliases: ["cert"],
    type: "string",
    placeholder: "FILE",
    description: "path to the public certificate (PEM or DER) when the bundle carries none",
  },
  {
    name: "certificate-chain",
    type: "string",
    placeholder: "FILE",
    description: "PEM CA certificates to chain the signing certificate to instead of the trusted " +
      "root's Fulcio CAs: the parent intermediate first, the root last",
  },
  {
    name: "ca-roots",
    type: "string",
    placeholder: "FILE",
    description: "PEM root CA certificates to chain the signing certificate to instead of the " +
      "trusted root's Fulcio CAs (with --ca-intermediates)",
  },
  {
    name: "ca-intermediates",
    type: "string",
    placeholder: "FILE",
    description: "PEM intermediate CA certificates between the signing certificate and --ca-roots",
  },
  {
    name: "timestamp-certificate-chain",
    type: "string",
    placeholder: "FILE",
    description: "PEM chain of the RFC 3161 timestamp authority (leaf, intermediates, root) " +
      "instead of the trusted root's timestamp authorities",
  },
  {
    name: "certificate-identity",
    type: "string",
    placeholder: "ID",
    description: "the identity expected in a valid Fulcio certificate (e-mail, URI, …)",
  },
  {
    name: "certificate-identity-regexp",
    type: "string",
    placeholder: "RE",
    description: "a regular expression the identity must match (unanchored, as cosign)",
  },
  {
    name: "certificate-oidc-issuer",
    type: "string",
    placeholder: "URL",
    description: "the OIDC issuer expected in a valid Fulcio certificate, " +
      "e.g. https://token.actions.githubusercontent.com",
  },
  {
    name: "certificate-oidc-issuer-regexp",
    type: "string",
    placeholder: "RE",
    description: "a regular expression the OIDC issuer must match (unanchored)",
  },
  {
    name: "certificate-github-workflow-trigger",
    type: "string",
    description: "the GitHub workflow trigger expected in the certificate (e.g. push)",
  },
  {
    name: "certificate-github-workflow-sha",
    type: "string",
    description: "the commit SHA expected in the certificate",
  },
  {
    name: "certificate-github-workflow-name",
    type: "string",
    description: "the GitHub workflow name expected in the certificate",
  },
  {
    name: "certificate-github-workflow-repository",
    type: "string",
    description: "the GitHub repository expected in the certificate (owner/name)",
  },
  {
    name: "certificate-github-workflow-ref",
    type: "string",
    description: "the git ref expected in the certificate (e.g. refs/heads/main)",
  },
  {
    name: "trusted-root",
    type: "string",
    placeholder: "FILE",
    description: "trusted_root.json to verify with (default: the one cached by initialize, " +
      "else the embedded public-good root)",
  },
  {
    name: "sct",
    type: "string",
    placeholder: "FILE",
    description: "path to a detached Signed Certificate Timestamp, formatted as a RFC6962 " +
      "AddChainResponse struct; if the certificate also contains SCTs, both are checked",
  },
  {
    name: "insecure-ignore-sct",
    type: "boolean",
    description: "do not require an embedded SCT in the certificate",
  },
  {
    name: "new-bundle-format",
    type: "boolean",
    hidden: true,
    description: "accepted for cosign compatibility (the bundle format is detected)",
  },
];

function s(flags: FlagValues, name: string): string | undefined {
  const v = flags[name];
  return typeof v === "string" && v !== "" ? v : undefined;
}

/**
 * The identity policy the flags ask for. With `requireIdentity` (keyless verification), cosign's
 * rule applies: an identity and an issuer (exact or regexp) must be given.
 * Throws CosignError("USAGE") otherwise.
 */
export function identityPolicyFromFlags(
  flags: FlagValues,
  requireIdentity: boolean,
): IdentityPolicy {
  const p: IdentityPolicy = {
    identity: s(flags, "certificate-identity"),
    identityRegexp: s(flags, "certificate-identity-regexp"),
    issuer: s(flags, "certificate-oidc-issuer"),
    issuerRegexp: s(flags, "certificate-oidc-issuer-regexp"),
    githubWorkflowTrigger: s(flags, "certificate-github-workflow-trigger"),
    githubWorkflowSha: s(flags, "certificate-github-workflow-sha"),
    githubWorkflowName: s(flags, "certificate-github-workflow-name"),
    githubWorkflowRepository: s(flags, "certificate-github-workflow-repository"),
    githubWorkflowRef: s(flags, "certificate-github-workflow-ref"),
  };
  if (requireIdentity) {
    if (!p.identity && !p.identityRegexp) {
      throw new CosignError(
        "USAGE",
        "--certificate-identity or --certificate-identity-regexp is required for verification in keyless mode",
        {
          hint:
            'e.g. --certificate-identity "https://github.com/OWNER/REPO/.github/workflows/release.yml@refs/heads/main"',
        },
      );
    }
    if (!p.issuer && !p.issuerRegexp) {
      throw new CosignError(
        "USAGE",
        "--certificate-oidc-issuer or --certificate-oidc-issuer-regexp is required for verification in keyless mode",
        { hint: "e.g. --certificate-oidc-issuer https://token.actions.githubusercontent.com" },
      );
    }
  }
  return p;
}

/** Largest `--certificate` file read (as verify-blob's other small inputs). */
export const MAX_CERTIFICATE_FILE_BYTES = 1024 * 1024;

/** Largest `--sct` file read (an AddChainResponse is well under a kilobyte). */
export const MAX_SCT_FILE_BYTES = 1024 * 1024;

/**
 * The certificates of a `--certificate` file (PEM or DER; DER, leaf first), read through the
 * shared size-capped reader. Throws CosignError NOT_FOUND/IO, TOO_LARGE beyond
 * {@link MAX_CERTIFICATE_FILE_BYTES} (naming the file and the limit), and INVALID_INPUT when it
 * holds no certificate.
 *
 * @example
 * ```ts
 * policy.certificate = (await readCertificateFile("cert.pem"))[0];
 * ```
 */
export async function readCertificateFile(path: string): Promise<Uint8Array[]> {
  const { readSmallFile } = await import("./blob_input.ts");
  const { certificatesFromPemOrDer } = await import("../core/verify/certificate.ts");
  const data = await readSmallFile(path, MAX_CERTIFICATE_FILE_BYTES, "certificate");
  let der: Uint8Array[];
  try {
    der = certificatesFromPemOrDer(data);
  } catch (e) {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot read certificate "${path}": ${describeError(e)}`,
    );
  }
  if (der.length === 0) {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot read certificate "${path}": no certificate in it`,
    );
  }
  return der;
}

/**
 * The SCT flags into `policy`: `--insecure-ignore-sct` (no SCT required: `ctlogThreshold` 0) and
 * `--sct FILE` (`detachedSct`: the detached SCT's bytes, an RFC 6962 AddChainResponse, at most
 * {@link MAX_SCT_FILE_BYTES}). Throws CosignError NOT_FOUND/IO/TOO_LARGE naming the file when it
 * cannot be read.
 *
 * @example
 * ```ts
 * await applySctFlags(policy, flags);
 * ```
 */
export async function applySctFlags(policy: VerifyPolicy, flags: FlagValues): Promise<void> {
  if (flags["insecure-ignore-sct"] === true) policy.ctlogThreshold = 0;
  const path = s(flags, "sct");
  if (!path) return;
  const { readSmallFile } = await import("./blob_input.ts");
  policy.detachedSct = await readSmallFile(path, MAX_SCT_FILE_BYTES, "SCT");
}
