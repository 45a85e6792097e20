/**
 * cosign's legacy Rekor bundle, as a signature layer's `dev.sigstore.cosign/bundle` annotation
 * and a legacy blob bundle's `rekorBundle` keep it
 * (`{"SignedEntryTimestamp":…,"Payload":{"body":…,"integratedTime":…,"logIndex":…,"logID":…}}`):
 * read back as a Sigstore TransparencyLogEntry and checked offline, as `cosign verify` does, by
 * the log plugin that recognizes it (Rekor: the signed entry timestamp verifies with a trusted
 * log key valid at the integrated time, and the entry body describes this signature, this
 * payload digest and this key).
 *
 * @example
 * ```ts
 * const when = await verifyRekorBundle(annotation, expected, trustedRoot, ctx);
 * ```
 * @module
 */
import type { TransparencyLogEntry } from "@sigstore/bundle";
import { base64 } from "@scure/base";
import { CosignError } from "../../core/errors.ts";
import { tlogEntryFromRekorBundle } from "../../core/legacy_signature.ts";
import type { TlogExpectation } from "../../core/plugin.ts";
import { verifyLogEntry, type WitnessSource } from "../../core/verify/witnesses.ts";

/**
 * The Sigstore TransparencyLogEntry (protobuf-specs shape: bytes as `Uint8Array`) equivalent of
 * a legacy Rekor bundle. Throws CosignError("VERIFY", check "tlog-entry") when it is malformed.
 *
 * @example
 * ```ts
 * const entry = entryFromRekorBundle(annotation);
 * ```
 */
export function entryFromRekorBundle(text: string): TransparencyLogEntry {
  const e = tlogEntryFromRekorBundle(text) as {
    logIndex: string;
    logId: { keyId: string };
    kindVersion: { kind: string; version: string };
    integratedTime: string;
    inclusionPromise: { signedEntryTimestamp: string };
    canonicalizedBody: string;
  };
  return {
    ...e,
    logId: { keyId: base64.decode(e.logId.keyId) },
    inclusionPromise: {
      signedEntryTimestamp: base64.decode(e.inclusionPromise.signedEntryTimestamp),
    },
    canonicalizedBody: base64.decode(e.canonicalizedBody),
  } as unknown as TransparencyLogEntry;
}

/** The same entry in the Sigstore JSON form log plugins take (core/legacy_signature.ts). */
export { tlogEntryFromRekorBundle };

/**
 * Verifies a legacy Rekor bundle against what its entry must describe (for an image signature:
 * `{ kind: "message", signature, digest: sha256(payload), keyDer }`, `keyDer` being the key's
 * SPKI or the signing certificate's DER) with the log plugin that recognizes the entry (from
 * `witnesses`: a context's registry or an explicit list) and `trust` (a core/trust
 * `TrustedRoot`). Returns the verified integrated time. Throws CosignError("VERIFY", check
 * "tlog-entry") when there is no bundle, it is malformed, or it does not verify.
 *
 * @example
 * ```ts
 * const when = await verifyRekorBundle(sig.bundle, expected, root, ctx);
 * ```
 */
export async function verifyRekorBundle(
  text: string | undefined,
  expected: TlogExpectation,
  trust: unknown,
  witnesses: WitnessSource,
): Promise<Date | undefined> {
  if (!text) {
    throw new CosignError("VERIFY", "the signature has no Rekor bundle", { check: "tlog-entry" });
  }
  const r = await verifyLogEntry(tlogEntryFromRekorBundle(text), expected, trust, witnesses);
  return r.integratedTime;
}
