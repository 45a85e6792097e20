/**
 * Where and as whom to reach AWS KMS, resolved as the AWS SDKs (Go v2, which cosign uses) do:
 *
 * - profile: `AWS_PROFILE` (or `AWS_DEFAULT_PROFILE`), else `default`;
 * - credentials: when `AWS_PROFILE` is set, that profile first (as the Go SDK); otherwise
 *   `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`) from the environment,
 *   then the profile's `aws_access_key_id` / `aws_secret_access_key` / `aws_session_token` in
 *   the shared credentials file (`AWS_SHARED_CREDENTIALS_FILE`, default `~/.aws/credentials`,
 *   sections `[NAME]`) over the config file (`AWS_CONFIG_FILE`, default `~/.aws/config`,
 *   sections `[default]` and `[profile NAME]`), then container credentials (ECS/EKS) and the EC2
 *   instance role through IMDSv2 (aws_instance_credentials.ts);
 * - region: `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`, else the region of an
 *   ARN reference;
 * - endpoint: the reference's `ENDPOINT` (HTTPS), else `AWS_ENDPOINT_URL_KMS`, else
 *   `AWS_ENDPOINT_URL`, else the profile's `endpoint_url`, else `https://kms.REGION.amazonaws.com`.
 *
 * Not supported (a clear error says so): assume-role profiles (`role_arn`), SSO, web identity and
 * `credential_process`.
 *
 * @example
 * ```ts
 * const cfg = await awsConfig(parseAwsReference("awskms:///alias/release"), "awskms:///alias/release", ctx);
 * // cfg.endpoint "https://kms.eu-west-1.amazonaws.com", cfg.region "eu-west-1", cfg.credentials
 * ```
 * @module
 */
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Context } from "../../core/plugin.ts";
import { CosignError } from "../../core/errors.ts";
import { httpUrl } from "../../core/http_url.ts";
import type { AwsKeyReference } from "./aws_reference.ts";
import type { AwsCredentials } from "./sigv4.ts";
import { containerCredentials, imdsCredentials } from "./aws_instance_credentials.ts";

/** Resolved configuration for one key reference. */
export interface AwsConfig {
  /** The KMS endpoint URL, without a trailing slash. */
  endpoint: string;
  /** The signing region. */
  region: string;
  /** The credentials. */
  credentials: AwsCredentials;
}

/** Sections of an INI file (`[name]` → key/value). */
export type IniSections = Map<string, Record<string, string>>;

/** Parses the AWS shared config/credentials INI format (indented sub-sections are skipped). */
export function parseIni(text: string): IniSections {
  const sections: IniSections = new Map();
  let current: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*([#;]|$)/.test(raw)) continue;
    const head = /^\s*\[\s*([^\]]+?)\s*\]\s*$/.exec(raw);
    if (head) {
      current = sections.get(head[1]) ?? {};
      sections.set(head[1], current);
      continue;
    }
    if (/^\s/.test(raw)) continue; // a nested setting (e.g. under "kms =")
    const kv = /^([^=]+?)\s*=\s*(.*?)\s*$/.exec(raw);
    if (kv && current) current[kv[1].toLowerCase()] = kv[2];
  }
  return sections;
}

async function readIni(path: string): Promise<IniSections | undefined> {
  try {
    return parseIni(await readFile(path, "utf8"));
  } catch {
    return undefined;
  }
}

const UNSUPPORTED_KEYS: Record<string, string> = {
  role_arn: "assume-role (role_arn)",
  sso_session: "IAM Identity Center (SSO)",
  sso_start_url: "IAM Identity Center (SSO)",
  credential_process: "credential_process",
  web_identity_token_file: "web identity",
};

