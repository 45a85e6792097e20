import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isCosignError } from "../../core/errors.ts";
import type { Context } from "../../core/plugin.ts";
import { vaultConfig } from "./vault_transit.ts";

const ctxWith = (env: Record<string, string>) => ({ env: (k: string) => env[k] }) as Context;

describe("vaultConfig", () => {
  it("VAULT_ADDR must be set and an http(s) URL (httpUrl), naming the key", async () => {
    await assert.rejects(
      vaultConfig("hashivault://k", ctxWith({})),
      (e) => isCosignError(e, "INVALID_INPUT") && /VAULT_ADDR is not set/.test(e.message),
    );
    for (const bad of ["vault.example.com:8200", "ftp://vault.example.com"]) {
      await assert.rejects(
        vaultConfig("hashivault://k", ctxWith({ VAULT_ADDR: bad, VAULT_TOKEN: "t" })),
        (e) =>
          isCosignError(e, "INVALID_INPUT") &&
          e.message ===
            `Invalid VAULT_ADDR "${bad}" for key "hashivault://k": not an http(s) URL` &&
          /e\.g\. https:\/\/vault\.example\.com:8200/.test(e.hint ?? ""),
      );
    }
  });
});
