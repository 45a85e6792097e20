/**
 * `verify-blob` with the Sigstore verification engine: a Sigstore bundle (v0.1–v0.3) or a
 * cosign legacy bundle with a certificate and a Rekor inclusion promise, verified offline
 * against the trusted root (certificate chain, SCTs, identity flags, transparency-log entries,
 * RFC 3161 timestamps), or against `--key` for key-signed bundles with log entries.
 *
 * @example
 * ```ts
 * if (await wantsBundleVerification(flags)) return await verifyBlobBundle({ flags, ref, ctx, io });
 * ```
 * @module
 */
import { base64 } from "@scure/base";
import { CosignError } from "../core/errors.ts";
import type { Context } from "../core/plugin.ts";
import type { ArtifactInput, VerifyPolicy } from "../core/verify/verify_bundle.ts";
import type { FlagValues } from "./args.ts";
import { bool, str } from "./args.ts";
import type { IO } from "./command.ts";
import { type BlobBundle, readBundleFile, readSmallFile, resolveBlob } from "./blob_input.ts";
import { identityPolicyFromFlags } from "./keyless_flags.ts";
import { loadTrustedRoot } from "./trust_root.ts";

const MAX_WHOLE_MESSAGE_BYTES = 2 * 1024 * 1024 * 1024 - 1;

/**
 * True when verify-blob should take the bundle/keyless path: no `--key` (keyless), or a bundle
 * whose transparency-log entries are to be verified (no `--insecure-ignore-tlog`).
 */
export function wantsBundleVerification(flags: FlagValues): boolean {
  const key = str(flags, "key");
  const ignoreTlog = bool(flags, "insecure-ignore-tlog") || bool(flags, "private-infrastructure");
  if (!key) return true;
  return !!str(flags, "bundle") && !ignoreTlog;
}

