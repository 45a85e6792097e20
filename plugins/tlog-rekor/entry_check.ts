/**
 * Checks that the entry a Rekor log returned describes what was submitted (kind, signature,
 * digest), so a buggy or hostile log cannot make us write a bundle whose entry is about another
 * signature.
 *
 * @example
 * ```ts
 * assertEntryDescribes(entry, submission, url); // throws CosignError("NETWORK") on a mismatch
 * ```
 * @module
 */
import { base64, hex } from "@scure/base";
import { CosignError } from "../../core/errors.ts";
import type { TlogEntry, TlogSubmission } from "../../core/plugin.ts";

/**
 * Throws CosignError("NETWORK") when the entry's kind or canonicalized body does not match the
 * submission: hashedrekord (v0.0.1 and v0.0.2) must carry the same signature and digest, dsse
 * v0.0.2 the envelope's signature.
 */
export function assertEntryDescribes(entry: TlogEntry, s: TlogSubmission, url: string): void {
  const mismatch = (what: string) =>
    new CosignError("NETWORK", `Rekor at ${url} returned an entry for ${what}`, {
      hint: "The log did not record this signature; try again or use another Rekor.",
    });
  const kv = entry.kindVersion as { kind?: string; version?: string } | undefined;
  if (kv?.kind !== s.kind) throw mismatch(`another kind (${kv?.kind}, not ${s.kind})`);
  // deno-lint-ignore no-explicit-any
  let body: any;
  try {
    body = JSON.parse(atob(String(entry.canonicalizedBody)));
  } catch {
    throw mismatch("a body that is not base64 JSON");
  }
  if (s.kind === "hashedrekord" && s.signature && s.digest) {
    if (kv.version === "0.0.1") {
      if (body?.spec?.signature?.content !== base64.encode(s.signature)) {
        throw mismatch("another signature");
      }
      if (body?.spec?.data?.hash?.value !== hex.encode(s.digest)) throw mismatch("another digest");
    } else if (kv.version === "0.0.2") {
      const spec = body?.spec?.hashedRekordV002;
      if (spec?.signature?.content !== base64.encode(s.signature)) {
        throw mismatch("another signature");
      }
      if (spec?.data?.digest !== base64.encode(s.digest)) throw mismatch("another digest");
    }
  } else if (s.kind === "dsse" && s.envelope && kv.version === "0.0.2") {
    const sig = (JSON.parse(s.envelope) as { signatures?: { sig?: string }[] }).signatures?.[0]
      ?.sig;
    if (body?.spec?.dsseV002?.signatures?.[0]?.content !== sig) {
      throw mismatch("another envelope signature");
    }
  }
}
