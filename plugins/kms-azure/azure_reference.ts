/**
 * Azure Key Vault key references as cosign writes them: `azurekms://VAULT_HOST/KEY[/VERSION]`
 * (e.g. `azurekms://release.vault.azure.net/cosign`), with sigstore's regular expression
 * (`pkg/signature/kms/azure`); the vault URL is `https://VAULT_HOST/`. Without a version, the
 * key's current version signs.
 *
 * The vault's address can be redirected (a test stand-in, a private endpoint) with
 * `COSIGN_TS_AZURE_VAULT_ENDPOINT`: a base URL used for every vault, where `{vault}` is replaced
 * by the vault host of the reference (`http://127.0.0.1:8443/{vault}`). The OAuth2 scope stays
 * the one of the vault host's cloud (`https://vault.azure.net/.default` for `*.vault.azure.net`).
 *
 * @example
 * ```ts
 * const r = parseAzureKmsReference("azurekms://release.vault.azure.net/cosign");
 * azureVaultUrl(r, ctx); // "https://release.vault.azure.net"
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import { httpUrl } from "../../core/http_url.ts";
import type { Context } from "../../core/plugin.ts";

/** A parsed `azurekms://` reference. */
export interface AzureKeyReference {
  /** The reference as written. */
  ref: string;
  /** The vault host, e.g. "release.vault.azure.net". */
  vaultHost: string;
  /** Key name. */
  key: string;
  /** Key version, when the reference pins one. */
  version?: string;
}

/** sigstore's reference expression (pkg/signature/kms/azure/client.go). */
const AZURE_REFERENCE = /^azurekms:\/\/([^/]+)\/([^/]+)(\/[a-z0-9]*)?$/;

/** The reference form, for messages. */
export const AZURE_REFERENCE_FORM = "azurekms://VAULT_NAME.vault.azure.net/KEY_NAME[/VERSION]";

/**
 * Parses an `azurekms://` reference. Throws CosignError("INVALID_INPUT") naming the reference
 * and the expected form when it does not match.
 */
export function parseAzureKmsReference(ref: string): AzureKeyReference {
  const m = AZURE_REFERENCE.exec(ref);
  if (!m) {
    throw new CosignError("INVALID_INPUT", `Invalid Azure Key Vault key reference "${ref}"`, {
      hint: `Write it as ${AZURE_REFERENCE_FORM}.`,
    });
  }
  const version = (m[3] ?? "").slice(1);
  return { ref, vaultHost: m[1], key: m[2], version: version || undefined };
}

/**
 * The vault's base URL without a trailing slash: `https://VAULT_HOST`, or
 * `COSIGN_TS_AZURE_VAULT_ENDPOINT` with `{vault}` replaced. Throws CosignError("INVALID_INPUT")
 * for an override that is not an http(s) URL.
 */
export function azureVaultUrl(r: AzureKeyReference, ctx: Context): string {
  const override = ctx.env("COSIGN_TS_AZURE_VAULT_ENDPOINT");
  const url = override ? override.replaceAll("{vault}", r.vaultHost) : `https://${r.vaultHost}`;
  httpUrl(
    url,
    override
      ? `COSIGN_TS_AZURE_VAULT_ENDPOINT "${override}"`
      : `Azure Key Vault host "${r.vaultHost}" in "${r.ref}"`,
    `Write the reference as ${AZURE_REFERENCE_FORM}.`,
  );
  return url.replace(/\/+$/, "");
}

/** The OAuth2 scope of a vault host's cloud (public, China, US Government, managed HSM). */
export function azureVaultScope(vaultHost: string): string {
  const host = vaultHost.replace(/:\d+$/, "").toLowerCase();
  for (const suffix of ["vault.azure.cn", "vault.usgovcloudapi.net", "managedhsm.azure.net"]) {
    if (host.endsWith(`.${suffix}`)) return `https://${suffix}/.default`;
  }
  return "https://vault.azure.net/.default";
}