/** A cosign legacy bundle as the equivalent Sigstore bundle v0.1 JSON. */
function legacyToSigstore(
  legacy: Extract<BlobBundle, { format: "legacy" }>["legacy"],
  sha256: Uint8Array,
  source: string,
  hasKey: boolean,
): Record<string, unknown> {
  if (!legacy.rekorBundle) {
    throw new CosignError(
      "VERIFY",
      `Cannot verify tlog entry: the bundle ${source} has no rekorBundle`,
      { hint: "Sign with a transparency log, or pass --key with --insecure-ignore-tlog." },
    );
  }
  if (!legacy.cert && !hasKey) {
    throw new CosignError("USAGE", `Cannot verify bundle ${source}: it has no certificate`, {
      hint: "Pass the signer's public key with --key.",
    });
  }
  let pem = legacy.cert ?? "";
  if (!pem.includes("-----BEGIN")) {
    try {
      pem = atob(pem);
    } catch {
      throw new CosignError("INVALID_INPUT", `Cannot read bundle ${source}: "cert" is not PEM`);
    }
  }
  const m = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(pem);
  if (!m && legacy.cert) {
    throw new CosignError("INVALID_INPUT", `Cannot read bundle ${source}: "cert" is not PEM`);
  }
  const p = legacy.rekorBundle.Payload;
  let body: { kind?: string; apiVersion?: string } = {};
  try {
    body = JSON.parse(atob(p.body));
  } catch {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot read bundle ${source}: the Rekor body is not base64 JSON`,
    );
  }
  const logId = Uint8Array.from((p.logID.match(/../g) ?? []).map((h) => parseInt(h, 16)));
  return {
    mediaType: "application/vnd.dev.sigstore.bundle+json;version=0.1",
    verificationMaterial: {
      ...(m
        ? { x509CertificateChain: { certificates: [{ rawBytes: m[1].replace(/\s+/g, "") }] } }
        : { publicKey: { hint: "" } }),
      tlogEntries: [{
        logIndex: String(p.logIndex),
        logId: { keyId: base64.encode(logId) },
        kindVersion: { kind: body.kind, version: body.apiVersion },
        integratedTime: String(p.integratedTime),
        inclusionPromise: { signedEntryTimestamp: legacy.rekorBundle.SignedEntryTimestamp },
        canonicalizedBody: p.body,
      }],
    },
    messageSignature: {
      messageDigest: { algorithm: "SHA2_256", digest: base64.encode(sha256) },
      signature: legacy.base64Signature,
    },
  };
}

function fromHex(h: string): Uint8Array {
  return Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));
}

/** What {@link verifyBlobBundle} needs. */
export interface VerifyBlobBundleOptions {
  /** Parsed flags of verify-blob. */
  flags: FlagValues;
  /** The blob reference (file, `-`, `sha256:<hex>`). */
  ref: string;
  /** Plugin context. */
  ctx: Context;
  /** Streams. */
  io: IO;
}

/**
 * Verifies a blob against `--bundle` with the Sigstore engine and prints "Verified OK" to
 * stderr. Throws CosignError("VERIFY") naming the failed check, CosignError("USAGE") for
 * missing identity flags.
 */
export async function verifyBlobBundle(
  { flags, ref, ctx, io }: VerifyBlobBundleOptions,
): Promise<number> {
  const bundlePath = str(flags, "bundle");
  const key = str(flags, "key");
  if (!bundlePath) {
    throw new CosignError(
      "UNSUPPORTED",
      "Cannot verify without --bundle: looking a signature up in Rekor is not available yet",
      {
        hint:
          "Pass the bundle that sign-blob wrote (--bundle), or --key with --insecure-ignore-tlog.",
      },
    );
  }
  const source = `"${bundlePath}"`;
  const read = await readBundleFile(bundlePath);
  const blob = await resolveBlob(ctx, ref);
  const sha256 = fromHex((await blob.digest("sha256")).hex);

  const { bundleFromJSONValue } = await import("../core/bundle.ts");
  const bundle = read.format === "sigstore"
    ? read.parsed.bundle
    : (await bundleFromJSONValue(legacyToSigstore(read.legacy, sha256, source, !!key), source))
      .bundle;

  const vm = bundle.verificationMaterial;
  const hasCert = vm.content?.$case === "certificate" ||
    vm.content?.$case === "x509CertificateChain" ||
    !!str(flags, "certificate");
  const policy: VerifyPolicy = identityPolicyFromFlags(flags, hasCert && !key);
  if (bool(flags, "insecure-ignore-tlog") || bool(flags, "private-infrastructure")) {
    policy.tlogThreshold = 0;
  }
  if (bool(flags, "insecure-ignore-sct")) policy.ctlogThreshold = 0;
  const { certificatesFromPemOrDer } = await import("../core/verify/certificate.ts");
  const certFile = str(flags, "certificate");
  if (certFile) {
    const der = certificatesFromPemOrDer(await readSmallFile(certFile, 1024 * 1024, "certificate"));
    if (der.length === 0) {
      throw new CosignError(
        "INVALID_INPUT",
        `Cannot read certificate "${certFile}": no certificate in it`,
      );
    }
    policy.certificate = der[0];
  }
  if (key) {
    const verifier = await ctx.plugins.verifier(key, ctx, { rsaPss: bool(flags, "rsa-pss") });
    policy.publicKey = (await verifier.publicKey()).spki;
  }
  const trust = await loadTrustedRoot(ctx, str(flags, "trusted-root"));
  const chainFile = str(flags, "certificate-chain");
  if (chainFile) {
    const certs = certificatesFromPemOrDer(
      await readSmallFile(chainFile, 1024 * 1024, "certificate chain"),
    );
    if (certs.length === 0) {
      throw new CosignError(
        "INVALID_INPUT",
        `Cannot read certificate chain "${chainFile}": no certificate in it`,
      );
    }
    trust.certificateAuthorities = [{ uri: chainFile, certificates: certs, validFor: {} }];
  }

  // The artifact: digests suffice for ECDSA message signatures and in-toto subjects; other key
  // types need the content.
  let artifact: ArtifactInput = { sha256 };
  const { spkiKind } = await import("../core/verify/public_key.ts");
  const signerSpki = policy.publicKey ?? await leafSpki(bundle, policy.certificate);
  const needsBytes = bundle.content.$case === "messageSignature" && signerSpki !== undefined &&
    !spkiKind(signerSpki).startsWith("ec-");
  if (needsBytes) {
    if (!blob.open) {
      throw new CosignError(
        "UNSUPPORTED",
        `Cannot verify "${ref}" from its digest: this key type needs the content`,
        {
          hint: "Pass the file itself instead of its digest.",
        },
      );
    }
    const { readAll } = await import("../plugins/artifact-blob/stream_digest.ts");
    artifact = { bytes: await readAll(await blob.open(), MAX_WHOLE_MESSAGE_BYTES, `"${ref}"`) };
  } else if (bundle.content.$case === "messageSignature" && await isSmallFile(ref)) {
    // Small files: verify over the bytes with WebCrypto (no pure-JS prehashed ECDSA to load).
    const { readFile } = await import("node:fs/promises");
    artifact = { bytes: new Uint8Array(await readFile(ref)) };
  } else if (bundle.content.$case === "dsseEnvelope" && ref !== "-") {
    try {
      artifact.sha512 = fromHex((await blob.digest("sha512")).hex);
    } catch {
      // sha256:<hex> given: only the sha256 subject can match
    }
  }
  const { verifyBundle } = await import("../core/verify/verify_bundle.ts");
  const r = await verifyBundle(bundle, artifact, policy, trust, ctx);
  if (r.identity) {
    ctx.log.debug(`verified identity ${r.identity.sans.join(", ")} from ${r.identity.issuer}`);
  }
  io.err("Verified OK\n");
  return 0;
}

/** Files up to this size are read whole for message-signature verification. */
const SMALL_FILE_BYTES = 16 * 1024 * 1024;

async function isSmallFile(ref: string): Promise<boolean> {
  if (ref === "-" || /^sha(256|384|512):/.test(ref)) return false;
  try {
    const { stat } = await import("node:fs/promises");
    const st = await stat(ref);
    return st.isFile() && st.size <= SMALL_FILE_BYTES;
  } catch {
    return false;
  }
}

async function leafSpki(
  bundle: import("@sigstore/bundle").Bundle,
  given?: Uint8Array,
): Promise<Uint8Array | undefined> {
  const c = bundle.verificationMaterial.content;
  const der = c?.$case === "certificate"
    ? c.certificate.rawBytes
    : c?.$case === "x509CertificateChain"
    ? c.x509CertificateChain.certificates[0]?.rawBytes
    : given;
  if (!der) return undefined;
  const { parseCertificate } = await import("../core/verify/certificate.ts");
  return (await parseCertificate(new Uint8Array(der))).spki;
}
