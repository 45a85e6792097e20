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
import type { TlogEntry, TlogExpectation } from "../../core/plugin.ts";
import { verifyLogEntry, type Witnesses } from "../../core/verify/witnesses.ts";

function bad(what: string): never {
  throw new CosignError("VERIFY", `the Rekor bundle is malformed: ${what}`, {
    check: "tlog-entry",
  });
}

function b64(s: unknown, what: string): Uint8Array {
  if (typeof s !== "string") bad(`${what} is missing`);
  try {
    return Uint8Array.from(atob(s as string), (c) => c.charCodeAt(0));
  } catch {
    return bad(`${what} is not base64`);
  }
}

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
  let b: Record<string, unknown>;
  try {
    b = JSON.parse(text);
  } catch {
    return bad("not JSON");
  }
  const p = b?.Payload as Record<string, unknown> | undefined;
  if (!p || typeof p !== "object") bad("Payload is missing");
  const body = b64(p!.body, "Payload.body");
  let parsed: { kind?: unknown; apiVersion?: unknown };
  try {
    parsed = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return bad("Payload.body is not JSON");
  }
  const logID = p!.logID;
  if (typeof logID !== "string" || !/^([0-9a-f]{2})+$/i.test(logID)) {
    bad("Payload.logID is not hex");
  }
  const int = (v: unknown, what: string): string => {
    if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return String(v);
    return bad(`${what} is not an integer`);
  };
  return {
    logIndex: int(p!.logIndex, "Payload.logIndex"),
    logId: {
      keyId: Uint8Array.from((logID as string).match(/../g)!, (h) => parseInt(h, 16)),
    },
    kindVersion: { kind: String(parsed.kind ?? ""), version: String(parsed.apiVersion ?? "") },
    integratedTime: int(p!.integratedTime, "Payload.integratedTime"),
    inclusionPromise: { signedEntryTimestamp: b64(b.SignedEntryTimestamp, "SignedEntryTimestamp") },
    canonicalizedBody: body,
  } as unknown as TransparencyLogEntry;
}

/**
 * The same entry in the Sigstore JSON form log plugins take ({@link TlogEntry}). Errors as
 * {@link entryFromRekorBundle}.
 *
 * @example
 * ```ts
 * const entry = tlogEntryFromRekorBundle(annotation); // { logIndex: "42", logId: { keyId: "…" }, … }
 * ```
 */
export function tlogEntryFromRekorBundle(text: string): TlogEntry {
  const e = entryFromRekorBundle(text) as unknown as {
    logIndex: string;
    logId: { keyId: Uint8Array };
    kindVersion: { kind: string; version: string };
    integratedTime: string;
    inclusionPromise: { signedEntryTimestamp: Uint8Array };
    canonicalizedBody: Uint8Array;
  };
  return {
    logIndex: e.logIndex,
    logId: { keyId: base64.encode(e.logId.keyId) },
    kindVersion: e.kindVersion,
    integratedTime: e.integratedTime,
    inclusionPromise: {
      signedEntryTimestamp: base64.encode(e.inclusionPromise.signedEntryTimestamp),
    },
    canonicalizedBody: base64.encode(e.canonicalizedBody),
  };
}

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
  witnesses: Witnesses,
): Promise<Date | undefined> {
  if (!text) {
    throw new CosignError("VERIFY", "the signature has no Rekor bundle", { check: "tlog-entry" });
  }
  const r = await verifyLogEntry(tlogEntryFromRekorBundle(text), expected, trust, witnesses);
  return r.integratedTime;
}
