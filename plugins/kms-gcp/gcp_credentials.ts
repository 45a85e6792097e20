/**
 * Google access tokens for Cloud KMS from Google's Application Default Credentials, in their
 * order:
 *
 * 1. the file `GOOGLE_APPLICATION_CREDENTIALS` names, else gcloud's well-known file
 *    (`$CLOUDSDK_CONFIG` or `~/.config/gcloud`, `application_default_credentials.json`):
 *    - a service-account key (`"type": "service_account"`): a JWT signed RS256 with the account's
 *      private key (`iss` the account's e-mail, `aud` the file's `token_uri`, `scope`
 *      cloud-platform, one hour) is exchanged at the `token_uri` for an access token (RFC 7523
 *      JWT bearer grant, as Google's libraries do);
 *    - user credentials (`"type": "authorized_user"`, from `gcloud auth application-default
 *      login`): the refresh-token grant with the file's client id and secret;
 *    - workload identity federation (`"type": "external_account"`): gcp_external_account.ts;
 * 2. otherwise the metadata server of Google Compute Engine, GKE, Cloud Run…
 *    (`http://metadata.google.internal`, or `GCE_METADATA_HOST` as Google's libraries honour it),
 *    asked with `Metadata-Flavor: Google` for the default service account's token.
 *
 * Tokens are kept until a minute before they expire (`expires_in`): one exchange per process
 * unless the run outlasts a token. Neither the private key, the client
 * secret, the refresh token, the assertion nor the access token ever appears in a message.
 *
 * @example
 * ```ts
 * const { accessToken, principal } = await gcpAccessToken(ctx);
 * headers.authorization = `Bearer ${accessToken}`;
 * ```
 * @module
 */
import { importPKCS8, SignJWT } from "jose";
import { CosignError, describeError } from "../../core/errors.ts";
import type { Context } from "../../core/plugin.ts";
import { kmsErrorMessage, kmsRequest } from "../../core/keys/kms_request.ts";
import { tokenCache, tokenExpiry } from "../../core/keys/token_cache.ts";
import { type ExternalAccountJson, externalAccountToken } from "./gcp_external_account.ts";

/** The OAuth2 scope asked for (Cloud KMS accepts cloud-platform and cloudkms). */
export const GCP_SCOPE = "https://www.googleapis.com/auth/cloud-platform";

/** Google's token endpoint, when a service-account file names none. */
export const GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token";

/** An access token and who it speaks for. */
export interface GcpAccessToken {
  /** The bearer token. Never print it. */
  accessToken: string;
  /** Who the token is for, for messages: `service account "x@p.iam.gserviceaccount.com"`. */
  principal: string;
  /** When it expires (ms since the epoch), if the answer said. */
  expiresAt?: number;
}

const cached = tokenCache<GcpAccessToken>();

/** Where a credentials file was named, for messages. */
interface CredentialsFile {
  path: string;
  /** e.g. `GOOGLE_APPLICATION_CREDENTIALS` or `gcloud's application default credentials`. */
  origin: string;
}

/**
 * The credentials file Application Default Credentials would use: `GOOGLE_APPLICATION_CREDENTIALS`,
 * else gcloud's well-known file (`$CLOUDSDK_CONFIG` or `~/.config/gcloud`,
 * `application_default_credentials.json`) when it exists; undefined: the metadata server.
 */
async function credentialsFile(ctx: Context): Promise<CredentialsFile | undefined> {
  const named = ctx.env("GOOGLE_APPLICATION_CREDENTIALS");
  if (named) return { path: named, origin: "GOOGLE_APPLICATION_CREDENTIALS" };
  const home = ctx.env("HOME");
  const dir = ctx.env("CLOUDSDK_CONFIG") || (home ? `${home}/.config/gcloud` : undefined);
  if (!dir) return undefined;
  const path = `${dir}/application_default_credentials.json`;
  const { stat } = await import("node:fs/promises");
  const exists = await stat(path).then((s) => s.isFile(), () => false);
  return exists ? { path, origin: "gcloud's application default credentials" } : undefined;
}

