/**
 * Azure managed identity tokens, as azidentity's ManagedIdentityCredential gets them (cosign uses
 * it with `AZURE_AUTH_METHOD=environment` when the client-secret variables are not set):
 *
 * - App Service, Functions, Container Apps: `GET $IDENTITY_ENDPOINT?api-version=2019-08-01&resource=R`
 *   with the header `X-IDENTITY-HEADER: $IDENTITY_HEADER`;
 * - otherwise the Instance Metadata Service of VMs and scale sets:
 *   `GET http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=R`
 *   with `Metadata: true` (the host can be overridden with `AZURE_POD_IDENTITY_AUTHORITY_HOST`,
 *   as azidentity honours it).
 *
 * `AZURE_CLIENT_ID`, when set, picks a user-assigned identity (`client_id=`). The resource is the
 * scope without `/.default`. The identity header and the token never appear in a message.
 *
 * @example
 * ```ts
 * const t = await managedIdentityToken(ctx, "https://vault.azure.net/.default");
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { Context } from "../../core/plugin.ts";
import { kmsErrorMessage, kmsRequest } from "../../core/keys/kms_request.ts";
import { tokenExpiry } from "../../core/keys/token_cache.ts";

/** An access token and who it speaks for. */
export interface ManagedIdentityToken {
  /** The bearer token. Never print it. */
  accessToken: string;
  /** For messages: `the managed identity (IMDS at 169.254.169.254)`. */
  principal: string;
  /** When it expires (ms since the epoch), if the answer said. */
  expiresAt?: number;
}

/**
 * A token for `scope` from the managed identity endpoint the environment names. Throws
 * CosignError("AUTH") when the endpoint refuses (no identity, wrong header), CosignError("NETWORK")
 * when it cannot be reached (not on Azure) or answers garbage.
 */
export async function managedIdentityToken(
  ctx: Context,
  scope: string,
): Promise<ManagedIdentityToken> {
  const resource = scope.replace(/\/\.default$/, "");
  const clientId = ctx.env("AZURE_CLIENT_ID");
  const endpoint = ctx.env("IDENTITY_ENDPOINT");
  const header = ctx.env("IDENTITY_HEADER");
  const query = (version: string) =>
    `api-version=${version}&resource=${encodeURIComponent(resource)}${
      clientId ? `&client_id=${encodeURIComponent(clientId)}` : ""
    }`;
  let url: string;
  let headers: Record<string, string>;
  let where: string;
  if (endpoint && header) {
    url = `${endpoint}${endpoint.includes("?") ? "&" : "?"}${query("2019-08-01")}`;
    headers = { "x-identity-header": header };
    where = `the App Service identity endpoint ${endpoint} (IDENTITY_ENDPOINT)`;
  } else {
    const host = (ctx.env("AZURE_POD_IDENTITY_AUTHORITY_HOST") || "http://169.254.169.254")
      .replace(/\/+$/, "");
    url = `${host}/metadata/identity/oauth2/token?${query("2018-02-01")}`;
    headers = { metadata: "true" };
    where = `the Instance Metadata Service at ${host}`;
  }
  const principal = `the managed identity${clientId ? ` "${clientId}"` : ""} of ${where}`;
  let json: unknown;
  try {
    json = await kmsRequest("Azure managed identity", url, {
      method: "GET",
      headers,
      action: `get an Azure token from ${principal}`,
      signal: ctx.signal,
      timeoutMs: 15_000,
      failure: (f) =>
        new CosignError(
          "AUTH",
          `Cannot get an Azure token from ${principal}: HTTP ${f.status}: ${
            kmsErrorMessage(f.json, f.text)
          }`,
          {
            hint:
              "Check that the machine or app has a managed identity (AZURE_CLIENT_ID names a user-assigned one) with access to the vault, or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET.",
          },
        ),
    });
  } catch (e) {
    if (!(e instanceof CosignError) || e.code === "AUTH") throw e;
    throw new CosignError(e.code, e.message, {
      hint:
        "Managed identity works on Azure only (VMs, App Service, Functions, Container Apps); elsewhere set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET.",
      cause: e,
    });
  }
  const token = (json as { access_token?: unknown } | undefined)?.access_token;
  if (typeof token !== "string" || token === "") {
    throw new CosignError(
      "NETWORK",
      `Cannot get an Azure token from ${principal}: the answer has no access_token`,
      { hint: "Check IDENTITY_ENDPOINT / AZURE_POD_IDENTITY_AUTHORITY_HOST." },
    );
  }
  return { accessToken: token, principal, expiresAt: tokenExpiry(json, token) };
}
