/**
 * Google workload identity federation (`"type": "external_account"` credential files, as
 * `google-github-actions/auth` and `gcloud iam workload-identity-pools create-cred-config`
 * write them): the subject token (an OIDC token from the CI or cloud) is read from
 * `credential_source.file` or fetched from `credential_source.url` (with its `headers`; `format`
 * text or json with `subject_token_field_name`), exchanged at `token_url` (Google STS, RFC 8693
 * token exchange for `audience`, cloud-platform scope), and, when the file names
 * `service_account_impersonation_url`, traded for that service account's access token
 * (IAM Credentials `generateAccessToken`, one hour). Executable and AWS sources are refused by
 * name. No token is ever printed.
 *
 * @example
 * ```ts
 * const t = await externalAccountToken(json, { path: "gha-creds.json", origin: "GOOGLE_APPLICATION_CREDENTIALS" }, ctx);
 * ```
 * @module
 */
import { CosignError, describeError } from "../../core/errors.ts";
import type { Context } from "../../core/plugin.ts";
import { kmsErrorMessage, kmsRequest } from "../../core/keys/kms_request.ts";
import { tokenExpiry } from "../../core/keys/token_cache.ts";

/** The fields of an external_account file that are used. */
export interface ExternalAccountJson {
  audience?: string;
  subject_token_type?: string;
  token_url?: string;
  service_account_impersonation_url?: string;
  credential_source?: {
    file?: string;
    url?: string;
    headers?: Record<string, string>;
    format?: { type?: string; subject_token_field_name?: string };
    executable?: unknown;
    environment_id?: string;
  };
}

/** A federated (or impersonated) access token and who it speaks for. */
export interface ExternalAccountToken {
  /** The bearer token. Never print it. */
  accessToken: string;
  /** For messages. */
  principal: string;
  /** When it expires (ms since the epoch), if the answer said. */
  expiresAt?: number;
}

const SCOPE = "https://www.googleapis.com/auth/cloud-platform";

/** The credentials file, for messages. */
export interface ExternalAccountFile {
  /** Its path. */
  path: string;
  /** Which variable or convention named it. */
  origin: string;
}

/**
 * An access token from workload identity federation. Throws CosignError("UNSUPPORTED") for
 * executable or AWS sources, CosignError("IO"/"INVALID_INPUT") for an unreadable subject token,
 * CosignError("AUTH") when STS or IAM Credentials refuse, CosignError("NETWORK") when they cannot
 * be reached or answer garbage.
 */
export async function externalAccountToken(
  json: ExternalAccountJson,
  file: ExternalAccountFile,
  ctx: Context,
): Promise<ExternalAccountToken> {
  const from = `${file.origin}: ${file.path}`;
  const src = json.credential_source ?? {};
  if (src.executable || src.environment_id || (!src.file && !src.url)) {
    throw new CosignError(
      "UNSUPPORTED",
      `Cannot use Google workload identity credentials (${from}): only file and url credential sources are supported`,
      { hint: "Use a credential configuration with a file or url credential_source." },
    );
  }
  const subject = await subjectToken(src, from, ctx);
  const sts = await kmsRequest("Google STS", json.token_url!, {
    body: new URLSearchParams({
      grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      audience: json.audience!,
      scope: SCOPE,
      requested_token_type: "urn:ietf:params:oauth:token-type:access_token",
      subject_token: subject,
      subject_token_type: json.subject_token_type!,
    }).toString(),
    contentType: "application/x-www-form-urlencoded",
    action: `exchange the workload identity token for "${json.audience}"`,
    signal: ctx.signal,
    failure: (f) =>
      new CosignError(
        "AUTH",
        `Cannot exchange the workload identity token (${from}) at Google STS ${json.token_url}: HTTP ${f.status}: ${
          kmsErrorMessage(f.json, f.text)
        }`,
        {
          hint:
            "Check the pool provider's audience, issuer and attribute conditions, and that the CI gives this job an OIDC token.",
        },
      ),
  }) as { access_token?: unknown };
  const federated = sts?.access_token;
  if (typeof federated !== "string" || !federated) {
    throw new CosignError(
      "NETWORK",
      `Google STS at ${json.token_url} answered without an access_token`,
      {
        hint: "Check token_url in the credential configuration.",
      },
    );
  }
  const url = json.service_account_impersonation_url;
  if (!url) {
    return {
      accessToken: federated,
      principal: `the workload identity of "${json.audience}"`,
      expiresAt: tokenExpiry(sts, federated),
    };
  }
  const email = /serviceAccounts\/([^/:]+):generateAccessToken/.exec(url)?.[1] ?? url;
  const principal = `service account "${decodeURIComponent(email)}" (workload identity)`;
  const iam = await kmsRequest("Google IAM Credentials", url, {
    body: { scope: [SCOPE], lifetime: "3600s" },
    headers: { authorization: `Bearer ${federated}` },
    action: `impersonate ${principal}`,
    signal: ctx.signal,
    failure: (f) =>
      new CosignError(
        "AUTH",
        `Cannot impersonate ${principal} (${from}): Google IAM Credentials answered HTTP ${f.status}: ${
          kmsErrorMessage(f.json, f.text)
        }`,
        {
          hint:
            "Grant the workload identity roles/iam.workloadIdentityUser on the service account (gcloud iam service-accounts add-iam-policy-binding).",
        },
      ),
  }) as { accessToken?: unknown; expireTime?: unknown };
  if (typeof iam?.accessToken !== "string" || !iam.accessToken) {
    throw new CosignError(
      "NETWORK",
      `Google IAM Credentials at ${url} answered without an accessToken`,
      {
        hint: "Check service_account_impersonation_url in the credential configuration.",
      },
    );
  }
  return { accessToken: iam.accessToken, principal, expiresAt: tokenExpiry(iam, iam.accessToken) };
}

/** Reads the subject token from the file or URL source, in its format. */
async function subjectToken(
  src: NonNullable<ExternalAccountJson["credential_source"]>,
  from: string,
  ctx: Context,
): Promise<string> {
  const json = src.format?.type === "json";
  const field = src.format?.subject_token_field_name ?? "";
  let raw: unknown;
  if (src.file) {
    try {
      const { readFile } = await import("node:fs/promises");
      const text = await readFile(src.file, "utf8");
      raw = json ? JSON.parse(text) : text;
    } catch (e) {
      throw new CosignError(
        "IO",
        `Cannot read the workload identity token "${src.file}" (${from}): ${describeError(e)}`,
        { hint: "The CI or platform writes that file; check credential_source.file." },
      );
    }
  } else {
    if (!json) {
      throw new CosignError(
        "UNSUPPORTED",
        `Cannot use Google workload identity credentials (${from}): url sources with text format are not supported`,
        { hint: 'Use format {"type": "json", "subject_token_field_name": …}.' },
      );
    }
    raw = await kmsRequest("the workload identity token source", src.url!, {
      method: "GET",
      headers: Object.fromEntries(
        Object.entries(src.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
      ),
      action: "get the workload identity token",
      signal: ctx.signal,
    });
  }
  const token = json ? (raw as Record<string, unknown> | undefined)?.[field] : String(raw).trim();
  if (typeof token !== "string" || token === "") {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot use Google workload identity credentials (${from}): the subject token source has no ${
        json ? `field "${field}"` : "token"
      }`,
      { hint: "Check credential_source.format in the credential configuration." },
    );
  }
  return token;
}
