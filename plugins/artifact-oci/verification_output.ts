/**
 * `cosign verify`'s JSON output for one verified signature: the payload re-encoded (Go's
 * `payload.SimpleContainerImage`) with, in `optional`, what cosign adds: for a signature with a
 * certificate, `Subject` (first SAN), `Issuer` and the Fulcio extension values (under both
 * cosign's names and their OIDs); `Bundle` (the Rekor bundle) and `RFC3161Timestamp` when the
 * layer carries them.
 *
 * @example
 * ```ts
 * const line = `[${(await Promise.all(verified.map(verificationOutput))).join(",")}]`;
 * ```
 * @module
 */
import { goJson } from "../../core/go_json.ts";
import { encodeSimpleSigning, parseSimpleSigningPayload } from "./simple_signing.ts";
import { goRekorBundle, type StoredSignature } from "./stored_signature.ts";
import { base64Decode } from "../../core/encoding.ts";

const OID = "1.3.6.1.4.1.57264.1.";

/** The parts of a stored signature cosign's verify output is made of. */
export type VerificationOutputInput = Pick<
  StoredSignature,
  "payload" | "certificate" | "bundle" | "rfc3161Timestamp"
>;

function parseJson(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The JSON text of one entry of `cosign verify`'s output array (Go encoding). A payload that is
 * not a simple-signing payload (only possible with `--check-claims=false`) gives `null`.
 *
 * @example
 * ```ts
 * await io.out(`[${items.join(",")}]\n`);
 * ```
 */
export async function verificationOutput(sig: VerificationOutputInput): Promise<string> {
  let p;
  try {
    p = parseSimpleSigningPayload(sig.payload);
  } catch {
    return goJson(null);
  }
  const extra: Record<string, unknown> = {};
  const m = sig.certificate &&
    /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(sig.certificate);
  if (m) {
    try {
      const der = base64Decode(m[1]);
      const [{ parseCertificate }, { certificateIdentity }] = await Promise.all([
        import("../../core/verify/certificate.ts"),
        import("../../core/verify/identity.ts"),
      ]);
      const id = await certificateIdentity(await parseCertificate(der));
      extra.Subject = id.sans[0] ?? "";
      if (id.issuer) {
        extra.Issuer = id.issuer;
        extra[OID + "1"] = id.issuer;
      }
      const gh: [string, string, string | undefined][] = [
        ["2", "githubWorkflowTrigger", id.github.trigger],
        ["3", "githubWorkflowSha", id.github.sha],
        ["4", "githubWorkflowName", id.github.name],
        ["5", "githubWorkflowRepository", id.github.repository],
        ["6", "githubWorkflowRef", id.github.ref],
      ];
      for (const [n, name, v] of gh) {
        if (v) {
          extra[name] = v;
          extra[OID + n] = v;
        }
      }
    } catch {
      // An unreadable certificate adds nothing (verification already judged the signature).
    }
  }
  const bundle = parseJson(sig.bundle) as Record<string, unknown> | undefined;
  if (bundle && typeof bundle === "object") extra.Bundle = goRekorBundle(bundle);
  const ts = parseJson(sig.rfc3161Timestamp) as Record<string, unknown> | undefined;
  if (ts && typeof ts === "object") {
    extra.RFC3161Timestamp = { SignedRFC3161Timestamp: ts.SignedRFC3161Timestamp ?? null };
  }
  if (Object.keys(extra).length) p.optional = { ...(p.optional ?? {}), ...extra };
  return encodeSimpleSigning(p);
}
