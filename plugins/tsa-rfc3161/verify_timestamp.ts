/**
 * RFC 3161 signed timestamps (a TimeStampResp or a bare token: CMS SignedData over a TSTInfo, parsed with pkijs): the signature
 * must verify with the key of a timestamp authority of the trusted root, whose chain verifies
 * and whose validFor window (inclusive) and certificates cover the generation time; the message
 * imprint must be the hash of the signature bytes. The certificates a timestamp carries are not
 * trusted.
 *
 * @example
 * ```ts
 * const when = await verifyRfc3161Timestamp(tsDer, signatureBytes, trust.timestampAuthorities);
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { CertificateAuthority } from "../../core/trust/trusted_root.ts";
import { withinValidity } from "../../core/trust/trusted_root.ts";
import {
  certificateValidAt,
  parseCertificate,
  verifyChain,
} from "../../core/verify/certificate.ts";
import { bytesEqual, digest, verifySpki } from "../../core/verify/public_key.ts";

const HASH_OIDS: Record<string, "sha256" | "sha384" | "sha512"> = {
  "2.16.840.1.101.3.4.2.1": "sha256",
  "2.16.840.1.101.3.4.2.2": "sha384",
  "2.16.840.1.101.3.4.2.3": "sha512",
};
const SIG_HASH: Record<string, "sha256" | "sha384" | "sha512"> = {
  "1.2.840.10045.4.3.2": "sha256",
  "1.2.840.10045.4.3.3": "sha384",
  "1.2.840.10045.4.3.4": "sha512",
  "1.2.840.113549.1.1.11": "sha256",
  "1.2.840.113549.1.1.12": "sha384",
  "1.2.840.113549.1.1.13": "sha512",
};
const TIMESTAMPING_EKU = "1.3.6.1.5.5.7.3.8";

function fail(what: string): never {
  throw new CosignError("VERIFY", `Cannot verify RFC 3161 timestamp: ${what}`, {
    hint: "The timestamp does not come from a timestamp authority of the trusted root in use, " +
      "or does not cover this signature.",
  });
}

/**
 * Verifies a DER RFC 3161 timestamp response token over `signature`. Returns the verified
 * generation time and tells `onAuthority` which authority of the trusted root signed it (callers
 * count distinct authorities, as sigstore-go does). Throws CosignError("VERIFY") naming what failed.
 */
export async function verifyRfc3161Timestamp(
  token: Uint8Array,
  signature: Uint8Array,
  authorities: CertificateAuthority[],
  onAuthority?: (authority: CertificateAuthority) => void,
): Promise<Date> {
  const pkijs = await import("pkijs");
  const asn1js = await import("asn1js");
  // deno-lint-ignore no-explicit-any
  let signed: any, tst: any, eContent: Uint8Array;
  try {
    const parsed = asn1js.fromBER(new Uint8Array(token));
    if (parsed.offset === -1) throw new Error("not DER");
    // A TimeStampResp (status + token, as Sigstore bundles store it) or a bare token.
    // deno-lint-ignore no-explicit-any
    let tokenSchema: any = parsed.result;
    // deno-lint-ignore no-explicit-any
    const first: any = tokenSchema.valueBlock?.value?.[0];
    if (first?.idBlock?.tagNumber === 16) {
      const resp = new pkijs.TimeStampResp({ schema: parsed.result });
      if (resp.status.status !== 0 && resp.status.status !== 1) {
        throw new Error(`the response status is ${resp.status.status}, not granted`);
      }
      if (!resp.timeStampToken) throw new Error("the response carries no token");
      tokenSchema = resp.timeStampToken.toSchema();
    }
    const ci = new pkijs.ContentInfo({ schema: tokenSchema });
    if (ci.contentType !== "1.2.840.113549.1.7.2") throw new Error("not CMS SignedData");
    signed = new pkijs.SignedData({ schema: ci.content });
    if (signed.encapContentInfo.eContentType !== "1.2.840.113549.1.9.16.1.4") {
      throw new Error("content is not a TSTInfo");
    }
    const ec = signed.encapContentInfo.eContent;
    eContent = new Uint8Array(ec.getValue ? ec.getValue() : ec.valueBlock.valueHexView);
    tst = pkijs.TSTInfo.fromBER(new Uint8Array(eContent));
  } catch (e) {
    return fail(`it is malformed (${(e as Error).message})`);
  }
  const alg = HASH_OIDS[tst.messageImprint.hashAlgorithm.algorithmId];
  if (!alg) fail(`unsupported imprint hash ${tst.messageImprint.hashAlgorithm.algorithmId}`);
  const imprint = new Uint8Array(tst.messageImprint.hashedMessage.valueBlock.valueHexView);
  if (!bytesEqual(imprint, await digest(alg, signature))) {
    fail("the message imprint is not the hash of the signature");
  }
  const genTime: Date = tst.genTime;
  if (!(genTime instanceof Date) || isNaN(genTime.getTime())) fail("it has no valid genTime");
  if (signed.signerInfos.length !== 1) fail("it must have exactly one signer");
  const si = signed.signerInfos[0];
  const attrs = si.signedAttrs;
  if (!attrs) fail("it has no signed attributes");
  const siHash = HASH_OIDS[si.digestAlgorithm.algorithmId];
  if (!siHash) fail(`unsupported digest algorithm ${si.digestAlgorithm.algorithmId}`);
  // deno-lint-ignore no-explicit-any
  const md = attrs.attributes.find((a: any) => a.type === "1.2.840.113549.1.9.4");
  // deno-lint-ignore no-explicit-any
  const ct = attrs.attributes.find((a: any) => a.type === "1.2.840.113549.1.9.3");
  if (!md || !ct) fail("it lacks the messageDigest or contentType attribute");
  if (ct.values[0]?.valueBlock?.toString() !== "1.2.840.113549.1.9.16.1.4") {
    fail("the contentType attribute is not TSTInfo");
  }
  const mdValue = new Uint8Array(md.values[0].valueBlock.valueHexView);
  if (!bytesEqual(mdValue, await digest(siHash, eContent!))) {
    fail("the messageDigest attribute does not match the TSTInfo");
  }
  const signedBytes = new Uint8Array(attrs.encodedValue);
  signedBytes[0] = 0x31; // [0] IMPLICIT → SET OF, as CMS signs it
  const sigValue = new Uint8Array(si.signature.valueBlock.valueHexView);
  const sigHash = SIG_HASH[si.signatureAlgorithm.algorithmId] ?? siHash;

  let reason = "no timestamp authority of the trusted root signed it";
  for (const authority of authorities) {
    const certs = await Promise.all(authority.certificates.map(parseCertificate));
    const leaf = certs[0];
    if (!(await verifySpki(leaf.spki, signedBytes, sigValue, sigHash))) continue;
    if (!withinValidity(authority.validFor, genTime)) {
      reason =
        `the timestamp authority is not valid at ${genTime.toISOString()} (trusted root validFor)`;
      continue;
    }
    if (certs.length > 1) {
      try {
        await verifyChain(
          leaf,
          [{ ...authority, certificates: authority.certificates.slice(1) }],
          [
            genTime,
          ],
          "timestamp authority chain",
          TIMESTAMPING_EKU,
        );
      } catch (e) {
        reason = (e as Error).message;
        continue;
      }
    } else if (!certificateValidAt(leaf, genTime)) {
      reason = `the timestamp authority's certificate is not valid at ${genTime.toISOString()}`;
      continue;
    }
    onAuthority?.(authority);
    return genTime;
  }
  return fail(reason);
}
