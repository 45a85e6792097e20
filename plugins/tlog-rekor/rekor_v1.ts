/**
 * Rekor v1 client: builds a hashedrekord v0.0.1 or dsse v0.0.1 proposed entry, POSTs it to
 * `/api/v1/log/entries`, and turns the answer into a Sigstore `TransparencyLogEntry` (protobuf
 * JSON: logIndex, logId, kindVersion, integratedTime, inclusionPromise, inclusionProof with
 * checkpoint, canonicalizedBody).
 *
 * @example
 * ```ts
 * const entry = await submitRekorV1("https://rekor.sigstore.dev", {
 *   kind: "hashedrekord", signature, digest, verificationMaterial: certPem,
 * });
 * ```
 * @module
 */
import { base64, hex } from "@scure/base";
import { CosignError } from "../../core/errors.ts";
import { assertEntryDescribes } from "./entry_check.ts";
import type { TlogEntry, TlogSubmission } from "../../core/plugin.ts";
import { getFromService, postToService, responseJson } from "../../core/service_request.ts";

/** Default Rekor instance (public good). */
export const DEFAULT_REKOR_URL = "https://rekor.sigstore.dev";

/** Path of the v1 entry creation endpoint. */
export const REKOR_V1_ENTRIES_PATH = "/api/v1/log/entries";

const enc = new TextEncoder();

function hexToB64(h: string): string {
  if (!/^([0-9a-fA-F]{2})*$/.test(h)) throw new Error(`"${h.slice(0, 20)}" is not hex`);
  return base64.encode(hex.decode(h));
}

function digestAlgorithm(digest: Uint8Array): string {
  const alg = ({ 32: "sha256", 48: "sha384", 64: "sha512" } as Record<number, string>)[
    digest.length
  ];
  if (!alg) {
    throw new CosignError("INTERNAL", `hashedrekord digest has ${digest.length} bytes`);
  }
  return alg;
}

/** The proposed entry Rekor v1 takes (what cosign sends). */
export function proposedEntryV1(s: TlogSubmission): Record<string, unknown> {
  const material = base64.encode(enc.encode(s.verificationMaterial));
  if (s.kind === "hashedrekord") {
    if (!s.signature || !s.digest) {
      throw new CosignError("INTERNAL", "hashedrekord submission lacks a signature or digest");
    }
    return {
      apiVersion: "0.0.1",
      kind: "hashedrekord",
      spec: {
        data: { hash: { algorithm: digestAlgorithm(s.digest), value: hex.encode(s.digest) } },
        signature: { content: base64.encode(s.signature), publicKey: { content: material } },
      },
    };
  }
  if (!s.envelope) throw new CosignError("INTERNAL", "dsse submission lacks an envelope");
  if (s.kind === "intoto") return intotoProposedEntry(s.envelope, material);
  return {
    apiVersion: "0.0.1",
    kind: "dsse",
    spec: { proposedContent: { envelope: s.envelope, verifiers: [material] } },
  };
}

/**
 * cosign's legacy `--rekor-entry-type intoto` entry (Rekor intoto v0.0.2, as Rekor's
 * CreateFromArtifactProperties builds it): the envelope's payload and signatures kept as the
 * base64 *text* they are in the envelope, each base64-encoded again (go-openapi strfmt.Base64),
 * with the signer's PEM (base64) per signature and an empty keyid left out.
 */
function intotoProposedEntry(envelope: string, material: string): Record<string, unknown> {
  const env = JSON.parse(envelope) as {
    payload: string;
    payloadType: string;
    signatures: { keyid?: string; sig: string }[];
  };
  return {
    apiVersion: "0.0.2",
    kind: "intoto",
    spec: {
      content: {
        envelope: {
          payload: base64.encode(enc.encode(env.payload)),
          payloadType: env.payloadType,
          signatures: env.signatures.map((x) => ({
            ...(x.keyid ? { keyid: x.keyid } : {}),
            publicKey: material,
            sig: base64.encode(enc.encode(x.sig)),
          })),
        },
      },
    },
  };
}

function malformed(url: string, what: string): CosignError {
  return new CosignError("NETWORK", `Rekor at ${url} sent a malformed log entry: ${what}`, {
    hint: "Check that --rekor-url points at a Rekor v1 instance.",
  });
}

