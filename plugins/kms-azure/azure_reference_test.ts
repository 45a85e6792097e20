import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { azureVaultScope, azureVaultUrl, parseAzureKmsReference } from "./azure_reference.ts";
import { isCosignError } from "../../core/errors.ts";
import type { Context } from "../../core/plugin.ts";

const ctx = (env: Record<string, string>) => ({ env: (n: string) => env[n] }) as unknown as Context;

describe("azurekms:// references (sigstore's expression)", () => {
  it("parses vault host, key and optional version", () => {
    const r = parseAzureKmsReference("azurekms://release.vault.azure.net/cosign");
    assert.deepEqual(r, {
      ref: "azurekms://release.vault.azure.net/cosign",
      vaultHost: "release.vault.azure.net",
      key: "cosign",
      version: undefined,
    });
    assert.equal(
      parseAzureKmsReference("azurekms://v.vault.azure.net/k/0123abcd").version,
      "0123abcd",
    );
  });

  it("refuses other shapes", () => {
    for (
      const bad of ["azurekms://v.vault.azure.net", "azurekms://v/k/V/x", "azurekms://v/k/ABC"]
    ) {
      assert.throws(
        () => parseAzureKmsReference(bad),
        (e) =>
          isCosignError(e, "INVALID_INPUT") && /VAULT_NAME\.vault\.azure\.net/.test(e.hint ?? ""),
      );
    }
  });

  it("vault URL, the endpoint override with {vault}, and the cloud's scope", () => {
    const r = parseAzureKmsReference("azurekms://release.vault.azure.net/cosign");
    assert.equal(azureVaultUrl(r, ctx({})), "https://release.vault.azure.net");
    assert.equal(
      azureVaultUrl(r, ctx({ COSIGN_TS_AZURE_VAULT_ENDPOINT: "http://127.0.0.1:9/{vault}/" })),
      "http://127.0.0.1:9/release.vault.azure.net",
    );
    assert.throws(() => azureVaultUrl(r, ctx({ COSIGN_TS_AZURE_VAULT_ENDPOINT: "ftp://x" })));
    assert.equal(azureVaultScope("release.vault.azure.net"), "https://vault.azure.net/.default");
    assert.equal(azureVaultScope("x.vault.azure.cn"), "https://vault.azure.cn/.default");
    assert.equal(
      azureVaultScope("x.managedhsm.azure.net"),
      "https://managedhsm.azure.net/.default",
    );
  });
});
