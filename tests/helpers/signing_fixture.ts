/**
 * The usual set-up of an end-to-end test that pushes and signs: a plain test registry with an
 * independent reader, a temporary directory used as the working directory and HOME, and a key
 * pair (`signer.key`/`signer.pub`, empty password) made by dist/cosign-ts.
 *
 * @example
 * ```ts
 * const f = await startSigningFixture("cosign-ts-wasm-");
 * await f.run(["sign", "--key", f.key, "--tlog-upload=false", ref]);
 * await f.stop();
 * ```
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cosign, type RunResult, tempDir } from "./cli.ts";
import { startRegistry, type TestRegistry } from "./registry.ts";
import { type RegistryReader, registryReader } from "./registry_read.ts";

/** What {@link startSigningFixture} sets up. */
export interface SigningFixture {
  /** The registry. */
  reg: TestRegistry;
  /** An independent reader of it. */
  read: RegistryReader;
  /** The temporary directory (working directory and HOME of every run). */
  dir: string;
  /** The private key file. */
  key: string;
  /** The public key file. */
  pub: string;
  /** Runs dist/cosign-ts in `dir` with COSIGN_PASSWORD empty and DOCKER_CONFIG/HOME = `dir`. */
  run(args: string[]): Promise<RunResult>;
  /** Stops the registry and removes the directory. */
  stop(): Promise<void>;
}

/** Sets up the fixture (see the module doc); `prefix` names the temporary directory. */
export async function startSigningFixture(prefix: string): Promise<SigningFixture> {
  const reg = await startRegistry("plain");
  const { dir, cleanup } = await tempDir(prefix);
  const env = { COSIGN_PASSWORD: "", DOCKER_CONFIG: dir, HOME: dir };
  const run = (args: string[]) => cosign(args, { env, cwd: dir });
  const g = await run(["generate-key-pair", "--output-key-prefix", "signer"]);
  assert.equal(g.code, 0, g.err);
  return {
    reg,
    read: registryReader(reg),
    dir,
    key: join(dir, "signer.key"),
    pub: join(dir, "signer.pub"),
    run,
    async stop() {
      await reg.stop();
      await cleanup();
    },
  };
}
