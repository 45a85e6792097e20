/**
 * The image round trip every key-backend e2e test makes: a real registry (Debian's
 * docker-registry) on loopback, a test image, `sign --key REF`, then `verify` with the same
 * reference and with the public key file, checking the verified digest.
 *
 * @example
 * ```ts
 * await imageRoundTrip({ run, keyRef: "hashivault://release", pubFile: "cosign.pub", repo: "vault/app", dockerConfig: dir });
 * ```
 * @module
 */
import assert from "node:assert/strict";
import type { RunResult } from "./cli.ts";
import { pushTestImage, startRegistry, type TestRegistry } from "./registry.ts";
import { RegistryClient } from "../../oci/client.ts";

/** What {@link imageRoundTrip} needs. */
export interface ImageRoundTrip {
  /** Runs dist/cosign-ts with the test's environment plus `extra`. */
  run(args: string[], extra?: Record<string, string | undefined>): Promise<RunResult>;
  /** The key reference to sign and verify with. */
  keyRef: string;
  /** The key's public key file (verified with too). */
  pubFile: string;
  /** Repository path in the registry, e.g. "vault/app". */
  repo: string;
  /** DOCKER_CONFIG for the runs (a directory without credentials). */
  dockerConfig: string;
  /** Extra checks on the sign run (e.g. no secret printed). */
  checkSign?: (r: RunResult) => void;
}

/** Signs an image in a fresh registry with `keyRef` and verifies it with the reference and the file. */
export async function imageRoundTrip(o: ImageRoundTrip): Promise<void> {
  let reg: TestRegistry | undefined;
  try {
    reg = await startRegistry("plain");
    const client = new RegistryClient(reg.clientOptions());
    const img = await pushTestImage(client, `${reg.host}/${o.repo}:v1`);
    const ref = `${reg.host}/${o.repo}@${img.digest}`;
    const env = { DOCKER_CONFIG: o.dockerConfig };
    const s = await o.run(["sign", "--key", o.keyRef, "--tlog-upload=false", ref], env);
    assert.equal(s.code, 0, s.err);
    o.checkSign?.(s);
    for (const key of [o.keyRef, o.pubFile]) {
      const v = await o.run(["verify", "--key", key, "--insecure-ignore-tlog", ref], env);
      assert.equal(v.code, 0, v.err);
      assert.equal(JSON.parse(v.out)[0].critical.image["docker-manifest-digest"], img.digest);
    }
  } finally {
    await reg?.stop();
  }
}
