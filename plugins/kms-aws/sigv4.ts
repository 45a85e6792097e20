/**
 * AWS Signature Version 4 for one JSON request (the KMS API: `POST /` with an `X-Amz-Target`),
 * written from AWS's "Create a signed AWS API request" documentation with @noble/hashes
 * (HMAC-SHA256, SHA-256). About 60 lines of our own instead of a dependency: aws4fetch (a small
 * library) would add its own fetch wrapper and WebCrypto-async signing around the same 60 lines,
 * and the official SDK's client is megabytes in the single binary. Independently checked: the
 * AWS KMS stand-in recomputes every signature with Debian's python3-botocore.
 *
 * Signed headers: every header given (lower-cased, values trimmed, sorted), plus `host` and
 * `x-amz-date`, and `x-amz-security-token` for temporary credentials. The payload hash is the
 * hex SHA-256 of the body.
 *
 * @example
 * ```ts
 * const headers = signV4({
 *   method: "POST", url: "https://kms.eu-west-1.amazonaws.com/", body,
 *   headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "TrentService.Sign" },
 *   region: "eu-west-1", service: "kms", credentials, now: new Date(),
 * });
 * await fetch(url, { method: "POST", headers, body });
 * ```
 * @module
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";

/** AWS credentials (the secret and token are never printed). */
export interface AwsCredentials {
  /** Access key id (`AKIA…` long-term, `ASIA…` temporary). */
  accessKeyId: string;
  /** Secret access key. */
  secretAccessKey: string;
  /** Session token of temporary credentials. */
  sessionToken?: string;
  /** Where they came from, for messages ("environment", "profile dev in ~/.aws/credentials"). */
  source: string;
}

/** A request to sign. */
export interface SigV4Request {
  /** HTTP method. */
  method: string;
  /** The full URL. */
  url: string;
  /** Headers to sign (names in any case). */
  headers: Record<string, string>;
  /** The body as sent. */
  body: string | Uint8Array;
  /** Region of the credential scope, e.g. "us-east-1". */
  region: string;
  /** Service of the credential scope, e.g. "kms". */
  service: string;
  /** Credentials. */
  credentials: AwsCredentials;
  /** The signing time. */
  now: Date;
}

const enc = new TextEncoder();

/** `20261202T081500Z` for a date. */
export function amzDate(d: Date): string {
  return d.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/** RFC 3986 encoding of each path segment, as SigV4 wants it (non-S3 services: once). */
function canonicalPath(path: string): string {
  return path.split("/").map((s) =>
    encodeURIComponent(decodeURIComponent(s)).replace(
      /[!'()*]/g,
      (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
    )
  ).join("/") || "/";
}

function canonicalQuery(search: URLSearchParams): string {
  const e = (s: string) =>
    encodeURIComponent(s).replace(
      /[!'()*]/g,
      (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
    );
  return [...search].map(([k, v]) => `${e(k)}=${e(v)}`).sort().join("&");
}

/**
 * The request's headers with `host`, `x-amz-date`, `x-amz-security-token` (when there is a
 * session token) and `authorization` added: send exactly these (plus unsigned ones).
 */
export function signV4(req: SigV4Request): Record<string, string> {
  const url = new URL(req.url);
  const date = amzDate(req.now);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = v;
  headers.host = url.host;
  headers["x-amz-date"] = date;
  if (req.credentials.sessionToken) headers["x-amz-security-token"] = req.credentials.sessionToken;
  const names = Object.keys(headers).sort();
  const canonicalHeaders = names
    .map((n) => `${n}:${headers[n].trim().replace(/\s+/g, " ")}\n`)
    .join("");
  const signedHeaders = names.join(";");
  const body = typeof req.body === "string" ? enc.encode(req.body) : req.body;
  const canonicalRequest = [
    req.method.toUpperCase(),
    canonicalPath(url.pathname),
    canonicalQuery(url.searchParams),
    canonicalHeaders,
    signedHeaders,
    bytesToHex(sha256(body)),
  ].join("\n");
  const scope = `${date.slice(0, 8)}/${req.region}/${req.service}/aws4_request`;
  const stringToSign = [
    "AWS4-HMAC-SHA256",
    date,
    scope,
    bytesToHex(sha256(enc.encode(canonicalRequest))),
  ].join("\n");
  let key: Uint8Array = enc.encode(`AWS4${req.credentials.secretAccessKey}`);
  for (const part of [date.slice(0, 8), req.region, req.service, "aws4_request"]) {
    key = hmac(sha256, key, enc.encode(part));
  }
  const signature = bytesToHex(hmac(sha256, key, enc.encode(stringToSign)));
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${req.credentials.accessKeyId}/${scope}, ` +
    `SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}
