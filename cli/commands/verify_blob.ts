/**
 * `cosign-ts verify-blob`: verifies a blob's signature, from `--signature` (a file or base64
 * text) or `--bundle` (cosign's legacy bundle or a Sigstore bundle v0.1–v0.3), with `--key` or
 * keylessly (certificate identity flags, trusted root), and prints "Verified OK" to stderr, as
 * `cosign verify-blob` does. The blob may be a file, `-` (standard input), `sha256:<hex>` (its
 * digest) or any reference a plugin's artifact type claims. Content is hashed as a stream.
 *
 * The command is flags -> options -> the blob artifact -> `verifyArtifact`
 * (core/verify_artifact.ts) with the named signature -> "Verified OK". Bundles with log entries
 * or timestamps and certificates go through the Sigstore engine offline against the trusted root;
 * a key without a log requirement checks the signature alone (with `--use-signed-timestamps`,
 * the signature and its required RFC 3161 timestamps). A bare `--signature` has no log entry:
 * it is looked up in Rekor (`--rekor-url`) as cosign does, unless `--offline`. An artifact that
 * carries its own signature (`wasm://FILE`: a bundle embedded by `sign-wasm`) needs neither flag.
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { StoredSignature } from "../../core/plugin.ts";
import { verifyArtifact } from "../../core/verify_artifact.ts";
import { bool, str } from "../args.ts";
import { carriedSignature, readBundleFile, readSignatureArg, resolveBlob } from "../blob_input.ts";
import {
  BLOB_VERIFY_FLAGS,
  blobVerifyOptions,
  readTimestampFile,
  TLOG_SKIP_FLAGS,
  tlogSkipped,
} from "../blob_verify_options.ts";
import type { Command } from "../command.ts";
import { keyDisplayName, keyReference, SECURITY_KEY_FLAGS } from "../security_key.ts";
import { KEYLESS_VERIFY_FLAGS } from "../keyless_flags.ts";

/** The verify-blob command. */
export const command: Command = {
  name: "verify-blob",
  summary: "Verifies a signature on the supplied blob.",
  usage: "cosign-ts verify-blob --key REF (--signature F|B64 | --bundle F) " +
    "[--insecure-ignore-tlog] FILE|-|sha256:<hex>",
  examples: [
    "cosign-ts verify-blob --key cosign.pub --signature release.sig --insecure-ignore-tlog release.tar.gz",
    "cosign-ts verify-blob --key cosign.pub --bundle release.bundle --insecure-ignore-tlog release.tar.gz",
    'cosign-ts verify-blob --key cosign.pub --signature "$SIG" --insecure-ignore-tlog sha256:<hex>',
    "cat release.tar.gz | cosign-ts verify-blob --key cosign.pub --signature release.sig --insecure-ignore-tlog -",
    "cosign-ts verify-blob --bundle app.sigstore.json --certificate-identity " +
    "https://github.com/OWNER/REPO/.github/workflows/release.yml@refs/heads/main " +
    "--certificate-oidc-issuer https://token.actions.githubusercontent.com app.tar.gz",
  ],
  flags: [
    {
      name: "key",
      type: "string",
      placeholder: "REF",
      description: "path to the public key file, KMS URI or other key reference",
    },
    {
      name: "signature",
      type: "string",
      placeholder: "FILE|B64",
      description: "signature content (base64) or path to a signature file",
    },
    { name: "bundle", type: "string", placeholder: "FILE", description: "path to bundle FILE" },
    ...TLOG_SKIP_FLAGS,
    {
      name: "use-signed-timestamps",
      type: "boolean",
      description: "require and verify the RFC 3161 timestamps of the signature (the bundle's or " +
        "--rfc3161-timestamp) against the trusted root's timestamp authorities or " +
        "--timestamp-certificate-chain, also with --key",
    },
    ...BLOB_VERIFY_FLAGS,
    ...KEYLESS_VERIFY_FLAGS,
    ...SECURITY_KEY_FLAGS,
  ],
  args: { min: 1, max: 1 },
  async run({ flags, args, ctx, io }) {
    const ref = args[0];
    const key = keyReference(flags);
    const sigArg = str(flags, "signature");
    const bundlePath = str(flags, "bundle");
    // cosign-ts extension: an artifact that carries its own signature (`wasm://FILE`, a bundle
    // embedded in the .wasm) needs neither flag; its bundle is verified like a --bundle. The
    // artifact resolved for it is the one verified below (a wasm file is read and parsed once).
    const resolved = !sigArg && !bundlePath ? await resolveBlob(ctx, ref) : undefined;
    const carried = resolved && await carriedSignature(resolved, ctx);
    const bundled = !!bundlePath || !!carried;
    const ignoreTlog = tlogSkipped(flags);
    // A key and no log requirement (or no bundle): the signature alone, by the key provider.
    const keyOnly = !!key && (!bundled || ignoreTlog);
    if (!sigArg && !bundled) {
      if (!key) {
        throw new CosignError(
          "UNSUPPORTED",
          "Cannot verify without --bundle: looking a signature up in Rekor is not available yet",
          {
            hint: "Pass the bundle that sign-blob wrote (--bundle), or --key with " +
              "--insecure-ignore-tlog.",
          },
        );
      }
      throw new CosignError("USAGE", "verify-blob needs --signature or --bundle", {
        hint: "Pass the signature that sign-blob printed (--signature) or its bundle (--bundle).",
      });
    }
    // No bundle and a log required: the entry is looked up in Rekor (--rekor-url) by the blob's
    // hash, as cosign does, unless --offline.
    const rekorUrl = str(flags, "rekor-url") ?? "https://rekor.sigstore.dev";
    if (!bundled && !ignoreTlog && bool(flags, "offline")) {
      throw new CosignError(
        "USAGE",
        `Cannot verify blob "${ref}" --offline: no bundle with a transparency log entry was given`,
        {
          hint: "Pass the bundle that holds the log entry (--bundle), or, for a signature that " +
            "was not uploaded (sign-blob --tlog-upload=false), --insecure-ignore-tlog.",
        },
      );
    }
    const lookupTlog = !bundled && !ignoreTlog
      ? (await import("../../core/tlog_lookup.ts")).tlogLookup(ctx, rekorUrl)
      : undefined;
    // The signature: --signature (with a key) or the --bundle file.
    const stored: StoredSignature = sigArg && (keyOnly || !bundlePath)
      ? {
        kind: "signature",
        location: sigArg,
        legacy: {
          signature: await readSignatureArg(sigArg),
          // --rfc3161-timestamp: cosign's {"SignedRFC3161Timestamp": …} file for this signature
          ...(str(flags, "rfc3161-timestamp")
            ? { rfc3161Timestamp: await readTimestampFile(str(flags, "rfc3161-timestamp")!) }
            : {}),
        },
      }
      : carried ?? await readBundleFile(bundlePath!);

    const { policy, verifier, trustedRoot } = await blobVerifyOptions(flags, ctx, stored);
    // Warned only once the key loaded: an unrelated key error must not follow this warning.
    if (keyOnly && bool(flags, "insecure-ignore-tlog")) {
      ctx.log.warn(
        "Skipping tlog verification is an insecure practice that lacks transparency and " +
          "auditability verification for the blob.",
      );
    }
    const blob = resolved ?? await resolveBlob(ctx, ref);
    const [v] = await verifyArtifact(blob, {
      ctx,
      verifier,
      keyName: keyDisplayName(key),
      policy,
      trustedRoot,
      ignoreTlog,
      signatures: [stored],
      lookupTlog,
      // --use-signed-timestamps: the timestamps are required and verified, also with a key.
      requireTimestamps: bool(flags, "use-signed-timestamps"),
    });
    if (v.identity) {
      ctx.log.debug(`verified identity ${v.identity.sans.join(", ")} from ${v.identity.issuer}`);
    }
    io.err("Verified OK\n");
    return 0;
  },
};
