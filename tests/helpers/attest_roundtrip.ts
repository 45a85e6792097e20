/**
 * One attestation round trip on dist/cosign-ts for an artifact in a registry: `attest` a custom
 * predicate with a key (no log), `verify-attestation --type custom`, and check, by decoding the
 * printed DSSE envelope here, that the in-toto statement's subject is the artifact's digest and
 * its predicate carries the data.
 *
 * @example
 * ```ts
 * await attestRoundTrip(run, { key, pub, ref: "127.0.0.1:5000/wasm/app@sha256:…", dir });
 * ```
 * @module
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RunResult } from "./cli.ts";

/** Attests `ref` and verifies the attestation (see the module doc); asserts every step. */
export async function attestRoundTrip(
  run: (args: string[]) => Promise<RunResult>,
  o: { key: string; pub: string; ref: string; dir: string },
): Promise<void> {
  const data = JSON.stringify({ builder: `test-${Date.now()}` });
  await writeFile(join(o.dir, "predicate.json"), data);
  const at = await run([
    "attest",
    "--key",
    o.key,
    "--predicate",
    join(o.dir, "predicate.json"),
    "--tlog-upload=false",
    o.ref,
  ]);
  assert.equal(at.code, 0, at.err);
  const va = await run([
    "verify-attestation",
    "--key",
    o.pub,
    "--type",
    "custom",
    "--insecure-ignore-tlog",
    o.ref,
  ]);
  assert.equal(va.code, 0, va.err);
  const envelope = JSON.parse(va.out.trim().split("\n").at(-1)!);
  const statement = JSON.parse(new TextDecoder().decode(
    Uint8Array.from(atob(envelope.payload), (c) => c.charCodeAt(0)),
  ));
  assert.equal(statement.subject[0].digest.sha256, o.ref.split("@sha256:")[1]);
  assert.equal(statement.predicate.Data, data);
}
