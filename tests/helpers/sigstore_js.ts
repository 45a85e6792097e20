/**
 * Verifies a Sigstore bundle with an independent implementation: `@sigstore/verify`
 * (sigstore-js), run under Node in a subprocess (FIELD-NOTES: it misbehaves under Deno), offline
 * with trust material built from a trusted_root.json.
 *
 * @example
 * ```ts
 * const r = await verifyWithSigstoreJs({ bundle: "a.sigstore.json", artifact: "a.txt", trustedRoot: "root.json" });
 * assert.equal(r.ok, true, r.error);
 * ```
 * @module
 */
import { join } from "node:path";
import { ROOT, runProcess } from "./cli.ts";

/** What to verify. */
export interface SigstoreJsOptions {
  /** Bundle file. */
  bundle: string;
  /** Artifact file. */
  artifact?: string;
  /** trusted_root.json file. */
  trustedRoot: string;
  /** PEM public key file for key-signed bundles (its hint is looked up). */
  key?: string;
  /** Transparency log entries required (default 1). */
  tlogThreshold?: number;
  /** Timestamps required (integrated times count; default 1). */
  timestampThreshold?: number;
  /** SCTs required (default 1 for certificates, 0 with a key). */
  ctlogThreshold?: number;
  /** Expected certificate identity (SAN). */
  identity?: string;
  /** Expected OIDC issuer. */
  issuer?: string;
}

/** sigstore-js's verdict. */
export interface SigstoreJsResult {
  /** True when the bundle verified. */
  ok: boolean;
  /** Certificate identity (SAN) that verified, for certificates. */
  san?: string | null;
  /** OIDC issuer of the certificate. */
  issuer?: string | null;
  /** The error, when not. */
  error?: string;
}

/** Runs `@sigstore/verify` under Node on the bundle. */
export async function verifyWithSigstoreJs(opts: SigstoreJsOptions): Promise<SigstoreJsResult> {
  const script = join(ROOT, "tests", "helpers", "sigstore_js_verify.mjs");
  const r = await runProcess("node", [script, JSON.stringify(opts)], { cwd: ROOT });
  const line = r.out.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(line) as SigstoreJsResult;
  } catch {
    return { ok: false, error: `node exited ${r.code}: ${r.err.slice(0, 500)}` };
  }
}
