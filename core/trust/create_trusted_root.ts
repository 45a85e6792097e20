/**
 * Builds a Sigstore `trusted_root.json` (media type `application/vnd.dev.sigstore.trustedroot+json;version=0.1`)
 * from verification material, as `cosign trusted-root create` does: Fulcio CAs and timestamp
 * authorities from PEM certificate chains, transparency logs (Rekor) and CT logs from PEM public
 * keys. A log's ID is the SHA-256 of its DER public key; for a Rekor v2 log given with its origin
 * (checkpoint name), the signed-note key ID: SHA-256(origin ‖ "\n" ‖ 0x01 ‖ Ed25519 key) or
 * SHA-256(origin ‖ "\n" ‖ 0x02 ‖ DER key) for ECDSA, as rekor-tiles computes it.
 *
 * @example
 * ```ts
 * const json = await createTrustedRoot({
 *   fulcio: [{ url: "https://fulcio.example", chainPem }],
 *   rekor: [{ url: "https://rekor.example", keyPem, start: new Date(0) }],
 * });
 * ```
 * @module
 */
import { base64 } from "@scure/base";
import { CosignError } from "../errors.ts";
import { encodeSpki, parsePublicKeyPem, type PublicKey } from "../keys/public_key.ts";
import { certificatesFromPemOrDer, parseCertificate } from "../verify/certificate.ts";
import { sha256 } from "../verify/public_key.ts";
import { leafFirst } from "./trusted_root.ts";

/** A certificate authority or timestamp authority to list. */
export interface AuthoritySpec {
  /** Its URL. */
  url: string;
  /** PEM certificate chain (any order; stored leaf-most first, root last). */
  chainPem: string;
  /** Validity start (default: the root's notBefore; TSAs: the leaf's). */
  start?: Date;
  /** Validity end (open when absent). */
  end?: Date;
  /** Where the chain came from, for messages. */
  source?: string;
}

/** A transparency log or CT log to list. */
export interface LogSpec {
  /** Its base URL. */
  url: string;
  /** PEM public key. */
  keyPem: string;
  /** Validity start (required by verifiers: a log key without one is invalid). */
  start: Date;
  /** Validity end (open when absent). */
  end?: Date;
  /** Rekor v2: the checkpoint origin; the log ID becomes the signed-note key ID. */
  origin?: string;
  /** Where the key came from, for messages. */
  source?: string;
}

/** What goes into the trusted root. */
export interface TrustedRootSpec {
  /** Fulcio certificate authorities. */
  fulcio?: AuthoritySpec[];
  /** Rekor logs. */
  rekor?: LogSpec[];
  /** Certificate-transparency logs. */
  ctfe?: LogSpec[];
  /** RFC 3161 timestamp authorities. */
  tsa?: AuthoritySpec[];
}

// deno-lint-ignore no-explicit-any
type Json = any;

function keyDetails(key: PublicKey): string {
  if (key.type === "ed25519") return "PKIX_ED25519";
  if (key.type === "ec") {
    return { "P-256": "PKIX_ECDSA_P256_SHA_256", "P-384": "PKIX_ECDSA_P384_SHA_384" }[
      key.curve as "P-256" | "P-384"
    ] ?? "PKIX_ECDSA_P521_SHA_512";
  }
  const bits = key.n.toString(2).length;
  return bits > 3072
    ? "PKIX_RSA_PKCS1V15_4096_SHA256"
    : bits > 2048
    ? "PKIX_RSA_PKCS1V15_3072_SHA256"
    : "PKIX_RSA_PKCS1V15_2048_SHA256";
}

const iso = (d: Date) => d.toISOString().replace(/\.000Z$/, "Z");

function validFor(start?: Date, end?: Date): Json {
  const v: Json = {};
  if (start) v.start = iso(start);
  if (end) v.end = iso(end);
  return v;
}

async function logEntry(l: LogSpec): Promise<Json> {
  const key = parsePublicKeyPem(l.keyPem, l.source ?? l.url);
  const spki = encodeSpki(key);
  let id = await sha256(spki);
  if (l.origin) {
    const enc = new TextEncoder().encode(`${l.origin}\n`);
    const material = key.type === "ed25519" ? key.key : spki;
    const tag = key.type === "ed25519" ? 1 : 2;
    id = await sha256(new Uint8Array([...enc, tag, ...material]));
  }
  return {
    baseUrl: l.url,
    hashAlgorithm: "SHA2_256",
    publicKey: {
      rawBytes: base64.encode(spki),
      keyDetails: keyDetails(key),
      validFor: validFor(l.start, l.end),
    },
    logId: { keyId: base64.encode(id) },
  };
}

async function authority(a: AuthoritySpec, tsa: boolean): Promise<Json> {
  const what = a.source ?? a.url;
  const certs = leafFirst(certificatesFromPemOrDer(new TextEncoder().encode(a.chainPem)));
  if (!certs.length || !a.chainPem.includes("-----BEGIN CERTIFICATE-----")) {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot read certificate chain "${what}": no certificates in it`,
      {
        hint: "Pass a PEM file with the chain (leaf or intermediate first, root last).",
      },
    );
  }
  const parsed = await Promise.all(certs.map(parseCertificate));
  if (tsa && parsed[0].isCA) {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot use timestamp authority chain "${what}": the first certificate must be the TSA's leaf, not a CA`,
      { hint: "List the TSA's signing certificate first, then its intermediates and root." },
    );
  }
  const root = parsed[parsed.length - 1];
  const start = a.start ?? (tsa ? parsed[0].notBefore : root.notBefore);
  const subject = await distinguishedName(certs[certs.length - 1]);
  return {
    subject,
    uri: a.url,
    certChain: { certificates: certs.map((c) => ({ rawBytes: base64.encode(c) })) },
    validFor: validFor(start, a.end),
  };
}

async function distinguishedName(der: Uint8Array): Promise<Json> {
  const { X509Certificate } = await import("@peculiar/x509");
  const name = new X509Certificate(new Uint8Array(der)).subjectName;
  const out: Json = {};
  const o = name.getField("O")[0];
  const cn = name.getField("CN")[0];
  if (o) out.organization = o;
  if (cn) out.commonName = cn;
  return out;
}

/**
 * The trusted root JSON for `spec` (compact, as protojson writes it). Throws
 * CosignError("INVALID_INPUT"/"KEY") for unreadable chains or keys.
 */
export async function createTrustedRoot(spec: TrustedRootSpec): Promise<string> {
  const root: Json = {
    mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
    tlogs: await Promise.all((spec.rekor ?? []).map(logEntry)),
    certificateAuthorities: await Promise.all((spec.fulcio ?? []).map((a) => authority(a, false))),
    ctlogs: await Promise.all((spec.ctfe ?? []).map(logEntry)),
    timestampAuthorities: await Promise.all((spec.tsa ?? []).map((a) => authority(a, true))),
  };
  for (const k of ["tlogs", "certificateAuthorities", "ctlogs", "timestampAuthorities"]) {
    if (!root[k].length) delete root[k];
  }
  return JSON.stringify(root);
}
