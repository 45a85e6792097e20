/**
 * A plugin context whose registry holds the built-in witness plugins ("rekor" from
 * plugins/tlog-rekor, "rfc3161" from plugins/tsa-rfc3161), plus any extra plugins given first
 * as third-party ones, for tests that verify bundles or log entries through the plugin
 * contracts (core/verify/witnesses.ts). Its log and prompts are silent; `debug` lines are kept.
 * Also: a freshly signed artifact with what logs take and check about it, and a predicate for
 * VERIFY errors by failed check.
 *
 * @example
 * ```ts
 * const { ctx } = witnessContext();
 * await verifyBundle(bundle, { bytes }, policy, trust, ctx);
 * ```
 * @module
 */
import assert from "node:assert/strict";
import { createHash, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { CosignError, type FailedCheck, isCosignError } from "../../core/errors.ts";
import {
  type Context,
  type Plugin,
  PluginRegistry,
  type TlogExpectation,
  type TlogSubmission,
} from "../../core/plugin.ts";
import { tlogRekorPlugin } from "../../plugins/tlog-rekor/plugin.ts";
import { tsaRfc3161Plugin } from "../../plugins/tsa-rfc3161/plugin.ts";
import { testContext } from "./plugin_context.ts";

/** A context with the built-in witness plugins and `thirdParty` (registered as third-party). */
export function witnessContext(thirdParty: Plugin[] = []): { ctx: Context; debug: string[] } {
  const { ctx, debug } = testContext([tlogRekorPlugin, tsaRfc3161Plugin], {}, { thirdParty });
  return { ctx, debug };
}

/** An artifact signed with a fresh P-256 key, and what logs take and check about it. */
export interface SignedArtifact {
  /** The artifact bytes. */
  data: Uint8Array;
  /** SHA-256 of the artifact. */
  digest: Uint8Array;
  /** The signer's private key (node:crypto). */
  privateKey: KeyObject;
  /** PEM of the public key. */
  pubPem: string;
  /** DER SPKI of the public key. */
  spki: Uint8Array;
  /** ECDSA (DER) signature over the artifact. */
  signature: Uint8Array;
  /** A hashedrekord submission for the signature. */
  submission: TlogSubmission;
  /** What a log entry for it must describe. */
  expected: TlogExpectation;
}

/** Signs `text` with a new P-256 key (node:crypto, independent of the code under test). */
export function signedArtifact(text: string): SignedArtifact {
  const data = new TextEncoder().encode(text);
  const digest = new Uint8Array(createHash("sha256").update(data).digest());
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const pubPem = publicKey.export({ type: "spki", format: "pem" }).toString();
  const spki = new Uint8Array(publicKey.export({ type: "spki", format: "der" }));
  const signature = new Uint8Array(sign("sha256", data, privateKey));
  return {
    data,
    digest,
    privateKey,
    pubPem,
    spki,
    signature,
    submission: { kind: "hashedrekord", signature, digest, verificationMaterial: pubPem },
    expected: { kind: "message", signature, digest, keyDer: spki },
  };
}

/** A predicate for assert.rejects: a VERIFY error whose failed check is `check`. */
export function failedCheck(check: FailedCheck): (e: unknown) => e is CosignError {
  return (e: unknown): e is CosignError => isCosignError(e, "VERIFY") && e.check === check;
}

/**
 * Registers `builtin`, then `impostor` as a third-party plugin providing the same `what`
 * (e.g. `transparency log "rekor"`), and asserts the registry refuses it with a PLUGIN error
 * naming both plugins, leaving the builtin's contribution alone. Returns the registry.
 */
export function assertSecondRefused(
  builtin: Plugin,
  impostor: Plugin,
  what: string,
): PluginRegistry {
  const r = new PluginRegistry();
  r.register(builtin);
  assert.throws(
    () => r.register(impostor, "./impostor.ts"),
    (e) =>
      isCosignError(e, "PLUGIN") && e.message.includes(`"${impostor.name}"`) &&
      e.message.includes(`"${builtin.name}"`) && e.message.includes(what),
  );
  return r;
}
