/**
 * `cosign-ts sign-blob`: signs a file or standard input with a key and prints the base64
 * signature, as `cosign sign-blob` does; optionally writes the signature, the certificate and a
 * bundle (cosign's legacy bundle, or a Sigstore bundle v0.3 with `--new-bundle-format`).
 *
 * The content is hashed as a stream and the digest signed when the key allows it (ECDSA, RSA);
 * Ed25519 needs the whole message, which is then read into memory.
 *
 * The command is flags -> options -> the blob artifact (a plugin's type that claims the reference
 * first, e.g. `envblob://NAME`, else a file/stdin) -> `signArtifact` (core/sign.ts, nothing
 * attached) -> output files. Artifacts whose signatures cover a payload are for `sign`.
 * @module
 */
import { base64 } from "@scure/base";
import { CosignError } from "../../core/errors.ts";
import { signArtifact } from "../../core/sign.ts";
import { bool, str } from "../args.ts";
import { writeFileAtomic } from "../atomic_write.ts";
import { resolveBlob } from "../blob_input.ts";
import type { Command } from "../command.ts";
import { ISSUE_CERTIFICATE_FLAG, SIGN_RSA_PSS_FLAG, YES_TLOG_FLAG } from "../common_flags.ts";
import { SECURITY_KEY_FLAGS } from "../security_key.ts";
import { SIGNING_REKOR_URL_FLAG, SIGSTORE_SIGNING_FLAGS } from "../sigstore_options.ts";

/** The sign-blob command. */
export const command: Command = {
  name: "sign-blob",
  summary: "Signs the supplied blob, printing the base64-encoded signature to stdout.",
  usage: "cosign-ts sign-blob [--key REF] [--bundle F [--new-bundle-format]] " +
    "[--output-signature F] [--tlog-upload=false] FILE|-",
  examples: [
    "cosign-ts sign-blob --key cosign.key --tlog-upload=false release.tar.gz",
    "cosign-ts sign-blob --key cosign.key --tlog-upload=false --bundle release.bundle release.tar.gz",
    "cosign-ts sign-blob --key cosign.key --tlog-upload=false --new-bundle-format \\\n" +
    "    --bundle release.sigstore.json release.tar.gz",
    "tar c dir | cosign-ts sign-blob --key cosign.key --tlog-upload=false -",
    "SIGSTORE_ID_TOKEN=$(cat token) cosign-ts sign-blob -y --bundle release.sigstore.json " +
    "release.tar.gz",
    "cosign-ts sign-blob -y --identity-token token --signing-config signing_config.json \\\n" +
    "    --trusted-root trusted_root.json --bundle release.sigstore.json release.tar.gz",
  ],
  flags: [
    {
      name: "key",
      type: "string",
      placeholder: "REF",
      description: "path to the private key file, KMS URI or other key reference",
    },
    {
      name: "output-signature",
      aliases: ["output"],
      type: "string",
      placeholder: "FILE",
      description: "write the signature to FILE (instead of stdout)",
    },
    {
      name: "output-certificate",
      type: "string",
      placeholder: "FILE",
      description: "write the certificate to FILE (keys that come with a certificate)",
    },
    {
      name: "bundle",
      type: "string",
      placeholder: "FILE",
      description: "write everything required to verify the blob to FILE",
    },
    {
      name: "new-bundle-format",
      type: "boolean",
      default: false,
      description: "write --bundle as a Sigstore bundle v0.3 instead of cosign's legacy bundle",
    },
    {
      name: "b64",
      type: "boolean",
      default: true,
      description: "base64-encode the signature (and certificate) output",
    },
    {
      name: "tlog-upload",
      type: "boolean",
      default: true,
      description: "upload the signature to the transparency log (Rekor)",
    },
    SIGNING_REKOR_URL_FLAG,
    SIGN_RSA_PSS_FLAG,
    YES_TLOG_FLAG,
    ISSUE_CERTIFICATE_FLAG,
    ...SIGSTORE_SIGNING_FLAGS,
    ...SECURITY_KEY_FLAGS,
  ],
  args: { min: 1, max: 1 },
  async run({ flags, args, ctx, io }) {
    const ref = args[0];
    const { openSigstoreSigner } = await import("../sigstore_signer.ts");
    const { signer, plan, keyless } = await openSigstoreSigner({ flags, ctx, io, what: ref });
    const b64 = bool(flags, "b64");
    // Keyless signatures are written as Sigstore bundles, as cosign v3 does.
    const newBundle = bool(flags, "new-bundle-format") || keyless;
    const bundlePath = str(flags, "bundle");
    const sigPath = str(flags, "output-signature");
    const certPath = str(flags, "output-certificate");

    try {
      const blob = await resolveBlob(ctx, ref);
      if (blob.payload) {
        throw new CosignError(
          "UNSUPPORTED",
          `Cannot sign-blob "${ref}": signatures over a "${blob.kind}" artifact cover its payload, not its content`,
          { hint: `Sign it with \`cosign-ts sign\`.` },
        );
      }
      if (ref !== "-") io.err(`Using payload from: ${ref}\n`);
      const r = await signArtifact(blob, signer, {
        ctx,
        witnesses: plan.witnesses,
        format: newBundle ? "bundle" : "legacy",
        upload: false,
      });

      if (bundlePath) {
        await writeFileAtomic(bundlePath, r.bundleJson!);
        io.err(`Wrote bundle to file ${bundlePath}\n`);
      }

      const sigOut = b64 ? new TextEncoder().encode(base64.encode(r.signature)) : r.signature;
      if (sigPath) {
        await writeFileAtomic(sigPath, sigOut);
        io.err(`Wrote signature to file ${sigPath}\n`);
      } else {
        await io.out(b64 ? base64.encode(r.signature) + "\n" : r.signature);
      }

      if (certPath && r.certificate) {
        const pemBytes = new TextEncoder().encode(r.certificate);
        await writeFileAtomic(
          certPath,
          b64 ? new TextEncoder().encode(base64.encode(pemBytes)) : pemBytes,
        );
        io.err(`Wrote certificate to file ${certPath}\n`);
      }
    } finally {
      await signer.close?.();
    }
    return 0;
  },
};
