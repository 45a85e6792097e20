/**
 * `cosign-ts verify-blob-attestation`: verifies an attestation of a blob, as
 * `cosign verify-blob-attestation` does: the DSSE envelope from `--bundle` (a Sigstore bundle, or
 * cosign's legacy attestation bundle) or `--signature` (the envelope file attest-blob wrote), with
 * `--key` or keylessly (certificate identity flags, trusted root); the in-toto subject must carry
 * the blob's digest (or `--digest`/`--digestAlg`; none with `--check-claims=false`) and the
 * predicate type must be `--type`'s; `--policy` files (CUE, Rego, TypeScript) judge the verified
 * statement. Prints "Verified OK" to stderr; failures exit 12.
 *
 * The command is flags -> the stored attestation (legacy forms as their equivalent bundle with
 * the envelope) -> `verifyArtifact` (core/verify_artifact.ts, the one verify path) with
 * `predicateType` and `subjectDigests` -> "Verified OK".
 * @module
 */
import { base64 } from "@scure/base";
import type { Envelope } from "../../core/dsse.ts";
import { CosignError } from "../../core/errors.ts";
import type { Artifact, LegacySignature, StoredSignature, TlogEntry } from "../../core/plugin.ts";
import { verifyArtifact } from "../../core/verify_artifact.ts";
import { bool, str } from "../args.ts";
import { MAX_BUNDLE_BYTES, readSmallFile, resolveBlob } from "../blob_input.ts";
import {
  BLOB_VERIFY_FLAGS,
  blobVerifyOptions,
  readTimestampFile,
  TLOG_SKIP_FLAGS,
  tlogSkipped,
} from "../blob_verify_options.ts";
import type { Command } from "../command.ts";
import { BLOB_PREDICATE_TYPE_FLAG } from "../common_flags.ts";
import { checkPolicies, policyPaths } from "../policy_check.ts";
import { KEYLESS_VERIFY_FLAGS } from "../keyless_flags.ts";
import { keyDisplayName, keyReference, SECURITY_KEY_FLAGS } from "../security_key.ts";

/** Attestation files (envelopes, bundles) larger than this are refused. */
const MAX_ATTESTATION_BYTES = 4 * MAX_BUNDLE_BYTES;

const DIGEST_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

