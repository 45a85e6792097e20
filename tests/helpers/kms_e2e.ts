/**
 * What the KMS end-to-end tests (tests/kms_gcp_e2e_test.ts, tests/kms_azure_e2e_test.ts) do
 * with dist/cosign-ts again and again: run it with the backend's environment, sign a blob and
 * read the signature, check a signature with openssl, verify-blob with a KMS reference, and run a
 * signing command that must fail with nothing written, no stack trace and no secret printed.
 *
 * @example
 * ```ts
 * const state = { dir: "", blob: "", env: {} };   // filled in before()
 * const kms = kmsE2e(state, (r) => assert.doesNotMatch(r.err, /SECRET/));
 * const sig = await kms.signBlob("gcpkms://projects/…");
 * assert.ok(await kms.opensslVerify(pem, sig));
 * ```
 * @module
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import { cosign, runProcess, type RunResult } from "./cli.ts";

/** Environment overrides (undefined removes a variable). */
export type Env = Record<string, string | undefined>;

/** The test's working state, filled in by its before(). */
export interface KmsE2eState {
  /** Temporary directory (the binary's working directory). */
  dir: string;
  /** The blob signed. */
  blob: string;
  /** The backend's environment. */
  env: Env;
}

/** The helpers, bound to a test's state. */
export interface KmsE2e {
  /** Runs dist/cosign-ts in `dir` with the environment (plus `extra`). */
  run(args: string[], extra?: Env): Promise<RunResult>;
  /** sign-blob with `ref` (no tlog); asserts success and no secret; returns the raw signature. */
  signBlob(ref: string, extra?: Env): Promise<Uint8Array>;
  /** True when `openssl dgst -<hash> -verify` accepts `sig` over the blob with `pubPem`. */
  opensslVerify(pubPem: string, sig: Uint8Array, hash?: string): Promise<boolean>;
  /** verify-blob of `sig` (raw) over the blob with `ref`, ignoring the tlog. */
  verifyBlob(ref: string, sig: Uint8Array, extra?: Env): Promise<RunResult>;
  /**
   * A sign-blob with `ref` that must fail: asserts a non-zero exit, no signature file, no stack
   * trace and no secret (the test's `noSecret`); returns the result for message checks.
   */
  signFails(ref: string, extra?: Env, globalFlags?: string[]): Promise<RunResult>;
}

/** Binds the helpers to `state`; `noSecret` asserts that a run printed no secret. */
export function kmsE2e(state: KmsE2eState, noSecret: (r: RunResult) => void): KmsE2e {
  const run = (args: string[], extra: Env = {}) =>
    cosign(args, { env: { ...state.env, ...extra }, cwd: state.dir });
  let n = 0;
  return {
    run,
    async signBlob(ref, extra = {}) {
      const r = await run(["sign-blob", "--key", ref, "--tlog-upload=false", state.blob], extra);
      assert.equal(r.code, 0, r.err);
      noSecret(r);
      return new Uint8Array(Buffer.from(r.out.trim(), "base64"));
    },
    async opensslVerify(pubPem, sig, hash = "sha256") {
      const pubFile = join(state.dir, "check.pub");
      const sigFile = join(state.dir, "check.sig");
      await writeFile(pubFile, pubPem);
      await writeFile(sigFile, sig);
      const r = await runProcess("openssl", [
        "dgst",
        `-${hash}`,
        "-verify",
        pubFile,
        "-signature",
        sigFile,
        state.blob,
      ]);
      return r.code === 0 && /Verified OK/.test(r.out);
    },
    async verifyBlob(ref, sig, extra = {}) {
      const sigFile = join(state.dir, `verify-${++n}.sig`);
      await writeFile(sigFile, Buffer.from(sig).toString("base64"));
      const r = await run(
        ["verify-blob", "--key", ref, "--signature", sigFile, "--insecure-ignore-tlog", state.blob],
        extra,
      );
      noSecret(r);
      return r;
    },
    async signFails(ref, extra = {}, globalFlags = []) {
      const out = join(state.dir, `never-${++n}.sig`);
      const r = await run(
        [
          ...globalFlags,
          "sign-blob",
          "--key",
          ref,
          "--tlog-upload=false",
          "--output-signature",
          out,
          state.blob,
        ],
        extra,
      );
      assert.notEqual(r.code, 0, r.err);
      assert.ok(!existsSync(out), "a signature file was written");
      assert.doesNotMatch(r.err, /\n\s+at /, "stack trace");
      noSecret(r);
      return r;
    },
  };
}
