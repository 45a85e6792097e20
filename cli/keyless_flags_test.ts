import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CosignError, exitCodeFor } from "../core/errors.ts";
import type { Context } from "../core/plugin.ts";
import { imageVerifyOptions } from "./image_verify_options.ts";
import {
  applySctFlags,
  MAX_CERTIFICATE_FILE_BYTES,
  MAX_SCT_FILE_BYTES,
  readCertificateFile,
} from "./keyless_flags.ts";

/** A sparse file of `size` bytes (nothing is written but its end). */
async function sparse(path: string, size: number): Promise<void> {
  const f = await open(path, "w");
  try {
    await f.truncate(size);
  } finally {
    await f.close();
  }
}

describe("--certificate FILE", () => {
  it("a huge file is refused by its size before it is read, naming the file and the limit", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cosign-ts-cert-"));
    try {
      const huge = join(dir, "huge.pem");
      await sparse(huge, 4 * 1024 * 1024 * 1024);
      const flags = {
        certificate: huge,
        "certificate-identity": "me@example.com",
        "certificate-oidc-issuer": "https://issuer.example",
      };
      // verify (images): the same refusal as verify-blob's, before anything else is read.
      // One at a time: a second promise rejecting before it is awaited would be unhandled.
      const attempts = [
        () => readCertificateFile(huge),
        () => imageVerifyOptions(flags, {} as Context),
      ];
      for (const attempt of attempts) {
        await assert.rejects(attempt(), (e: unknown) => {
          assert.ok(e instanceof CosignError);
          assert.equal(e.code, "TOO_LARGE");
          assert.equal(exitCodeFor(e), exitCodeFor(new CosignError("INVALID_INPUT", "x")));
          assert.match(e.message, new RegExp(`certificate "${huge}"`));
          assert.match(
            e.message,
            new RegExp(`more than the ${MAX_CERTIFICATE_FILE_BYTES} allowed`),
          );
          return true;
        });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a missing file and bad PEM are named; DER is taken as it is", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cosign-ts-cert-"));
    try {
      await assert.rejects(readCertificateFile(join(dir, "none.pem")), { code: "NOT_FOUND" });
      const bad = join(dir, "bad.pem");
      await writeFile(bad, "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n");
      const der = join(dir, "cert.der");
      await writeFile(der, new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]));
      assert.deepEqual(await readCertificateFile(der), [
        new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]),
      ]);
      await assert.rejects(readCertificateFile(bad), {
        code: "INVALID_INPUT",
        message: `Cannot read certificate "${bad}": Cannot read certificate: invalid base64 in PEM`,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("--sct FILE", () => {
  it("is read whole when small, refused by its size when huge", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cosign-ts-sct-"));
    try {
      const small = join(dir, "a.sct");
      await writeFile(small, '{"sct_version":0}');
      const policy: Record<string, unknown> = {};
      await applySctFlags(policy, { sct: small, "insecure-ignore-sct": false });
      assert.equal(new TextDecoder().decode(policy.detachedSct as Uint8Array), '{"sct_version":0}');
      const huge = join(dir, "huge.sct");
      await sparse(huge, 4 * 1024 * 1024 * 1024);
      await assert.rejects(applySctFlags({}, { sct: huge }), (e: unknown) => {
        assert.ok(e instanceof CosignError);
        assert.equal(e.code, "TOO_LARGE");
        assert.match(e.message, new RegExp(`SCT "${huge}".*more than the ${MAX_SCT_FILE_BYTES}`));
        return true;
      });
      await assert.rejects(applySctFlags({}, { sct: join(dir, "nope.sct") }), /Cannot read SCT/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