/**
 * Converts Rekor v1's `{uuid: LogEntry}` answer into a TransparencyLogEntry. Throws
 * CosignError("NETWORK") naming the missing or malformed field.
 */
export function entryFromRekorV1(response: unknown, url = "Rekor"): TlogEntry {
  if (typeof response !== "object" || response === null) throw malformed(url, "not an object");
  const values = Object.values(response as Record<string, unknown>);
  if (values.length !== 1) throw malformed(url, `expected one entry, got ${values.length}`);
  const e = values[0] as Record<string, unknown>;
  const need = (ok: boolean, field: string) => {
    if (!ok) throw malformed(url, `"${field}" is missing or has the wrong type`);
  };
  need(typeof e?.body === "string", "body");
  need(typeof e.logIndex === "number", "logIndex");
  need(typeof e.integratedTime === "number", "integratedTime");
  need(typeof e.logID === "string", "logID");
  const v = (e.verification ?? {}) as Record<string, unknown>;
  need(typeof v.signedEntryTimestamp === "string", "verification.signedEntryTimestamp");
  let kind: string;
  let version: string;
  try {
    const body = JSON.parse(atob(e.body as string));
    kind = body.kind;
    version = body.apiVersion;
  } catch {
    throw malformed(url, "body is not base64 JSON");
  }
  need(typeof kind === "string" && typeof version === "string", "body.kind/apiVersion");
  const entry: TlogEntry = {
    logIndex: String(e.logIndex),
    logId: { keyId: "" },
    kindVersion: { kind, version },
    integratedTime: String(e.integratedTime),
    inclusionPromise: { signedEntryTimestamp: v.signedEntryTimestamp },
    canonicalizedBody: e.body,
  };
  try {
    entry.logId = { keyId: hexToB64(e.logID as string) };
  } catch (err) {
    throw malformed(url, `logID: ${(err as Error).message}`);
  }
  const p = v.inclusionProof as Record<string, unknown> | undefined;
  if (p) {
    need(typeof p.logIndex === "number", "inclusionProof.logIndex");
    need(typeof p.treeSize === "number", "inclusionProof.treeSize");
    need(typeof p.rootHash === "string", "inclusionProof.rootHash");
    need(Array.isArray(p.hashes), "inclusionProof.hashes");
    need(typeof p.checkpoint === "string", "inclusionProof.checkpoint");
    try {
      entry.inclusionProof = {
        logIndex: String(p.logIndex),
        rootHash: hexToB64(p.rootHash as string),
        treeSize: String(p.treeSize),
        hashes: (p.hashes as string[]).map(hexToB64),
        checkpoint: { envelope: p.checkpoint },
      };
    } catch (err) {
      throw malformed(url, `inclusionProof: ${(err as Error).message}`);
    }
  }
  return entry;
}

/**
 * Uploads an entry to Rekor v1. When Rekor already holds the same entry (409 Conflict, e.g. a
 * deterministic Ed25519 signature signed again), the existing entry named by `Location` is
 * fetched and returned, as cosign does. Errors: see {@link postToService},
 * {@link entryFromRekorV1}.
 */
export async function submitRekorV1(
  baseUrl: string,
  submission: TlogSubmission,
  signal?: AbortSignal,
): Promise<TlogEntry> {
  const url = baseUrl.replace(/\/+$/, "") + REKOR_V1_ENTRIES_PATH;
  const res = await postToService("Rekor", url, {
    body: JSON.stringify(proposedEntryV1(submission)),
    contentType: "application/json",
    signal,
    acceptStatus: [409],
  });
  if (res.status === 409) {
    const location = res.headers.get("location");
    await res.body?.cancel();
    if (!location) {
      throw new CosignError(
        "NETWORK",
        `Rekor at ${url} says the entry exists (409) but gives no Location`,
        { hint: "Check that --rekor-url points at a Rekor v1 instance." },
      );
    }
    const existing = new URL(location, url).href;
    const found = entryFromRekorV1(await getFromService("Rekor", existing, signal), existing);
    await assertEntryDescribes(found, submission, existing);
    return found;
  }
  const entry = entryFromRekorV1(await responseJson("Rekor", url, res), url);
  await assertEntryDescribes(entry, submission, url);
  return entry;
}
