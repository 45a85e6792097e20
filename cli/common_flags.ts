/**
 * Flag specifications that several commands take word for word: `--yes` (two kinds of prompt),
 * `--issue-certificate`, the blob signers' `--rsa-pss`, and the blob attestations' `--type`. One
 * definition each, so `--help` and the generated docs say the same everywhere. (Signing's
 * `--rekor-url` is `SIGNING_REKOR_URL_FLAG` in sigstore_options.ts, next to its default.)
 *
 * @example
 * ```ts
 * const command = { name: "sign", flags: [YES_TLOG_FLAG, ISSUE_CERTIFICATE_FLAG], … };
 * ```
 * @module
 */
import type { FlagSpec } from "./args.ts";

function yesFlag(prompts: string): FlagSpec {
  return {
    name: "yes",
    short: "y",
    type: "boolean",
    description: `Skip confirmation prompts (${prompts}).`,
  };
}

/** `-y/--yes` of the signing commands: no prompt before the transparency log upload. */
export const YES_TLOG_FLAG: FlagSpec = yesFlag("transparency log upload");

/** `-y/--yes` of the commands that write key files: no prompt before overwriting one. */
export const YES_OVERWRITE_FLAG: FlagSpec = yesFlag("overwrite existing files");

/** `--issue-certificate` of the signing commands. */
export const ISSUE_CERTIFICATE_FLAG: FlagSpec = {
  name: "issue-certificate",
  type: "boolean",
  default: false,
  description: "With --key: also get a Fulcio certificate for the key (needs an identity token).",
};

/** `--rsa-pss` of sign-blob and attest-blob. */
export const SIGN_RSA_PSS_FLAG: FlagSpec = {
  name: "rsa-pss",
  type: "boolean",
  description: "RSA keys: sign with RSASSA-PSS instead of PKCS#1 v1.5 (cosign-ts extension)",
};

/** `--type` of attest-blob and verify-blob-attestation (cosign's wording). */
export const BLOB_PREDICATE_TYPE_FLAG: FlagSpec = {
  name: "type",
  type: "string",
  default: "custom",
  description: "specify a predicate type (slsaprovenance|slsaprovenance02|slsaprovenance1|" +
    "link|spdx|spdxjson|cyclonedx|vuln|openvex|custom) or an URI",
};