function parseJsonFile(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot read ${what}: it is not valid JSON (${(e as Error).message})`,
      { hint: "Pass the file that attest-blob wrote (--bundle or --output-signature)." },
    );
  }
}

/**
 * The attestation in `--bundle` or `--signature` as a stored signature: a Sigstore bundle as it
 * is; cosign's legacy bundle (`base64Signature` = the envelope JSON, `cert`, `rekorBundle`) and a
 * bare envelope as the equivalent v0.1 bundle holding the envelope.
 */
async function readAttestation(
  path: string,
  isBundle: boolean,
  timestampPath: string | undefined,
  withKey: boolean,
  lookupTlog?: (sha256: Uint8Array, signature: Uint8Array) => Promise<TlogEntry[]>,
): Promise<StoredSignature> {
  const what = `${isBundle ? "bundle" : "signature"} "${path}"`;
  const bytes = await readSmallFile(path, MAX_ATTESTATION_BYTES, isBundle ? "bundle" : "signature");
  const value = parseJsonFile(bytes, what);
  const { rejectDuplicateKeys } = await import("../../core/strict_json.ts");
  rejectDuplicateKeys(bytes, what);
  if (isBundle && (value as { mediaType?: unknown })?.mediaType !== undefined) {
    const { checkBundleJSONValue } = await import("../../core/bundle.ts");
    await checkBundleJSONValue(value, `"${path}"`);
    if (!(value as Record<string, unknown>).dsseEnvelope) {
      throw new CosignError(
        "USAGE",
        `Cannot verify ${what} as an attestation: it holds a message signature, not a DSSE envelope`,
        { hint: "Verify signatures with verify-blob." },
      );
    }
    return { kind: "attestation", location: path, bundle: value };
  }
  // cosign's legacy forms: the envelope, as the equivalent bundle (core/legacy_signature.ts).
  const [dsse, legacyLib] = await Promise.all([
    import("../../core/dsse.ts"),
    import("../../core/legacy_signature.ts"),
  ]);
  const legacy: Partial<LegacySignature> = {};
  let envelopeText: Uint8Array;
  let env: Envelope;
  if (isBundle) {
    const { legacyBundleFromJSON } = await import("../../core/legacy_bundle.ts");
    const b = legacyBundleFromJSON(value, `"${path}"`);
    envelopeText = base64.decode(b.base64Signature);
    if (b.cert) {
      const pem = b.cert.includes("-----BEGIN")
        ? b.cert
        : new TextDecoder().decode(base64.decode(b.cert));
      if (/-----BEGIN CERTIFICATE-----/.test(pem)) legacy.certificate = pem;
      else if (!withKey) {
        throw new CosignError(
          "USAGE",
          `Cannot verify ${what}: it was signed with a key, and no --key was given`,
          { hint: "Pass the signer's public key with --key." },
        );
      }
    }
    if (b.rekorBundle) legacy.rekorBundle = legacyLib.rekorBundleText(b.rekorBundle);
    env = dsse.parseEnvelope(envelopeText, what);
  } else {
    // The file was read as JSON above (and checked for repeated keys): not parsed a second time.
    envelopeText = bytes;
    env = dsse.envelopeFromJSON(value, what);
  }
  if (timestampPath) {
    legacy.rfc3161Timestamp = await readTimestampFile(timestampPath);
  }
  const sha256 = new Uint8Array(
    await crypto.subtle.digest("SHA-256", env.payload as Uint8Array<ArrayBuffer>),
  );
  if (!legacy.rekorBundle && lookupTlog) {
    // No log entry with the envelope: look it up in Rekor by the payload's hash, as cosign does,
    // and verify what the log returned as if the bundle carried it (SET, trusted root).
    const found = (await lookupTlog(sha256, env.signatures[0].sig))
      .map(legacyLib.legacyRekorBundleOf).find((b) => b !== undefined);
    if (found) legacy.rekorBundle = legacyLib.rekorBundleText(found);
  }
  const bundle = legacyLib.legacySignatureBundleJson(
    { ...legacy, signature: env.signatures[0].sig },
    sha256,
    { publicKey: withKey && !legacy.certificate, envelope: env },
  );
  // cosign's legacy form timestamps the envelope JSON itself (as it was signed and written).
  const timestamped = new TextEncoder().encode(new TextDecoder().decode(envelopeText).trimEnd());
  return { kind: "attestation", location: path, bundle, timestamped };
}

/** The verify-blob-attestation command. */
export const command: Command = {
  name: "verify-blob-attestation",
  summary: "Verify an attestation on the supplied blob.",
  usage: "cosign-ts verify-blob-attestation (--bundle F | --signature F) [--type T] " +
    "(--key REF | --certificate-identity ID --certificate-oidc-issuer URL) " +
    "[--insecure-ignore-tlog] FILE|-",
  examples: [
    "cosign-ts verify-blob-attestation --key cosign.pub --signature release.att.json \\\n" +
    "    --type slsaprovenance1 --insecure-ignore-tlog release.tar.gz",
    "cosign-ts verify-blob-attestation --bundle release.sigstore.json --type cyclonedx \\\n" +
    "    --certificate-identity me@example.com --certificate-oidc-issuer https://accounts.google.com \\\n" +
    "    release.tar.gz",
    "cosign-ts verify-blob-attestation --key cosign.pub --bundle release.sigstore.json \\\n" +
    "    --digest <hex> --digestAlg sha256",
  ],
  flags: [
    {
      name: "key",
      type: "string",
      placeholder: "REF",
      description: "path to the public key file, KMS URI or other key reference",
    },
    { name: "bundle", type: "string", placeholder: "FILE", description: "path to bundle FILE" },
    {
      name: "signature",
      type: "string",
      placeholder: "FILE",
      description: "path to the DSSE envelope signature (attest-blob --output-signature)",
    },
    BLOB_PREDICATE_TYPE_FLAG,
    {
      name: "check-claims",
      type: "boolean",
      default: true,
      description: "if true, verifies the digest exists in the in-toto subject (using either " +
        "the provided digest and digest algorithm or the provided blob's sha256 digest). If " +
        "false, only the DSSE envelope is verified.",
    },
    {
      name: "digest",
      type: "string",
      placeholder: "HEX",
      description: "Digest to use for verifying in-toto subject (instead of providing a blob)",
    },
    {
      name: "digestAlg",
      type: "string",
      placeholder: "ALG",
      description: "Digest algorithm to use for verifying in-toto subject (instead of " +
        "providing a blob): sha256, sha384 or sha512",
    },
    ...TLOG_SKIP_FLAGS,
    {
      name: "use-signed-timestamps",
      type: "boolean",
      description: "require and verify the RFC 3161 timestamps of the attestation against the " +
        "trusted root's timestamp authorities or --timestamp-certificate-chain",
    },
    ...BLOB_VERIFY_FLAGS,
    {
      name: "policy",
      type: "strings",
      placeholder: "FILE",
      description: "specify CUE or Rego files with policies to be used for validation " +
        "(also TypeScript .ts/.js policies, or a plugin's; repeatable or comma-separated)",
    },
    ...KEYLESS_VERIFY_FLAGS,
    ...SECURITY_KEY_FLAGS,
  ],
  args: { min: 0, max: 1 },
  async run({ flags, args, ctx, io }) {
    const ref = args[0];
    const key = keyReference(flags);
    const sigPath = str(flags, "signature");
    const bundlePath = str(flags, "bundle");
    if (!sigPath && !bundlePath) {
      throw new CosignError(
        "USAGE",
        "please specify path to the DSSE envelope signature via --signature or --bundle",
        { hint: "Pass the file attest-blob wrote: --bundle F or --output-signature's F." },
      );
    }
    if (sigPath && bundlePath) {
      throw new CosignError("USAGE", "pass only one of --signature and --bundle");
    }
    const { predicateTypeURI } = await import("../../core/intoto.ts");
    const predicateType = predicateTypeURI(str(flags, "type") ?? "custom");
    const checkClaims = flags["check-claims"] !== false;
    const digest = str(flags, "digest");
    const digestAlg = str(flags, "digestAlg") ?? (digest ? "sha256" : undefined);
    let subjectDigests: Record<string, string> | undefined;
    if (!checkClaims) subjectDigests = {};
    else if (digest) {
      if (
        !DIGEST_LENGTH[digestAlg!] ||
        !new RegExp(`^[0-9a-fA-F]{${DIGEST_LENGTH[digestAlg!]}}$`).test(digest)
      ) {
        throw new CosignError(
          "USAGE",
          `Cannot use --digest "${
            digest.slice(0, 140)
          }" --digestAlg ${digestAlg}: not a ${digestAlg} digest in hex`,
          { hint: "Pass --digestAlg sha256, sha384 or sha512 and the digest in hexadecimal." },
        );
      }
      subjectDigests = { [digestAlg!]: digest.toLowerCase() };
    } else if (digestAlg) {
      throw new CosignError("USAGE", "--digestAlg needs --digest");
    } else if (ref === undefined) {
      throw new CosignError(
        "USAGE",
        "verify-blob-attestation needs the blob (or --digest and --digestAlg, or " +
          "--check-claims=false)",
        { hint: "Pass the blob whose digest the attestation's subject must name." },
      );
    }
    const ignoreTlog = tlogSkipped(flags);
    // A legacy attestation without its log entry is looked up in Rekor (--rekor-url), unless
    // --offline or the log is not required.
    const lookupTlog = !ignoreTlog && !bool(flags, "offline")
      ? (await import("../../core/tlog_lookup.ts")).tlogLookup(
        ctx,
        str(flags, "rekor-url") ?? "https://rekor.sigstore.dev",
      )
      : undefined;
    const stored = await readAttestation(
      (bundlePath ?? sigPath)!,
      !!bundlePath,
      str(flags, "rfc3161-timestamp"),
      !!key,
      lookupTlog,
    );
    const { policy, verifier, trustedRoot } = await blobVerifyOptions(flags, ctx, stored);
    if (bool(flags, "insecure-ignore-tlog")) {
      ctx.log.warn(
        "Skipping tlog verification is an insecure practice that lacks transparency and " +
          "auditability verification for the attestation.",
      );
    }
    const artifact: Artifact = ref !== undefined && subjectDigests === undefined
      ? await resolveBlob(ctx, ref)
      : {
        kind: "blob",
        ref: ref ?? (digest ? `${digestAlg}:${digest}` : "(attestation)"),
        digest: () =>
          Promise.reject(
            new CosignError("UNSUPPORTED", "the blob is not read: its subject digest is given"),
          ),
      };
    const [v] = await verifyArtifact(artifact, {
      ctx,
      verifier,
      keyName: keyDisplayName(key),
      policy,
      trustedRoot,
      ignoreTlog,
      signatures: [stored],
      kind: "attestation",
      predicateType,
      subjectDigests,
      requireTimestamps: bool(flags, "use-signed-timestamps"),
    });
    if (v.identity) {
      ctx.log.debug(`verified identity ${v.identity.sans.join(", ")} from ${v.identity.issuer}`);
    }
    // Policies (--policy) see the verified statement, as cosign's verify-blob-attestation does.
    const policies = policyPaths(flags.policy as string[] | undefined);
    if (policies.length) {
      const statement = JSON.parse(new TextDecoder().decode(v.payload!));
      await checkPolicies(policies, [statement], ctx, { subject: ref ?? artifact.ref });
    }
    io.err("Verified OK\n");
    return 0;
  },
};
