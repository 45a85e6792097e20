/**
 * RFC 3161 timestamp client: sends a `TimeStampReq` (SHA-256 message imprint, random nonce,
 * `certReq` true) to a timestamp authority as cosign does (`--timestamp-server-url`,
 * `Content-Type: application/timestamp-query`), checks the `TimeStampResp` (status granted,
 * same imprint, same nonce) and returns its DER: the bytes a Sigstore bundle keeps as
 * `rfc3161Timestamps[].signedTimestamp`. The timestamp's signature and chain are checked at
 * verification time against the trusted root, not here.
 *
 * @example
 * ```ts
 * const ts = await requestTimestamp("https://timestamp.sigstore.dev/api/v1/timestamp", signature);
 * bundle.verificationMaterial.timestampVerificationData = {
 *   rfc3161Timestamps: [{ signedTimestamp: base64(ts.response) }],
 * };
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import { postToService, readResponseBytes } from "../../core/service_request.ts";
import { toHex } from "../../core/encoding.ts";
import { bigintToBytes } from "../../core/keys/der.ts";

/** OID of SHA-256. */
const SHA256_OID = "2.16.840.1.101.3.4.2.1";

/** A timestamp obtained from a TSA. */
export interface Timestamp {
  /** DER TimeStampResp (what bundles store). */
  response: Uint8Array;
  /** The TSA's time. */
  genTime: Date;
}

/** Options for {@link requestTimestamp}. */
export interface TimestampOptions {
  /** Cancels the request. */
  signal?: AbortSignal;
  /** A fixed nonce (tests); default random below 2^53. */
  nonce?: bigint;
}

function bad(url: string, what: string): CosignError {
  return new CosignError("NETWORK", `Timestamp authority at ${url} sent a bad response: ${what}`, {
    hint: "Check that --timestamp-server-url is an RFC 3161 endpoint.",
  });
}

function toBytes(n: bigint): Uint8Array {
  const b = bigintToBytes(n);
  // Keep it a positive INTEGER.
  return b[0] & 0x80 ? Uint8Array.of(0, ...b) : b;
}

/** Builds a DER TimeStampReq over a SHA-256 digest. */
export async function timeStampRequest(digest: Uint8Array, nonce: bigint): Promise<Uint8Array> {
  const pkijs = await import("pkijs");
  const asn1js = await import("asn1js");
  const req = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({
        algorithmId: SHA256_OID,
        algorithmParams: new asn1js.Null(),
      }),
      hashedMessage: new asn1js.OctetString({ valueHex: new Uint8Array(digest) }),
    }),
    nonce: new asn1js.Integer({ valueHex: toBytes(nonce) }),
    certReq: true,
  });
  return new Uint8Array(req.toSchema().toBER(false));
}

/**
 * Timestamps `data` (its SHA-256 goes into the request; for a signature, pass the signature
 * bytes). Throws CosignError("NETWORK") when the TSA cannot be reached, fails, refuses (status
 * not granted), or answers for another imprint or nonce.
 */
export async function requestTimestamp(
  url: string,
  data: Uint8Array,
  opts: TimestampOptions = {},
): Promise<Timestamp> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(data)));
  const rnd = crypto.getRandomValues(new Uint8Array(7));
  rnd[0] &= 0x1f; // below 2^53
  const nonce = opts.nonce ??
    BigInt("0x" + toHex(rnd)) + 1n;
  const body = await timeStampRequest(digest, nonce);
  const res = await postToService("timestamp authority", url, {
    body,
    contentType: "application/timestamp-query",
    accept: "application/timestamp-reply",
    signal: opts.signal,
  });
  const der = await readResponseBytes("timestamp authority", url, res, 1024 * 1024);
  const pkijs = await import("pkijs");
  const asn1js = await import("asn1js");
  let resp: InstanceType<typeof pkijs.TimeStampResp>;
  try {
    resp = pkijs.TimeStampResp.fromBER(der.slice().buffer);
  } catch (e) {
    throw bad(url, `not a DER TimeStampResp (${(e as Error).message})`);
  }
  const status = resp.status.status;
  if (status !== 0 && status !== 1) {
    const text = resp.status.statusStrings?.map((s) => s.valueBlock.value).join("; ");
    throw new CosignError(
      "NETWORK",
      `Timestamp authority at ${url} refused the request: status ${status}${
        text ? ` (${text})` : ""
      }`,
      { hint: "Try again later or use another timestamp authority." },
    );
  }
  if (!resp.timeStampToken) throw bad(url, "it carries no timestamp token");
  let info: InstanceType<typeof pkijs.TSTInfo>;
  try {
    const signed = new pkijs.SignedData({ schema: resp.timeStampToken.content });
    const e = signed.encapContentInfo.eContent;
    if (!e) throw new Error("no TSTInfo");
    const bytes = e.idBlock.isConstructed
      ? Uint8Array.from(
        (e.valueBlock.value as InstanceType<typeof asn1js.OctetString>[]).flatMap((p) => [
          ...new Uint8Array(p.valueBlock.valueHexView),
        ]),
      )
      : new Uint8Array(e.valueBlock.valueHexView);
    info = pkijs.TSTInfo.fromBER(bytes.slice().buffer);
  } catch (e) {
    throw bad(url, `the timestamp token does not parse (${(e as Error).message})`);
  }
  const imprint = new Uint8Array(info.messageImprint.hashedMessage.valueBlock.valueHexView);
  if (imprint.length !== digest.length || imprint.some((b, i) => b !== digest[i])) {
    throw bad(url, "it timestamps another message imprint");
  }
  if (!info.nonce || info.nonce.toBigInt() !== nonce) {
    throw bad(url, "its nonce does not match the request");
  }
  return { response: der, genTime: info.genTime };
}
