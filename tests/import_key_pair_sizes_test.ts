/**
 * import-key-pair takes RSA keys of 2048, 3072 and 4096 bits only, as cosign does (issue 9), in
 * process: a 3072-bit key (openssl-compatible PKCS#8 from node:crypto) is imported, a 2560-bit
 * and a 1024-bit one are refused with a clear error and nothing is written.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeyPairSync } from "node:crypto";
import { isCosignError } from "../core/errors.ts";
import type { Context } from "../core/plugin.ts";
import { keyFilePlugin } from "../plugins/key-file/mod.ts";
import { command } from "../cli/commands/import_key_pair.ts";
import { runCommand } from "./helpers/run_command.ts";
import { witnessContext } from "./helpers/witnesses.ts";

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "cosign-ts-rsa-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const base = witnessContext([keyFilePlugin]).ctx;
const ctx: Context = {
  ...base,
  env: (n: string) => (n === "COSIGN_PASSWORD" ? "pw" : undefined),
  password: () => Promise.resolve("pw"),
};

function rsaPem(bits: number, name: string): string {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: bits });
  const path = join(dir, name);
  writeFileSync(path, privateKey.export({ type: "pkcs8", format: "pem" }));
  return path;
}

describe("import-key-pair RSA sizes", () => {
  it("imports a 3072-bit key", async () => {
    const prefix = join(dir, "ok");
    await runCommand(
      command,
      { key: rsaPem(3072, "r3072.pem"), "output-key-prefix": prefix },
      [],
      ctx,
    );
    assert.ok(existsSync(`${prefix}.key`) && existsSync(`${prefix}.pub`));
  });
  for (
    const [bits, re] of [[2560, /2560-bit RSA key is not a size cosign supports/], [
      1024,
      /1024-bit RSA key is too small/,
    ]] as const
  ) {
    it(`refuses a ${bits}-bit key, writing nothing`, async () => {
      const prefix = join(dir, `no${bits}`);
      await assert.rejects(
        runCommand(
          command,
          { key: rsaPem(bits, `r${bits}.pem`), "output-key-prefix": prefix },
          [],
          ctx,
        ),
        (e: unknown) => isCosignError(e, "KEY") && re.test((e as Error).message),
      );
      assert.ok(!existsSync(`${prefix}.key`) && !existsSync(`${prefix}.pub`));
    });
  }
});
