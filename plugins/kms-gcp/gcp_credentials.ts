/**
 * Google access tokens for Cloud KMS, from the two credential sources of Google's Application
 * Default Credentials that fit a signing tool:
 *
 * 1. `GOOGLE_APPLICATION_CREDENTIALS` naming a service-account key file (JSON, `"type":
 *    "service_account"`): a JWT signed RS256 with the account's private key (`iss` the account's
 *    e-mail, `aud` the file's `token_uri`, `scope` cloud-platform, one hour) is exchanged at the
 *    file's `token_uri` for an access token (RFC 7523 JWT bearer grant, as Google's libraries do);
 * 2. otherwise the metadata server of Google Compute Engine, GKE, Cloud Run…
 *    (`http://metadata.google.internal`, or `GCE_METADATA_HOST` as Google's libraries honour it),
 *    asked with `Metadata-Flavor: Google` for the default service account's token.
 *
 * Tokens are kept for the run (one exchange per process). Neither the private key, the assertion
 * nor the access token ever appears in a message.
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
}

const cache = new Map<string, Promise<GcpAccessToken>>();

/**
 * An access token for Cloud KMS from `GOOGLE_APPLICATION_CREDENTIALS` or the metadata server.
 * Throws CosignError("IO"/"INVALID_INPUT"/"UNSUPPORTED") for an unreadable or unusable
 * credentials file, CosignError("AUTH") when Google refuses the credentials, CosignError("NETWORK")
 * when neither source can be reached.
 */
export function gcpAccessToken(ctx: Context): Promise<GcpAccessToken> {
  const file = ctx.env("GOOGLE_APPLICATION_CREDENTIALS");
  const key = file ? `file:${file}` : `metadata:${ctx.env("GCE_METADATA_HOST") ?? ""}`;
  let p = cache.get(key);
  if (!p) {
    p = file ? serviceAccountToken(file, ctx) : metadataToken(ctx);
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

/** The fields of a service-account key file that are used. */
interface ServiceAccountFile {
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri?: string;
}

async function readServiceAccount(file: string): Promise<ServiceAccountFile> {
  const what = `Google credentials "${file}" (GOOGLE_APPLICATION_CREDENTIALS)`;
  let text: string;
  try {
    const { readFile } = await import("node:fs/promises");
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new CosignError("IO", `Cannot read ${what}: ${describeError(e)}`, {
      hint: "Set GOOGLE_APPLICATION_CREDENTIALS to the path of a service-account key file (JSON).",
    });
  }
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text);
    if (typeof json !== "object" || json === null) throw new Error("not an object");
  } catch {
    throw new CosignError("INVALID_INPUT", `Cannot read ${what}: it is not JSON`, {
      hint: "Download a service-account key (JSON) from IAM → Service accounts → Keys.",
    });
  }
  if (json.type !== "service_account") {
    throw new CosignError(
      "UNSUPPORTED",
      `Cannot use ${what}: its type is ${
        JSON.stringify(json.type ?? null)
      }; only "service_account" key files are supported`,
      {
        hint:
          "Use a service-account key file, or unset GOOGLE_APPLICATION_CREDENTIALS on Google Cloud to use the metadata server.",
      },
    );
  }
  for (const f of ["client_email", "private_key"] as const) {
    if (typeof json[f] !== "string" || json[f] === "") {
      throw new CosignError("INVALID_INPUT", `Cannot use ${what}: it has no "${f}"`, {
        hint: "Download a fresh service-account key (JSON) from IAM → Service accounts → Keys.",
      });
    }
  }
  return json as unknown as ServiceAccountFile;
}

async function serviceAccountToken(file: string, ctx: Context): Promise<GcpAccessToken> {
  const sa = await readServiceAccount(file);
  const principal = `service account "${sa.client_email}"`;
  const tokenUri = sa.token_uri || GOOGLE_TOKEN_URI;
  let key: CryptoKey;
  try {
    key = await importPKCS8(sa.private_key, "RS256");
  } catch {
    throw new CosignError(
      "KEY",
      `Cannot use Google credentials "${file}" (GOOGLE_APPLICATION_CREDENTIALS): its private_key is not an RSA PKCS#8 key`,
      { hint: "Download a fresh service-account key (JSON) from IAM → Service accounts → Keys." },
    );
  }
  const now = Math.floor(Date.now() / 1000);
  const header = {
    alg: "RS256",
    typ: "JWT",
    ...(sa.private_key_id ? { kid: sa.private_key_id } : {}),
  };
  const assertion = await new SignJWT({ scope: GCP_SCOPE })
    .setProtectedHeader(header)
    .setIssuer(sa.client_email)
    .setAudience(tokenUri)
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(key);
  const body = new URLSearchParams({
    grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
    assertion,
  }).toString();
  const json = await kmsRequest("Google OAuth2", tokenUri, {
    body,
    contentType: "application/x-www-form-urlencoded",
    action: `get a Google access token for ${principal}`,
    signal: ctx.signal,
    failure: (f) =>
      new CosignError(
        "AUTH",
        `Cannot get a Google access token for ${principal} (GOOGLE_APPLICATION_CREDENTIALS=${file}): Google OAuth2 at ${tokenUri} answered HTTP ${f.status}: ${
          kmsErrorMessage(f.json, f.text)
        }`,
        {
          hint:
            "Check that the file holds a current key of an enabled service account (IAM → Service accounts → Keys) and that this machine's clock is right.",
        },
      ),
  });
  return { accessToken: tokenFrom(json, "Google OAuth2", tokenUri), principal };
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
      `No Google credentials: GOOGLE_APPLICATION_CREDENTIALS is not set and ${
        e.message.replace(/^Cannot get a Google access token: /, "")
      }`,
      {
        hint:
          "Set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file (JSON), or run on Google Cloud where the metadata server answers (GCE_METADATA_HOST overrides its address).",
        cause: e,
      },
    );
  }
  return { accessToken: tokenFrom(json, "the GCE metadata server", host), principal };
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
