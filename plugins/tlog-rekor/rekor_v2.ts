/**
 * Rekor v2 client: builds a `CreateEntryRequest` (hashedRekordRequestV002 or dsseRequestV002),
 * POSTs it to `/api/v2/log/entries`, and checks the returned `TransparencyLogEntry` (protobuf
 * JSON) has what a bundle needs: logIndex, logId, kindVersion, inclusionProof with checkpoint,
 * canonicalizedBody. Rekor v2 gives no inclusion promise; verifiers rely on the proof and, for
 * a signing time, on an RFC 3161 timestamp.
 *
 * @example
 * ```ts
 * const entry = await submitRekorV2("https://log2025-1.rekor.sigstore.dev", {
 *   kind: "hashedrekord", signature, digest, verificationMaterial: certPem,
 * });
 * ```
 * @module
 */
import { base64 } from "@scure/base";
import { CosignError } from "../../core/errors.ts";
import { assertEntryDescribes } from "./entry_check.ts";
import type { TlogEntry, TlogSubmission } from "../../core/plugin.ts";
import { postToService, responseJson } from "../../core/service_request.ts";
import { verificationKey } from "./verification_key.ts";

/** Path of the v2 entry creation endpoint. */
export const REKOR_V2_ENTRIES_PATH = "/api/v2/log/entries";

/** The CreateEntryRequest JSON Rekor v2 takes. */
export async function createEntryRequestV2(
  s: TlogSubmission,
): Promise<Record<string, unknown>> {
  const vk = await verificationKey(s.verificationMaterial);
  const verifier = {
    ...(vk.isCertificate
      ? { x509Certificate: { rawBytes: base64.encode(vk.der) } }
      : { publicKey: { rawBytes: base64.encode(vk.der) } }),
    keyDetails: vk.keyDetails,
  };
  if (s.kind === "hashedrekord") {
    if (!s.signature || !s.digest) {
      throw new CosignError("INTERNAL", "hashedrekord submission lacks a signature or digest");
    }
    return {
      hashedRekordRequestV002: {
        digest: base64.encode(s.digest),
        signature: { content: base64.encode(s.signature), verifier },
      },
    };
  }
  if (!s.envelope) throw new CosignError("INTERNAL", "dsse submission lacks an envelope");
  if (s.kind === "intoto") {
    throw new CosignError("UNSUPPORTED", "Rekor v2 has no intoto entries", {
      hint: "Use --rekor-entry-type dsse (the default) with a Rekor v2 log.",
    });
  }
  return { dsseRequestV002: { envelope: JSON.parse(s.envelope), verifiers: [verifier] } };
}

/** Checks a Rekor v2 answer has the fields a bundle needs; CosignError("NETWORK") if not. */
export function entryFromRekorV2(response: unknown, url = "Rekor"): TlogEntry {
  const bad = (what: string) =>
    new CosignError("NETWORK", `Rekor at ${url} sent a malformed log entry: ${what}`, {
      hint: "Check that the signing config names a Rekor v2 instance for majorApiVersion 2.",
    });
  if (typeof response !== "object" || response === null) throw bad("not an object");
  const e = response as Record<string, unknown>;
  const kv = e.kindVersion as Record<string, unknown> | undefined;
  const proof = e.inclusionProof as Record<string, unknown> | undefined;
  if (typeof e.logIndex !== "string") throw bad('"logIndex" is missing');
  if (typeof (e.logId as Record<string, unknown> | undefined)?.keyId !== "string") {
    throw bad('"logId.keyId" is missing');
  }
  if (typeof kv?.kind !== "string" || typeof kv?.version !== "string") {
    throw bad('"kindVersion" is missing');
  }
  if (typeof e.canonicalizedBody !== "string") throw bad('"canonicalizedBody" is missing');
  if (
    !proof || typeof proof.treeSize !== "string" || typeof proof.rootHash !== "string" ||
    typeof (proof.checkpoint as Record<string, unknown> | undefined)?.envelope !== "string"
  ) throw bad('"inclusionProof" with a checkpoint is missing');
  return { ...e, integratedTime: typeof e.integratedTime === "string" ? e.integratedTime : "0" };
}

/** Uploads an entry to Rekor v2. Errors: see {@link postToService}, {@link entryFromRekorV2}. */
export async function submitRekorV2(
  baseUrl: string,
  submission: TlogSubmission,
  signal?: AbortSignal,
): Promise<TlogEntry> {
  const url = baseUrl.replace(/\/+$/, "") + REKOR_V2_ENTRIES_PATH;
  const res = await postToService("Rekor", url, {
    body: JSON.stringify(await createEntryRequestV2(submission)),
    contentType: "application/json",
    signal,
  });
  const entry = entryFromRekorV2(await responseJson("Rekor", url, res), url);
  await assertEntryDescribes(entry, submission, url);
  return entry;
}
