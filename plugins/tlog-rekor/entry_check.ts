/**
 * Checks that the entry a Rekor log returned describes what was submitted (kind, signature,
 * digest), so a buggy or hostile log cannot make us write a bundle whose entry is about another
 * signature.
 *
 * @example
 * ```ts
 * await assertEntryDescribes(entry, submission, url); // throws CosignError("NETWORK") on a mismatch
 * ```
 * @module
 */
import { base64 } from "@scure/base";
import { CosignError } from "../../core/errors.ts";
import type { TlogEntry, TlogSubmission } from "../../core/plugin.ts";
import { bytesEqual, sha256 } from "../../core/verify/public_key.ts";
import { type EntryBody, isKnownEntryKind, readEntryBody } from "./entry_body.ts";

/**
 * Throws CosignError("NETWORK") when the entry's kind or canonicalized body (entry_body.ts, every
 * kind it reads) does not match the submission: a hashedrekord must log the same signature and
 * digest, a dsse or intoto entry the envelope's first signature and its payload's SHA-256.
 */
export async function assertEntryDescribes(
  entry: TlogEntry,
  s: TlogSubmission,
  url: string,
): Promise<void> {
  const mismatch = (what: string) =>
    new CosignError("NETWORK", `Rekor at ${url} returned an entry for ${what}`, {
      hint: "The log did not record this signature; try again or use another Rekor.",
    });
  const kv = entry.kindVersion as { kind?: string; version?: string } | undefined;
  if (kv?.kind !== s.kind) throw mismatch(`another kind (${kv?.kind}, not ${s.kind})`);
  let body: unknown;
  try {
    body = JSON.parse(atob(String(entry.canonicalizedBody)));
  } catch {
    throw mismatch("a body that is not base64 JSON");
  }
  const version = String(kv.version);
  if (!isKnownEntryKind(s.kind, version)) return;
  let logged: EntryBody;
  try {
    logged = readEntryBody(body, s.kind, version);
  } catch (e) {
    throw mismatch(`a body it cannot read (${(e as Error).message})`);
  }
  let signature = s.signature;
  let digest = s.digest;
  if (s.kind !== "hashedrekord" && s.envelope) {
    const env = JSON.parse(s.envelope) as { payload?: string; signatures?: { sig?: string }[] };
    const sig = env.signatures?.[0]?.sig;
    signature = sig === undefined ? undefined : base64.decode(sig);
    digest = env.payload === undefined ? undefined : await sha256(base64.decode(env.payload));
  }
  if (signature && !logged.signatures.some((x) => bytesEqual(x.signature, signature))) {
    throw mismatch(s.kind === "hashedrekord" ? "another signature" : "another envelope signature");
  }
  if (digest && !bytesEqual(logged.digest.value, digest)) {
    throw mismatch(s.kind === "hashedrekord" ? "another digest" : "another envelope payload");
  }
}
