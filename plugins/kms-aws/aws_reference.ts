/**
 * cosign's `awskms://[ENDPOINT]/ID|ALIAS|ARN` key references (sigstore's
 * `pkg/signature/kms/aws`): a key id (UUID, or `mrk-…` multi-Region), a key ARN, an alias name
 * (`alias/NAME`) or an alias ARN, optionally after an endpoint `host[:port]` that is reached
 * over HTTPS.
 *
 * @example
 * ```ts
 * parseAwsReference("awskms:///alias/release");
 * // { keyId: "alias/release", alias: "alias/release" }
 * parseAwsReference("awskms://localhost:4566/1234abcd-12ab-34cd-56ef-1234567890ab");
 * // { endpoint: "localhost:4566", keyId: "1234abcd-…" }
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";

/** A parsed `awskms://` reference. */
export interface AwsKeyReference {
  /** `host[:port]` from the reference, reached as `https://host[:port]`; absent: the default. */
  endpoint?: string;
  /** What the KMS API's `KeyId` gets: id, key ARN, alias name or alias ARN. */
  keyId: string;
  /** The alias name (`alias/NAME`) for alias forms. */
  alias?: string;
  /** The region named by an ARN. */
  arnRegion?: string;
}

const UUID =
  "m?r?k?-?[A-Fa-f0-9]{8}-?[A-Fa-f0-9]{4}-?[A-Fa-f0-9]{4}-?[A-Fa-f0-9]{4}-?[A-Fa-f0-9]{12}";
const ARN = "arn:(?:aws|aws-us-gov):kms:([a-z0-9-]+):\\d{12}:";
const HOST = "([^/]*)/";
const FORMS: RegExp[] = [
  new RegExp(`^awskms://${HOST}(${UUID})$`),
  new RegExp(`^awskms://${HOST}(${ARN}key/${UUID})$`),
  new RegExp(`^awskms://${HOST}((alias/.*))$`),
  new RegExp(`^awskms://${HOST}(${ARN}(alias/.*))$`),
];

/**
 * Parses an `awskms://` reference. Throws CosignError("INVALID_INPUT") naming the accepted forms
 * for anything else.
 */
export function parseAwsReference(ref: string): AwsKeyReference {
  for (const [i, re] of FORMS.entries()) {
    const m = re.exec(ref);
    if (!m) continue;
    const r: AwsKeyReference = { keyId: m[2] };
    if (m[1]) r.endpoint = m[1];
    if (i === 1) r.arnRegion = m[3];
    if (i === 2) r.alias = m[3];
    if (i === 3) {
      r.arnRegion = m[3];
      r.alias = m[4];
    }
    return r;
  }
  throw new CosignError("INVALID_INPUT", `Cannot use key "${ref}": not an AWS KMS key reference`, {
    hint:
      "Write awskms://[ENDPOINT]/KEY where KEY is a key id (1234abcd-12ab-…), a key ARN, alias/NAME or an alias ARN, e.g. awskms:///alias/release.",
  });
}
