/**
 * `cosign-ts verify-blob`: verifies a blob's signature with a key, from `--signature` (a file or
 * base64 text) or `--bundle` (cosign's legacy bundle or a Sigstore bundle v0.1–v0.3), and prints
 * "Verified OK" to stderr, as `cosign verify-blob` does. The blob may be a file, `-` (standard
 * input) or `sha256:<hex>` (its digest). Content is hashed as a stream.
 *
 * Bundles with transparency-log entries or timestamps, and keyless (certificate) verification, go
 * through the Sigstore verification engine (cli/keyless_verify.ts), offline against the trusted
 * root. A bare `--signature` has no log entry to check (cosign would look it up in Rekor online;
 * we never go online to verify): without `--insecure-ignore-tlog` the command says so and fails.
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { Artifact, HashAlgorithm, Verifier } from "../../core/plugin.ts";
import { bool, str } from "../args.ts";
import { type BlobBundle, readBundleFile, readSignatureArg, resolveBlob } from "../blob_input.ts";
import type { Command } from "../command.ts";
import { KEYLESS_VERIFY_FLAGS } from "../keyless_flags.ts";

/** Whole-message verification (Ed25519) reads at most this much into memory. */
const MAX_WHOLE_MESSAGE_BYTES = 2 * 1024 * 1024 * 1024 - 1;