/**
 * An access token for Cloud KMS from Application Default Credentials: the file named by
 * `GOOGLE_APPLICATION_CREDENTIALS` or gcloud's well-known file (a service-account key, or the
 * user credentials of `gcloud auth application-default login`), else the metadata server.
 * Throws CosignError("IO"/"INVALID_INPUT"/"UNSUPPORTED") for an unreadable or unusable
 * credentials file, CosignError("AUTH") when Google refuses the credentials, CosignError("NETWORK")
 * when the source cannot be reached.
 */
export function gcpAccessToken(ctx: Context): Promise<GcpAccessToken> {
  const key = `${ctx.env("GOOGLE_APPLICATION_CREDENTIALS") ?? ""}\0${ctx.env("HOME") ?? ""}\0${
    ctx.env("CLOUDSDK_CONFIG") ?? ""
  }\0${ctx.env("GCE_METADATA_HOST") ?? ""}`;
  return cached(
    key,
    () => credentialsFile(ctx).then((file) => file ? fileToken(file, ctx) : metadataToken(ctx)),
  );
}

/** The fields of a credentials file that are used. */
interface CredentialsJson {
  type?: unknown;
  audience?: string;
  subject_token_type?: string;
  token_url?: string;
  client_email?: string;
  private_key?: string;
  private_key_id?: string;
  client_id?: string;
  client_secret?: string;
  refresh_token?: string;
  token_uri?: string;
}

async function readCredentials(file: CredentialsFile): Promise<CredentialsJson> {
  const what = `Google credentials "${file.path}" (${file.origin})`;
  let text: string;
  try {
    const { readFile } = await import("node:fs/promises");
    text = await readFile(file.path, "utf8");
  } catch (e) {
    throw new CosignError("IO", `Cannot read ${what}: ${describeError(e)}`, {
      hint: "Set GOOGLE_APPLICATION_CREDENTIALS to the path of a service-account key file (JSON).",
    });
  }
  let json: CredentialsJson;
  try {
    json = JSON.parse(text);
    if (typeof json !== "object" || json === null) throw new Error("not an object");
  } catch {
    throw new CosignError("INVALID_INPUT", `Cannot read ${what}: it is not JSON`, {
      hint: "Download a service-account key (JSON) from IAM → Service accounts → Keys.",
    });
  }
  const needs = json.type === "service_account"
    ? ["client_email", "private_key"] as const
    : json.type === "authorized_user"
    ? ["client_id", "client_secret", "refresh_token"] as const
    : json.type === "external_account"
    ? ["audience", "subject_token_type", "token_url"] as const
    : undefined;
  if (!needs) {
    throw new CosignError(
      "UNSUPPORTED",
      `Cannot use ${what}: its type is ${
        JSON.stringify(json.type ?? null)
      }; "service_account", "authorized_user" and "external_account" files are supported`,
      {
        hint:
          "Use a service-account key file or gcloud auth application-default login, or unset GOOGLE_APPLICATION_CREDENTIALS on Google Cloud to use the metadata server.",
      },
    );
  }
  for (const f of needs) {
    if (typeof json[f] !== "string" || json[f] === "") {
      throw new CosignError("INVALID_INPUT", `Cannot use ${what}: it has no "${f}"`, {
        hint: json.type === "service_account"
          ? "Download a fresh service-account key (JSON) from IAM → Service accounts → Keys."
          : json.type === "authorized_user"
          ? "Run gcloud auth application-default login again."
          : "Create the credential configuration again (gcloud iam workload-identity-pools create-cred-config).",
      });
    }
  }
  return json;
}

