/**
 * The Azure Key Vault keys REST API calls cosign makes (api-version 7.4): get key, create key,
 * sign, over core/keys/kms_request.ts with an Entra ID bearer token for the vault's scope. Key
 * Vault's JSON errors (`{"error":{"code","message"}}`) become CosignErrors that say what to do.
 *
 * @example
 * ```ts
 * const kv = new AzureKeyVaultClient(ctx, parseAzureKmsReference("azurekms://v.vault.azure.net/k"));
 * const bundle = await kv.getKey();
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { Context } from "../../core/plugin.ts";
import { kmsErrorMessage, type KmsFailure, kmsRequest } from "../../core/keys/kms_request.ts";
import { azureAccessToken } from "./azure_credentials.ts";
import { type AzureKeyReference, azureVaultScope, azureVaultUrl } from "./azure_reference.ts";

/** The Key Vault REST API version used. */
export const AZURE_KEYVAULT_API_VERSION = "7.4";

/** The service name in messages. */
export const AZURE_KV = "Azure Key Vault";

/** A Key Vault KeyBundle (the fields used): the key as a JSON Web Key. */
export interface AzureKeyBundle {
  /** The JWK: kid, kty (EC, EC-HSM, RSA, RSA-HSM), crv, x, y, n, e, key_ops. */
  key?: Record<string, unknown>;
  /** enabled, created, … */
  attributes?: { enabled?: boolean };
}

/** A Key Vault client for one key reference and run. */
export class AzureKeyVaultClient {
  readonly #ctx: Context;
  readonly #ref: AzureKeyReference;
  readonly #base: string;

  /** A client for the reference's vault. Throws for a bad vault endpoint override. */
  constructor(ctx: Context, ref: AzureKeyReference) {
    this.#ctx = ctx;
    this.#ref = ref;
    this.#base = azureVaultUrl(ref, ctx);
  }

  /** The key (its pinned version, else the current one); undefined for 404 when `missingOk`. */
  async getKey(missingOk = false): Promise<AzureKeyBundle | undefined> {
    const path = `keys/${enc(this.#ref.key)}${
      this.#ref.version ? `/${enc(this.#ref.version)}` : ""
    }`;
    return await this.#call(
      "GET",
      path,
      `read Azure Key Vault key "${this.#ref.ref}"`,
      undefined,
      missingOk,
    ) as AzureKeyBundle | undefined;
  }

  /** Creates the key (a new key, or a new version of it). */
  async createKey(spec: Record<string, unknown>): Promise<AzureKeyBundle> {
    return await this.#call(
      "POST",
      `keys/${enc(this.#ref.key)}/create`,
      `create Azure Key Vault key "${this.#ref.ref}"`,
      spec,
    ) as AzureKeyBundle;
  }

  /** Signs a digest with one version of the key; returns the answer's `value` (base64url). */
  async sign(version: string, alg: string, digestB64url: string): Promise<unknown> {
    return await this.#call(
      "POST",
      `keys/${enc(this.#ref.key)}/${enc(version)}/sign`,
      `sign with Azure Key Vault key "${this.#ref.ref}"`,
      { alg, value: digestB64url },
    );
  }

  async #call(
    method: "GET" | "POST",
    path: string,
    action: string,
    body: unknown,
    missingOk = false,
  ): Promise<unknown> {
    const { accessToken, principal } = await azureAccessToken(
      this.#ctx,
      azureVaultScope(this.#ref.vaultHost),
    );
    const url = `${this.#base}/${path}?api-version=${AZURE_KEYVAULT_API_VERSION}`;
    return await kmsRequest(AZURE_KV, url, {
      method,
      body,
      headers: { authorization: `Bearer ${accessToken}` },
      action,
      signal: this.#ctx.signal,
      failure: (f) => failure(f, action, principal, this.#ref),
      absentOn: missingOk ? [404] : undefined,
    });
  }
}

const enc = encodeURIComponent;

function failure(
  f: KmsFailure,
  action: string,
  principal: string,
  ref: AzureKeyReference,
): CosignError {
  const err = (f.json as { error?: { code?: unknown } } | undefined)?.error;
  const code = typeof err?.code === "string" ? err.code : "";
  const said = `${AZURE_KV} answered HTTP ${f.status}${code ? ` ${code}` : ""}: ${
    kmsErrorMessage(f.json, f.text)
  }`;
  if (f.status === 404) {
    return new CosignError("KEY", `Cannot ${action}: ${said}`, {
      hint:
        `Check the vault host, key name and version in the reference (az keyvault key list --vault-name ${
          ref.vaultHost.split(".")[0]
        }), or create the key with cosign-ts generate-key-pair --kms azurekms://….`,
    });
  }
  if (f.status === 401) {
    return new CosignError(
      "AUTH",
      `Cannot ${action}: ${AZURE_KV} refused the token of ${principal}: ${said}`,
      {
        hint:
          "Check AZURE_TENANT_ID (the vault's tenant), AZURE_CLIENT_ID and AZURE_CLIENT_SECRET.",
      },
    );
  }
  if (f.status === 403) {
    return new CosignError(
      "AUTH",
      `Cannot ${action}: ${AZURE_KV} denied it to ${principal}: ${said}`,
      {
        hint:
          "Give the service principal the key permissions get and sign (create to generate keys) in the vault's access policies, or the role Key Vault Crypto User (Crypto Officer to create) with Azure RBAC.",
      },
    );
  }
  return new CosignError(f.status >= 500 ? "NETWORK" : "KEY", `Cannot ${action}: ${said}`, {
    hint: f.status >= 500
      ? `${AZURE_KV} failed; try again later.`
      : "Check the key reference and the key's type.",
  });
}