/** Resolves endpoint, region and credentials for `key` (see the module documentation). */
export async function awsConfig(
  key: AwsKeyReference,
  ref: string,
  ctx: Context,
): Promise<AwsConfig> {
  const env = (n: string) => ctx.env(n)?.trim() || undefined;
  const home = ctx.env("HOME") || homedir();
  const credFile = env("AWS_SHARED_CREDENTIALS_FILE") ?? join(home, ".aws", "credentials");
  const configFile = env("AWS_CONFIG_FILE") ?? join(home, ".aws", "config");
  const explicitProfile = env("AWS_PROFILE") ?? env("AWS_DEFAULT_PROFILE");
  const profileName = explicitProfile ?? "default";
  const [creds, config] = await Promise.all([readIni(credFile), readIni(configFile)]);
  const profile: Record<string, string> = {
    ...config?.get(profileName === "default" ? "default" : `profile ${profileName}`),
    ...(profileName === "default" ? undefined : config?.get(profileName)), // tolerated by the SDKs
    ...creds?.get(profileName),
  };
  const profileExists = creds?.has(profileName) ||
    config?.has(profileName === "default" ? "default" : `profile ${profileName}`);
  if (explicitProfile && !profileExists) {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot use key "${ref}": AWS profile "${profileName}" is not in ${credFile} or ${configFile}`,
      { hint: "Set AWS_PROFILE to a profile of your AWS config or credentials file." },
    );
  }

  const fromEnv = (): AwsCredentials | undefined => {
    const id = env("AWS_ACCESS_KEY_ID");
    const secret = env("AWS_SECRET_ACCESS_KEY");
    if (!id || !secret) return undefined;
    return {
      accessKeyId: id,
      secretAccessKey: secret,
      sessionToken: env("AWS_SESSION_TOKEN"),
      source: "the environment (AWS_ACCESS_KEY_ID)",
    };
  };
  const fromProfile = (): AwsCredentials | undefined => {
    const id = profile.aws_access_key_id;
    const secret = profile.aws_secret_access_key;
    if (id && secret) {
      return {
        accessKeyId: id,
        secretAccessKey: secret,
        sessionToken: profile.aws_session_token || undefined,
        source: `profile "${profileName}" (${creds?.get(profileName) ? credFile : configFile})`,
      };
    }
    const unsupported = Object.keys(UNSUPPORTED_KEYS).find((k) => profile[k]);
    if (unsupported) {
      throw new CosignError(
        "UNSUPPORTED",
        `Cannot use key "${ref}": AWS profile "${profileName}" uses ${
          UNSUPPORTED_KEYS[unsupported]
        }, which cosign-ts does not support`,
        {
          hint:
            'Export temporary credentials instead, e.g. eval "$(aws configure export-credentials --format env)".',
        },
      );
    }
    return undefined;
  };
  const credentials = (explicitProfile ? fromProfile() ?? fromEnv() : fromEnv() ?? fromProfile()) ??
    await containerCredentials(env, ctx.signal) ?? await imdsCredentials(env, ctx.signal);
  if (!credentials) {
    throw new CosignError("AUTH", `Cannot use key "${ref}": no AWS credentials found`, {
      hint:
        `Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), or add aws_access_key_id/aws_secret_access_key to profile "${profileName}" in ${credFile} (no container credentials or EC2 instance role was found either).`,
    });
  }

  const region = env("AWS_REGION") ?? env("AWS_DEFAULT_REGION") ?? profile.region ??
    key.arnRegion;
  if (!region) {
    throw new CosignError("INVALID_INPUT", `Cannot use key "${ref}": no AWS region is set`, {
      hint:
        `Set AWS_REGION (e.g. us-east-1), or region = … in profile "${profileName}" of ${configFile}.`,
    });
  }
  const endpoint = key.endpoint
    ? `https://${key.endpoint}`
    : env("AWS_ENDPOINT_URL_KMS") ?? env("AWS_ENDPOINT_URL") ?? profile.endpoint_url ??
      `https://kms.${region}.amazonaws.com`;
  httpUrl(
    endpoint,
    `AWS KMS endpoint "${endpoint}" for key "${ref}"`,
    "Check AWS_ENDPOINT_URL_KMS / AWS_ENDPOINT_URL or the reference's endpoint.",
  );
  return { endpoint: endpoint.replace(/\/+$/, ""), region, credentials };
}