/** A token from a credentials file: the JWT bearer grant or the refresh-token grant. */
async function fileToken(file: CredentialsFile, ctx: Context): Promise<GcpAccessToken> {
  const json = await readCredentials(file);
  if (json.type === "external_account") {
    return await externalAccountToken(json as ExternalAccountJson, file, ctx);
  }
  const tokenUri = json.token_uri || GOOGLE_TOKEN_URI;
  const from = `${file.origin}: ${file.path}`;
  let principal: string;
  let form: Record<string, string>;
  let hint: string;
  if (json.type === "service_account") {
    principal = `service account "${json.client_email}"`;
    form = {
      grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
      assertion: await serviceAccountAssertion(json, tokenUri, file),
    };
    hint =
      "Check that the file holds a current key of an enabled service account (IAM → Service accounts → Keys) and that this machine's clock is right.";
  } else {
    principal = `the user credentials of OAuth client "${json.client_id}"`;
    form = {
      grant_type: "refresh_token",
      client_id: json.client_id!,
      client_secret: json.client_secret!,
      refresh_token: json.refresh_token!,
    };
    hint =
      "The sign-in has expired or was revoked: run gcloud auth application-default login again.";
  }
  const answer = await kmsRequest("Google OAuth2", tokenUri, {
    body: new URLSearchParams(form).toString(),
    contentType: "application/x-www-form-urlencoded",
    action: `get a Google access token for ${principal}`,
    signal: ctx.signal,
    failure: (f) =>
      new CosignError(
        "AUTH",
        `Cannot get a Google access token for ${principal} (${from}): Google OAuth2 at ${tokenUri} answered HTTP ${f.status}: ${
          kmsErrorMessage(f.json, f.text)
        }`,
        { hint },
      ),
  });
  const accessToken = tokenFrom(answer, "Google OAuth2", tokenUri);
  return { accessToken, principal, expiresAt: tokenExpiry(answer, accessToken) };
}

/** The RFC 7523 assertion of a service account: RS256 with its key, for `tokenUri`, one hour. */
async function serviceAccountAssertion(
  sa: CredentialsJson,
  tokenUri: string,
  file: CredentialsFile,
): Promise<string> {
  let key: CryptoKey;
  try {
    key = await importPKCS8(sa.private_key!, "RS256");
  } catch {
    throw new CosignError(
      "KEY",
      `Cannot use Google credentials "${file.path}" (${file.origin}): its private_key is not an RSA PKCS#8 key`,
      { hint: "Download a fresh service-account key (JSON) from IAM → Service accounts → Keys." },
    );
  }
  const now = Math.floor(Date.now() / 1000);
  return await new SignJWT({ scope: GCP_SCOPE })
    .setProtectedHeader({
      alg: "RS256",
      typ: "JWT",
      ...(sa.private_key_id ? { kid: sa.private_key_id } : {}),
    })
    .setIssuer(sa.client_email!)
    .setAudience(tokenUri)
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(key);
}

async function metadataToken(ctx: Context): Promise<GcpAccessToken> {
  const host = ctx.env("GCE_METADATA_HOST") || "metadata.google.internal";
  const url = `http://${host}/computeMetadata/v1/instance/service-accounts/default/token?scopes=${
    encodeURIComponent(GCP_SCOPE)
  }`;
  const principal = `the default service account of the GCE metadata server at ${host}`;
  let json: unknown;
  try {
    json = await kmsRequest("the GCE metadata server", url, {
      method: "GET",
      headers: { "metadata-flavor": "Google" },
      action: "get a Google access token",
      signal: ctx.signal,
      timeoutMs: 10_000,
    });
  } catch (e) {
    if (!(e instanceof CosignError)) throw e;
    throw new CosignError(
      e.code === "AUTH" ? "AUTH" : "NETWORK",
      `No Google credentials: GOOGLE_APPLICATION_CREDENTIALS is not set, there are no gcloud application default credentials, and ${
        e.message.replace(/^Cannot get a Google access token: /, "")
      }`,
      {
        hint:
          "Set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file (JSON), run gcloud auth application-default login, or run on Google Cloud where the metadata server answers (GCE_METADATA_HOST overrides its address).",
        cause: e,
      },
    );
  }
  const accessToken = tokenFrom(json, "the GCE metadata server", host);
  return { accessToken, principal, expiresAt: tokenExpiry(json, accessToken) };
}

/** The `access_token` of an OAuth2 token answer; CosignError("NETWORK") when there is none. */
function tokenFrom(json: unknown, service: string, where: string): string {
  const t = (json as { access_token?: unknown } | undefined)?.access_token;
  if (typeof t !== "string" || t === "") {
    throw new CosignError(
      "NETWORK",
      `Cannot get a Google access token: ${service} at ${where} answered without an access_token`,
      { hint: `Check that the address points at ${service}.` },
    );
  }
  return t;
}
