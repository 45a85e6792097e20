/**
 * The transfer checks the artifact e2e tests (wasm, eBPF, Tekton) make on dist/cosign-ts: a
 * signed artifact moved by `copy`, or by `save` + `load` through an OCI layout, still verifies
 * with the signer's public key (no log). Each asserts every run succeeds and returns `verify`'s
 * standard error, for the caller's checks of what verify says about the artifact.
 *
 * @example
 * ```ts
 * assert.match(await copyVerifies(run, { ref, to: `${reg.host}/wasm/copied:v1`, pub }), /wasm module/);
 * ```
 * @module
 */
import assert from "node:assert/strict";
import type { RunResult } from "./cli.ts";

/** Runs dist/cosign-ts (the test's environment and working directory). */
export type Run = (args: string[]) => Promise<RunResult>;

async function verifies(run: Run, pub: string, ref: string): Promise<string> {
  const v = await run(["verify", "--key", pub, "--insecure-ignore-tlog", ref]);
  assert.equal(v.code, 0, v.err);
  return v.err;
}

/** `copy REF TO`, then `verify --key PUB --insecure-ignore-tlog TO`; returns verify's stderr. */
export async function copyVerifies(
  run: Run,
  o: { ref: string; to: string; pub: string },
): Promise<string> {
  const cp = await run(["copy", o.ref, o.to]);
  assert.equal(cp.code, 0, cp.err);
  return await verifies(run, o.pub, o.to);
}

/**
 * `save --dir LAYOUT REF`, `load --dir LAYOUT TO`, then `verify --key PUB
 * --insecure-ignore-tlog TO`; returns verify's stderr.
 */
export async function saveLoadVerifies(
  run: Run,
  o: { ref: string; layout: string; to: string; pub: string },
): Promise<string> {
  const sv = await run(["save", "--dir", o.layout, o.ref]);
  assert.equal(sv.code, 0, sv.err);
  const ld = await run(["load", "--dir", o.layout, o.to]);
  assert.equal(ld.code, 0, ld.err);
  return await verifies(run, o.pub, o.to);
}
