/**
 * Azure CLI credentials, as azidentity's AzureCLICredential gets them and as cosign falls back to
 * them when the environment names no service principal (or `AZURE_AUTH_METHOD=cli`): runs
 * `az account get-access-token --output json --resource R [--tenant T]` (R the vault scope
 * without `/.default`, T from `AZURE_TENANT_ID`) with the caller's environment (so
 * `AZURE_CONFIG_DIR` and the `az login` session apply), within 30 s and `-t/--timeout`, and reads
 * `accessToken` from its JSON. The token is never printed; `az`'s error line is quoted.
 *
 * @example
 * ```ts
 * const t = await azureCliToken(ctx, "https://vault.azure.net/.default");
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import { runCredentialCommand } from "../../core/keys/credential_command.ts";
import type { Context } from "../../core/plugin.ts";
import { tokenExpiry } from "../../core/keys/token_cache.ts";

/** An access token from the Azure CLI and who it speaks for. */
export interface AzureCliToken {
  /** The bearer token. Never print it. */
  accessToken: string;
  /** For messages: `the Azure CLI login (az)`. */
  principal: string;
  /** When it expires (ms since the epoch), if the answer said. */
  expiresAt?: number;
}

/** Longest `az account get-access-token` may run. */
export const AZ_TIMEOUT_MS = 30_000;

/**
 * A token for `scope` from the Azure CLI's login; `missing` names the service-principal
 * variables that were not set (for the message when `az` is not installed). Throws
 * CosignError("AUTH") when `az` is not installed, not logged in, fails or prints no token.
 */
export async function azureCliToken(
  ctx: Context,
  scope: string,
  missing: string[] = [],
): Promise<AzureCliToken> {
  const resource = scope.replace(/\/\.default$/, "");
  const tenant = ctx.env("AZURE_TENANT_ID");
  const args = ["account", "get-access-token", "--output", "json", "--resource", resource];
  if (tenant) args.push("--tenant", tenant);
  const principal = "the Azure CLI login (az)";
  const failure = (why: string, hint: string) =>
    new CosignError("AUTH", `Cannot sign in to Azure Key Vault with ${principal}: ${why}`, {
      hint,
    });
  const stdout = await runCredentialCommand(
    "az",
    args,
    { timeoutMs: AZ_TIMEOUT_MS, signal: ctx.signal },
    (f) => {
      if (f.kind === "not-found") {
        return failure(
          `${
            missing.length ? `${missing.join(", ")} not set` : "AZURE_AUTH_METHOD=cli"
          } and the Azure CLI (az) is not installed`,
          "Set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH) to a service principal, install the Azure CLI and run az login, or use AZURE_AUTH_METHOD=environment for the managed identity on Azure.",
        );
      }
      if (f.kind === "cancelled") {
        return failure("az timed out (-t/--timeout)", "Allow more time with -t/--timeout.");
      }
      if (f.kind === "timed-out") {
        return failure(
          `az timed out after ${AZ_TIMEOUT_MS / 1000} s`,
          "Run az account get-access-token yourself to see why it hangs.",
        );
      }
      const why = f.output.trim().split("\n").filter((l) => l.trim()).slice(-2).join(" ");
      return failure(
        `az account get-access-token failed: ${why.slice(0, 300)}`,
        "Run az login (with --tenant for the vault's tenant), then try again.",
      );
    },
  );
  let token: unknown;
  let answer: unknown;
  try {
    answer = JSON.parse(stdout);
    token = (answer as { accessToken?: unknown })?.accessToken;
  } catch { /* below */ }
  if (typeof token !== "string" || token === "") {
    throw failure(
      "az account get-access-token printed no accessToken",
      "Update the Azure CLI, then run az login.",
    );
  }
  return { accessToken: token, principal, expiresAt: tokenExpiry(answer, token) };
}
