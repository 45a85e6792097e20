/**
 * Checks that an upload command of dist/cosign-ts honours cosign's registry flags: against a
 * TLS + basic-auth test registry, `--registry-cacert` and `--registry-username/--registry-password`
 * let it push (it prints `REPO@sha256:…`) and the pushed artifact signs; without credentials it
 * fails with an authentication error and nothing is pushed.
 *
 * @example
 * ```ts
 * await uploadHonoursRegistryFlags(run, { upload: ["upload", "wasm", "-f", "m.wasm"], repo: "secure/wasm", key });
 * ```
 * @module
 */
import assert from "node:assert/strict";
import type { RunResult } from "./cli.ts";
import { startRegistry } from "./registry.ts";
import { RegistryClient } from "../../oci/client.ts";

/** Runs the check (see the module doc) on a fresh registry; asserts every step. */
export async function uploadHonoursRegistryFlags(
  run: (args: string[]) => Promise<RunResult>,
  o: { upload: string[]; repo: string; key: string },
): Promise<void> {
  const tls = await startRegistry("tls-basic");
  try {
    const ca = ["--registry-cacert", tls.caFile!];
    const creds = ["--registry-username", tls.username!, "--registry-password", tls.password!];
    const up = await run([...o.upload, ...ca, ...creds, `${tls.host}/${o.repo}:v1`]);
    assert.equal(up.code, 0, up.err);
    const host = tls.host.replace(/[.]/g, "\\.");
    assert.match(up.out, new RegExp(`^${host}/${o.repo}@sha256:[0-9a-f]{64}\n$`));
    const s = await run([
      "sign",
      "--key",
      o.key,
      "--tlog-upload=false",
      ...ca,
      ...creds,
      up.out.trim(),
    ]);
    assert.equal(s.code, 0, s.err);
    // Without credentials: refused with an authentication error, nothing pushed.
    const anon = await run([...o.upload, ...ca, `${tls.host}/${o.repo}-anon:v1`]);
    assert.equal(anon.code, 1, anon.err);
    assert.match(anon.err, /login|credentials|401|unauthori/i);
    assert.equal(anon.out, "");
    const client = new RegistryClient(tls.clientOptions());
    assert.equal(await client.headManifest(`${tls.host}/${o.repo}-anon:v1`), undefined);
  } finally {
    await tls.stop();
  }
}
