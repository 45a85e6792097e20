/**
 * The Rekor bundle cosign stores in a signature layer's `dev.sigstore.cosign/bundle` annotation
 * (`{"SignedEntryTimestamp":…,"Payload":{"body":…,"integratedTime":…,"logIndex":…,"logID":…}}`):
 * checking it offline, as `cosign verify` does, against the transparency logs of a trusted root:
 * the signed entry timestamp must verify with a trusted log key valid at the integrated time,
 * and the entry body must describe this signature, this payload digest and this key.
 *
 * @example
 * ```ts
 * await verifyRekorBundle(sig, spki, trustedRoot.tlogs); // throws CosignError("VERIFY")
 * ```
 * @module
 */
import type { TransparencyLogEntry } from "@sigstore/bundle";
import { CosignError } from "../../core/errors.ts";
import type { LogAuthority } from "../../core/trust/trusted_root.ts";
import { sha256 } from "../../core/verify/public_key.ts";
import { verifyTlogEntry } from "./verify_entry.ts";
import { signatureBytes, type StoredSignature } from "../artifact-oci/stored_signature.ts";

function bad(what: string): never {
  throw new CosignError("VERIFY", `the Rekor bundle is malformed: ${what}`);
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
 * The Sigstore TransparencyLogEntry equivalent of a legacy Rekor bundle annotation. Throws
 * CosignError("VERIFY") when it is malformed.
 *
 * @example
 * ```ts
 * const entry = entryFromRekorBundle(sig.bundle!);
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
 * Verifies a stored signature's Rekor bundle against the trusted logs: SET, log key validity at
 * the integrated time, and that the entry is a hashedrekord of this signature over the SHA-256
 * of this payload by this key (`keyDer`: SPKI of the key, or DER of the signing certificate).
 * Throws CosignError("VERIFY") naming the failed check. Returns the integrated time.
 *
 * @example
 * ```ts
 * const when = await verifyRekorBundle(sig, spki, root.tlogs);
 * ```
 */
export async function verifyRekorBundle(
  sig: StoredSignature,
  keyDer: Uint8Array,
  tlogs: LogAuthority[],
): Promise<Date | undefined> {
  if (!sig.bundle) throw new CosignError("VERIFY", "the signature has no Rekor bundle");
  const entry = entryFromRekorBundle(sig.bundle);
  const result = await verifyTlogEntry(entry, {
    kind: "message",
    signature: signatureBytes(sig),
    digest: await sha256(sig.payload),
    keyDer,
  }, tlogs);
  return result.integratedTime;
}
