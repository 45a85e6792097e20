/**
 * cosign's trust environment variables (cli/trust_root.ts): SIGSTORE_ROOT_FILE,
 * SIGSTORE_REKOR_PUBLIC_KEY, SIGSTORE_CT_LOG_PUBLIC_KEY_FILE and SIGSTORE_TSA_CERTIFICATE_FILE
 * replace the Fulcio CA, Rekor key, CT log key and TSA of the embedded root, so a bundle of the
 * test Sigstore instance verifies with them (and not without them).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import { bundleFromJSONValue } from "../core/bundle.ts";
import { isCosignError } from "../core/errors.ts";
import type { Context } from "../core/plugin.ts";
import { verifyBundle } from "../core/verify/mod.ts";
import { loadTrustedRoot } from "../cli/trust_root.ts";
import { witnessContext } from "./helpers/witnesses.ts";
import { publicKeyPem } from "./helpers/run_command.ts";
import { certPem, createKeyless, type Keyless, messageBundle } from "./fixtures/keyless/factory.ts";

// deno-lint-ignore no-explicit-any
type Json = any;
const art = new TextEncoder().encode("trust from the environment\n");
const POLICY = {
  identity: "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main",
  issuer: "https://token.actions.githubusercontent.com",
};
let k: Keyless;
let dir: string;

before(async () => {
  k = await createKeyless();
  dir = mkdtempSync(join(tmpdir(), "cosign-ts-env-"));
  const tr = k.trustedRoot;
  const pem = (c: Json) => certPem(Buffer.from(c.rawBytes, "base64"));
  writeFileSync(
    join(dir, "fulcio.pem"),
    pem(tr.certificateAuthorities[0].certChain.certificates[0]),
  );
  writeFileSync(
    join(dir, "tsa.pem"),
    tr.timestampAuthorities[0].certChain.certificates.map(pem).join(""),
  );
  writeFileSync(join(dir, "rekor.pub"), publicKeyPem(tr.tlogs[0].publicKey.rawBytes));
  writeFileSync(join(dir, "ctfe.pub"), publicKeyPem(tr.ctlogs[0].publicKey.rawBytes));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function ctxWith(env: Record<string, string>): Context {
  const { ctx } = witnessContext();
  return {
    ...ctx,
    env: (n: string) => ({ HOME: dir, COSIGN_TS_CACHE: join(dir, "none"), ...env })[n],
  };
}

async function verifyWith(ctx: Context, b: Json) {
  const { bundle } = await bundleFromJSONValue(b);
  return await verifyBundle(bundle, { bytes: art }, POLICY, await loadTrustedRoot(ctx), ctx);
}

describe("SIGSTORE_* trust environment variables", () => {
  it("replace the embedded root's Fulcio CA, Rekor key, CT log key and TSA", async () => {
    const b = await messageBundle(k, art, { tsa: true });
    await assert.rejects(verifyWith(ctxWith({}), b), (e: unknown) => isCosignError(e, "VERIFY"));
    const ctx = ctxWith({
      SIGSTORE_ROOT_FILE: join(dir, "fulcio.pem"),
      SIGSTORE_REKOR_PUBLIC_KEY: join(dir, "rekor.pub"),
      SIGSTORE_CT_LOG_PUBLIC_KEY_FILE: join(dir, "ctfe.pub"),
      SIGSTORE_TSA_CERTIFICATE_FILE: join(dir, "tsa.pem"),
    });
    const r = await verifyWith(ctx, b);
    assert.deepEqual(r.timestamps.map((t) => t.source).sort(), ["tlog", "tsa"]);
    assert.match((await loadTrustedRoot(ctx)).source, /SIGSTORE_\* overrides/);
  });
  it("a missing or wrong file is a clear error", async () => {
    await assert.rejects(
      loadTrustedRoot(ctxWith({ SIGSTORE_REKOR_PUBLIC_KEY: join(dir, "absent.pub") })),
      (e: unknown) =>
        isCosignError(e, "IO") && /SIGSTORE_REKOR_PUBLIC_KEY/.test((e as Error).message),
    );
    await assert.rejects(
      loadTrustedRoot(ctxWith({ SIGSTORE_ROOT_FILE: join(dir, "rekor.pub") })),
      (e: unknown) =>
        isCosignError(e, "INVALID_INPUT") && /no PEM certificates/.test((e as Error).message),
    );
  });
});
