/**
 * `cosign-ts sign-blob`: signs a file or standard input with a key and prints the base64
 * signature, as `cosign sign-blob` does; optionally writes the signature, the certificate and a
 * bundle (cosign's legacy bundle, or a Sigstore bundle v0.3 with `--new-bundle-format`).
 *
 * The content is hashed as a stream and the digest signed when the key allows it (ECDSA, RSA);
 * Ed25519 needs the whole message, which is then read into memory.
 * @module
 */
import { base64 } from "@scure/base";
import { CosignError } from "../../core/errors.ts";
import type { HashAlgorithm, Signer, TlogEntry } from "../../core/plugin.ts";
import { bool, str } from "../args.ts";
import { writeFileAtomic } from "../atomic_write.ts";
import { resolveBlob } from "../blob_input.ts";
import type { Command } from "../command.ts";
import type { TransparencyLogEntry as BundleTlogEntry } from "../../core/bundle.ts";
import { DEFAULT_REKOR_URL, SIGSTORE_SIGNING_FLAGS } from "../sigstore_options.ts";

/** Whole-message signing (Ed25519) reads at most this much into memory. */
const MAX_WHOLE_MESSAGE_BYTES = 2 * 1024 * 1024 * 1024 - 1;

function pemToDer(pem: string): Uint8Array {
  const m = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(pem);
  if (!m) throw new CosignError("INVALID_INPUT", "The signer's certificate is not PEM");
  return base64.decode(m[1].replace(/\s+/g, ""));
}

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
    {
      name: "rekor-url",
      type: "string",
      placeholder: "URL",
      default: DEFAULT_REKOR_URL,
      description: "address of the Rekor server",
    },
    {
      name: "rsa-pss",
      type: "boolean",
      description: "RSA keys: sign with RSASSA-PSS instead of PKCS#1 v1.5 (cosign-ts extension)",
    },
    {
      name: "yes",
      short: "y",
      type: "boolean",
      description: "skip confirmation prompts for non-destructive operations",
    },
    {
      name: "issue-certificate",
      type: "boolean",
      default: false,
      description:
        "with --key: also get a Fulcio certificate for the key (needs an identity token)",
    },
    ...SIGSTORE_SIGNING_FLAGS,
  ],
  args: { min: 1, max: 1 },
  async run({ flags, args, ctx, io }) {
    const ref = args[0];
    const { openSigstoreSigner } = await import("../sigstore_signer.ts");
    const opened = await openSigstoreSigner({ flags, ctx, io, what: ref });
    const { plan, keyless } = opened;
    const signer: Signer = opened.signer;
    const b64 = bool(flags, "b64");
    // Keyless signatures are written as Sigstore bundles, as cosign v3 does.
    const newBundle = bool(flags, "new-bundle-format") || keyless;
    const bundlePath = str(flags, "bundle");
    const sigPath = str(flags, "output-signature");
    const certPath = str(flags, "output-certificate");

    try {
      const blob = await resolveBlob(ctx, ref);
      if (ref !== "-") io.err(`Using payload from: ${ref}\n`);

      // Sign: the streamed digest when the key signs digests, else the whole message.
      let signature: Uint8Array;
      let digestAlg: HashAlgorithm;
      let digest: Uint8Array;
      if (signer.signDigest && signer.hash) {
        digestAlg = signer.hash;
        const d = await blob.digest(digestAlg);
        digest = fromHex(d.hex);
        signature = await signer.signDigest(digest);
      } else {
        if (!blob.open) {
          throw new CosignError(
            "UNSUPPORTED",
            `Cannot sign "${ref}" with ${signer.algorithm}: the key needs the whole content`,
          );
        }
        const { readAll } = await import("../../plugins/artifact-blob/stream_digest.ts");
        const message = await readAll(await blob.open(), MAX_WHOLE_MESSAGE_BYTES, `"${ref}"`);
        signature = await signer.sign(message);
        digestAlg = "sha256";
        digest = new Uint8Array(
          await crypto.subtle.digest("SHA-256", message as Uint8Array<ArrayBuffer>),
        );
      }

      const chain = signer.certificateChain ? await signer.certificateChain() : undefined;
      const leafPem = chain?.length ? chain[0] : undefined;

      // Timestamps and transparency log entries, as the flags or the signing config ask.
      let tlogEntries: TlogEntry[] = [];
      let timestamps: Uint8Array[] = [];
      if (plan.witnesses.rekor.length || plan.witnesses.tsaUrls.length) {
        const { collectWitnesses } = await import("../../core/signature_witnesses.ts");
        const w = await collectWitnesses(
          ctx,
          {
            kind: "hashedrekord",
            signature,
            digest,
            verificationMaterial: leafPem ?? (await signer.publicKey()).pem,
          },
          signature,
          plan.witnesses,
        );
        tlogEntries = w.tlogEntries;
        timestamps = w.timestamps;
      }

      if (bundlePath) {
        let contents: string;
        if (newBundle) {
          const b = await import("../../core/bundle.ts");
          const { TransparencyLogEntry } = await import("@sigstore/protobuf-specs");
          const bundle = b.buildMessageSignatureBundle({
            tlogEntries: tlogEntries.map((e) =>
              TransparencyLogEntry.fromJSON(e) as BundleTlogEntry
            ),
            rfc3161Timestamps: timestamps,
            digest: { algorithm: digestAlg, value: digest },
            signature,
            certificate: leafPem ? pemToDer(leafPem) : undefined,
            publicKeyHint: leafPem
              ? undefined
              : await b.publicKeyHint((await signer.publicKey()).spki),
          });
          contents = await b.serializeBundle(bundle);
        } else {
          const { serializeLegacyBundle } = await import("../../core/legacy_bundle.ts");
          const { legacyRekorBundle } = await import("../../plugins/tlog-rekor/mod.ts");
          contents = serializeLegacyBundle({
            base64Signature: base64.encode(signature),
            cert: leafPem ? base64.encode(new TextEncoder().encode(leafPem)) : undefined,
            rekorBundle: tlogEntries.length ? legacyRekorBundle(tlogEntries[0]) : undefined,
          });
        }
        await writeFileAtomic(bundlePath, contents);
        io.err(`Wrote bundle to file ${bundlePath}\n`);
      }

      const sigOut = b64 ? new TextEncoder().encode(base64.encode(signature)) : signature;
      if (sigPath) {
        await writeFileAtomic(sigPath, sigOut);
        io.err(`Wrote signature to file ${sigPath}\n`);
      } else {
        await io.out(b64 ? base64.encode(signature) + "\n" : signature);
      }

      if (certPath && leafPem) {
        const pemBytes = new TextEncoder().encode(leafPem);
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

function fromHex(h: string): Uint8Array {
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}
