/**
 * Microsoft Entra ID (Azure AD) access tokens for Key Vault with a service principal's client
 * secret (or certificate), as azidentity's EnvironmentCredential takes it: `AZURE_TENANT_ID`,
 * `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET` (else `AZURE_CLIENT_CERTIFICATE_PATH`, a PEM file:
 * azure_client_certificate.ts), the OAuth2 client-credentials grant at
 * `{AZURE_AUTHORITY_HOST}{tenant}/oauth2/v2.0/token` (default authority
 * `https://login.microsoftonline.com/`, or the one of `AZURE_ENVIRONMENT`'s cloud as cosign reads
 * it: AzureChinaCloud, AzureUSGovernment).
 *
 * As cosign chooses: with `AZURE_AUTH_METHOD=environment` and those variables not all set, the
 * managed identity (azure_managed_identity.ts); with `AZURE_AUTH_METHOD=cli`, or otherwise when
 * they are not all set, the Azure CLI's login (azure_cli_credential.ts).
 *
 * Tokens are kept until a minute before they expire. The secret and the token never appear in a message.
 *
 * @example
 * ```ts
 * const token = await azureAccessToken(ctx, "https://vault.azure.net/.default");
 * headers.authorization = `Bearer ${token.accessToken}`;
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import { httpUrl } from "../../core/http_url.ts";
import type { Context } from "../../core/plugin.ts";
import { kmsErrorMessage, kmsRequest } from "../../core/keys/kms_request.ts";
import { tokenCache, tokenExpiry } from "../../core/keys/token_cache.ts";
import { managedIdentityToken } from "./azure_managed_identity.ts";
import { azureCliToken } from "./azure_cli_credential.ts";
import { clientAssertion, JWT_CLIENT_ASSERTION_TYPE } from "./azure_client_certificate.ts";

/** An access token and who it speaks for. */
export interface AzureAccessToken {
  /** The bearer token. Never print it. */
  accessToken: string;
  /** For messages: `client "ID" of tenant "T"`. */
  principal: string;
  /** When it expires (ms since the epoch), if the answer said. */
  expiresAt?: number;
}

const AUTHORITIES: Record<string, string> = {
  AZURECHINACLOUD: "https://login.chinacloudapi.cn/",
  AZUREUSGOVERNMENT: "https://login.microsoftonline.us/",
  AZUREUSGOVERNMENTCLOUD: "https://login.microsoftonline.us/",
};

/** The Entra ID authority: `AZURE_AUTHORITY_HOST`, else `AZURE_ENVIRONMENT`'s, else public. */
export function azureAuthorityHost(ctx: Context): string {
  const host = ctx.env("AZURE_AUTHORITY_HOST") ||
    AUTHORITIES[(ctx.env("AZURE_ENVIRONMENT") ?? "").toUpperCase()] ||
    "https://login.microsoftonline.com/";
  httpUrl(
    host,
    `AZURE_AUTHORITY_HOST "${host}"`,
    "Unset it for the public cloud, or set it to e.g. https://login.microsoftonline.com/.",
  );
  return host.endsWith("/") ? host : `${host}/`;
}

/** One token per key until it nears its expiry (a failed attempt is forgotten). */
const cached = tokenCache<AzureAccessToken>();

/**
 * An access token for `scope` from the client-credentials flow, the managed identity or the Azure
 * CLI, as cosign chooses (see the module comment). Throws CosignError("AUTH") when
 * the variables are missing or Entra ID refuses them (naming the client and tenant, never the
 * secret), CosignError("NETWORK") when the authority cannot be reached or answers garbage.
 */
export function azureAccessToken(ctx: Context, scope: string): Promise<AzureAccessToken> {
  const tenant = ctx.env("AZURE_TENANT_ID") ?? "";
  const client = ctx.env("AZURE_CLIENT_ID") ?? "";
  const secret = ctx.env("AZURE_CLIENT_SECRET") ?? "";
  const certificate = ctx.env("AZURE_CLIENT_CERTIFICATE_PATH") ?? "";
  const missing = [
    ["AZURE_TENANT_ID", tenant],
    ["AZURE_CLIENT_ID", client],
    ["AZURE_CLIENT_SECRET", secret || certificate],
  ].filter(([, v]) => !v).map(([k]) => k);
  const method = (ctx.env("AZURE_AUTH_METHOD") ?? "").toLowerCase();
  if (method === "cli" || (missing.length && method !== "environment")) {
    // cosign: AZURE_AUTH_METHOD=cli, or no complete service principal: the Azure CLI's login.
    return cached(`cli\0${tenant}\0${scope}`, () => azureCliToken(ctx, scope, missing));
  }
  if (missing.length) {
    // cosign's environment method falls back to the managed identity.
    return cached(`mi\0${client}\0${scope}`, () => managedIdentityToken(ctx, scope));
  }
  if (!/^[A-Za-z0-9.-]+$/.test(tenant)) {
    return Promise.reject(
      new CosignError("INVALID_INPUT", `Invalid AZURE_TENANT_ID "${tenant}"`, {
        hint: "Set it to the directory (tenant) ID, a GUID, or the tenant's domain name.",
      }),
    );
  }
  const credential: ClientCredential = secret ? { secret } : { certificate };
  return cached(
    `${tenant}\0${client}\0${secret ? "secret" : certificate}\0${scope}`,
    () => fetchToken(ctx, tenant, client, credential, scope),
  );
}

/** How the service principal proves itself: its secret, or its certificate (PEM file). */
type ClientCredential = { secret: string; certificate?: undefined } | {
  secret?: undefined;
  certificate: string;
};

async function fetchToken(
  ctx: Context,
  tenant: string,
  client: string,
  credential: ClientCredential,
  scope: string,
): Promise<AzureAccessToken> {
  const principal = `client "${client}" of tenant "${tenant}"`;
  const url = `${azureAuthorityHost(ctx)}${tenant}/oauth2/v2.0/token`;
  const proof: Record<string, string> = credential.secret !== undefined
    ? { client_secret: credential.secret }
    : {
      client_assertion_type: JWT_CLIENT_ASSERTION_TYPE,
      client_assertion: await clientAssertion(credential.certificate, client, url),
    };
  const json = await kmsRequest("Microsoft Entra ID", url, {
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: client,
      ...proof,
      scope,
    }).toString(),
    contentType: "application/x-www-form-urlencoded",
    action: `sign in to Azure as ${principal}`,
    signal: ctx.signal,
    failure: (f) =>
      new CosignError(
        "AUTH",
        `Cannot sign in to Azure as ${principal}: Microsoft Entra ID at ${url} answered HTTP ${f.status}: ${
          kmsErrorMessage(f.json, f.text).split("\r\n")[0]
        }`,
        {
          hint: credential.secret !== undefined
            ? "Check AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (client secrets expire; create a new one under App registrations → Certificates & secrets)."
            : "Check AZURE_TENANT_ID, AZURE_CLIENT_ID and that the certificate in AZURE_CLIENT_CERTIFICATE_PATH is uploaded to the app registration (Certificates & secrets) and not expired.",
        },
      ),
  }) as { access_token?: unknown };
  if (typeof json?.access_token !== "string" || json.access_token === "") {
    throw new CosignError(
      "NETWORK",
      `Cannot sign in to Azure as ${principal}: Microsoft Entra ID at ${url} answered without an access_token`,
      { hint: "Check AZURE_AUTHORITY_HOST: it must point at Microsoft Entra ID." },
    );
  }
  return {
    accessToken: json.access_token,
    principal,
    expiresAt: tokenExpiry(json, json.access_token),
  };
}