function hexOf(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function fromHex(h: string): Uint8Array {
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

async function checkSignature(
  verifier: Verifier,
  blob: Artifact,
  ref: string,
  signature: Uint8Array,
  expected?: { algorithm: HashAlgorithm; value: Uint8Array },
): Promise<boolean> {
  if (expected) {
    // A bundle names the digest of the content: it must be the blob's.
    const actual = await blob.digest(expected.algorithm);
    if (actual.hex !== hexOf(expected.value)) {
      throw new CosignError(
        "VERIFY",
        `Cannot verify blob "${ref}": its ${expected.algorithm} digest (${actual.hex}) is not the one in the bundle (${
          hexOf(expected.value)
        })`,
        { hint: "The blob or the bundle was changed, or they do not belong together." },
      );
    }
  }
  if (verifier.verifyDigest && verifier.hash) {
    const d = expected?.algorithm === verifier.hash
      ? expected.value
      : fromHex((await blob.digest(verifier.hash)).hex);
    return await verifier.verifyDigest(d, signature);
  }
  if (!blob.open) {
    throw new CosignError(
      "UNSUPPORTED",
      `Cannot verify "${ref}" with ${verifier.algorithm}: this key type needs the whole content, not its digest`,
      { hint: "Pass the file itself instead of its digest." },
    );
  }
  const { readAll } = await import("../../plugins/artifact-blob/stream_digest.ts");
  return await verifier.verify(
    await readAll(await blob.open(), MAX_WHOLE_MESSAGE_BYTES, `"${ref}"`),
    signature,
  );
}

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
    {
      name: "insecure-ignore-tlog",
      type: "boolean",
      description: "ignore transparency log verification, to be used when an artifact " +
        "signature has not been uploaded to the transparency log",
    },
    {
      name: "private-infrastructure",
      type: "boolean",
      description: "skip transparency log verification when verifying artifacts in a " +
        "privately deployed infrastructure",
    },
    {
      name: "use-signed-timestamps",
      type: "boolean",
      description: "verify RFC 3161 timestamps (not available yet)",
    },
    { name: "offline", type: "boolean", description: "only allow offline verification" },
    {
      name: "rekor-url",
      type: "string",
      placeholder: "URL",
      default: "https://rekor.sigstore.dev",
      description: "address of the Rekor server",
    },
    {
      name: "rsa-pss",
      type: "boolean",
      description: "RSA keys: verify RSASSA-PSS instead of PKCS#1 v1.5 (cosign-ts extension)",
    },
    ...KEYLESS_VERIFY_FLAGS,
  ],
  args: { min: 1, max: 1 },
  async run({ flags, args, ctx, io }) {
    const ref = args[0];
    // Sigstore bundles with log entries, and keyless (certificate) verification: the Sigstore
    // verification engine (core/verify) against the trusted root.
    const keyless = await import("../keyless_verify.ts");
    if (keyless.wantsBundleVerification(flags)) {
      return await keyless.verifyBlobBundle({ flags, ref, ctx, io });
    }
    // wantsBundleVerification() took every call without --key.
    const key = str(flags, "key")!;
    const sigArg = str(flags, "signature");
    const bundlePath = str(flags, "bundle");
    if (!sigArg && !bundlePath) {
      throw new CosignError("USAGE", "verify-blob needs --signature or --bundle", {
        hint: "Pass the signature that sign-blob printed (--signature) or its bundle (--bundle).",
      });
    }
    if (bool(flags, "use-signed-timestamps")) {
      throw new CosignError(
        "UNSUPPORTED",
        "Cannot verify RFC 3161 timestamps (--use-signed-timestamps): not available yet",
        { hint: "Drop --use-signed-timestamps." },
      );
    }
    const ignoreTlog = bool(flags, "insecure-ignore-tlog") ||
      bool(flags, "private-infrastructure");

    let bundle: BlobBundle | undefined;
    if (bundlePath) bundle = await readBundleFile(bundlePath);

    // Transparency log: not verifiable yet. Say so before any work is done.
    if (!ignoreTlog) {
      const hasEntry = bundle?.format === "legacy"
        ? !!bundle.legacy.rekorBundle
        : bundle?.format === "sigstore"
        ? bundle.parsed.bundle.verificationMaterial.tlogEntries.length > 0
        : false;
      throw new CosignError(
        "UNSUPPORTED",
        hasEntry
          ? `Cannot verify blob "${ref}": verifying its transparency log entry is not available yet`
          : `Cannot verify blob "${ref}": ${
            bundle
              ? "the bundle has no transparency log entry"
              : "no bundle with a transparency log entry was given"
          }, and looking the signature up in Rekor is not available yet`,
        {
          hint: "Pass the bundle that holds the log entry (--bundle), or, for a signature that " +
            "was not uploaded (sign-blob --tlog-upload=false), --insecure-ignore-tlog.",
        },
      );
    }
    if (bool(flags, "insecure-ignore-tlog")) {
      ctx.log.warn(
        "Skipping tlog verification is an insecure practice that lacks transparency and " +
          "auditability verification for the blob.",
      );
    }

    let signature: Uint8Array;
    let expected: { algorithm: HashAlgorithm; value: Uint8Array } | undefined;
    if (sigArg) {
      signature = await readSignatureArg(sigArg);
    } else if (bundle!.format === "legacy") {
      const { decodeBase64 } = await import("../../core/legacy_bundle.ts");
      signature = decodeBase64(bundle!.legacy.base64Signature, "the bundle's base64Signature");
    } else {
      const { messageSignatureOf } = await import("../../core/bundle.ts");
      const ms = messageSignatureOf(bundle!.parsed.bundle, `"${bundlePath}"`);
      signature = ms.signature;
      expected = ms.digest;
    }

    const verifier = await ctx.plugins.verifier(key, ctx, { rsaPss: bool(flags, "rsa-pss") });
    const blob = await resolveBlob(ctx, ref);
    if (!(await checkSignature(verifier, blob, ref, signature, expected))) {
      throw new CosignError(
        "VERIFY",
        `Cannot verify blob "${ref}": the signature does not match the content and the key "${key}"`,
        {
          hint: "The blob or the signature was changed, or it was signed with another key" +
            (verifier.algorithm.startsWith("rsa")
              ? " (or another RSA padding: see --rsa-pss)."
              : "."),
        },
      );
    }
    io.err("Verified OK\n");
    return 0;
  },
};
