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
import { tlogEntryFromRekorBundle } from "../../core/legacy_signature.ts";
import { verifyRekorBundle } from "../../core/verify/witnesses.ts";

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

/** cosign's legacy Rekor bundle verified through the log plugins (core/verify/witnesses.ts). */
export { verifyRekorBundle };
