/**
 * `cosign-ts sign`: signs container images in their registry, as `cosign sign` does: the
 * simple-signing payload for `repo@digest`, stored at `sha256-<hex>.sig` (or in
 * `COSIGN_REPOSITORY`), appended race-free, without duplicate layers. Signing by tag resolves
 * the digest and warns, as cosign does; `--recursive` signs an index and every manifest in it.
 * With `--key` the key signs; without, an ephemeral key certified by Fulcio (keyless), whose
 * certificate and chain go into the layer annotations. Rekor entries (and RFC 3161 timestamps
 * when asked) become cosign's bundle (and timestamp) annotations.
 * @module
 */
import { readFile } from "node:fs/promises";
import { CosignError } from "../../core/errors.ts";
import type { Context } from "../../core/plugin.ts";
import { bool, list, parseAnnotations, str } from "../args.ts";
import type { Command } from "../command.ts";
import { writeFileAtomic } from "../atomic_write.ts";
import { REGISTRY_FLAGS } from "../registry_flags.ts";
import { registryClientFor } from "../../oci/registry_options.ts";
import {
  DEFAULT_REKOR_URL,
  type SigningPlan,
  SIGSTORE_SIGNING_FLAGS,
} from "../sigstore_options.ts";
import {
  parseReference,
  referenceString,
  repositoryString,
  withDigest,
} from "../../oci/reference.ts";
import { manifestTree, signImageDigest } from "../../plugins/artifact-oci/sign_image.ts";
import { signatureRepository } from "../../plugins/artifact-oci/signature_location.ts";

function tagWarning(ref: string): string {
  return `Image reference ${ref} uses a tag, not a digest, to identify the image to sign.
    This can lead you to sign a different image than the intended one. Please use a
    digest (example.com/ubuntu@sha256:abc123...) rather than tag
    (example.com/ubuntu:latest) for the input to cosign. The ability to refer to
    images by tag will be removed in a future release.`;
}

/** Collects Rekor entries and timestamps as the plan says, as layer annotation values. */
function witnessCollector(
  ctx: Context,
  plan: SigningPlan,
): (
  payload: Uint8Array,
  signature: Uint8Array,
  pem: string,
) => Promise<{ bundle?: string; rfc3161Timestamp?: string }> {
  return async (payload, signature, pem) => {
    if (!plan.witnesses.rekor.length && !plan.witnesses.tsaUrls.length) return {};
    const [{ sha256 }, { collectWitnesses }, { legacyRekorBundle }, { goJson }] = await Promise
      .all([
        import("@noble/hashes/sha2.js"),
        import("../../core/signature_witnesses.ts"),
        import("../../plugins/tlog-rekor/legacy_rekor_bundle.ts"),
        import("../../plugins/artifact-oci/go_json.ts"),
      ]);
    const w = await collectWitnesses(
      ctx,
      {
        kind: "hashedrekord",
        signature,
        digest: sha256(payload),
        verificationMaterial: pem,
      },
      signature,
      plan.witnesses,
    );
    const out: { bundle?: string; rfc3161Timestamp?: string } = {};
    if (w.tlogEntries.length) {
      const b = w.tlogEntries.map(legacyRekorBundle).find((x) => x !== undefined);
      if (!b) {
        throw new CosignError(
          "UNSUPPORTED",
          "Cannot store the transparency log entry with the image signature: the log (Rekor v2) " +
            "gave no signed entry timestamp, which cosign's signature layout needs",
          { hint: "Use a Rekor v1 log (--rekor-url), or pass --tlog-upload=false." },
        );
      }
      out.bundle = goJson({
        SignedEntryTimestamp: b.SignedEntryTimestamp,
        Payload: {
          body: b.Payload.body,
          integratedTime: b.Payload.integratedTime,
          logIndex: b.Payload.logIndex,
          logID: b.Payload.logID,
        },
      });
    }
    if (w.timestamps.length) {
      let bin = "";
      for (const x of w.timestamps[0]) bin += String.fromCharCode(x);
      out.rfc3161Timestamp = goJson({ SignedRFC3161Timestamp: btoa(bin) });
    }
    return out;
  };
}

/** The sign command. */
export const command: Command = {
  name: "sign",
  summary: "Sign the supplied container image.",
  usage:
    "cosign-ts sign [--key KEY] [-a key=value]... [--recursive] [--tlog-upload=false] [-y] IMAGE...",
  examples: [
    "cosign-ts sign --key cosign.key --tlog-upload=false localhost:5000/app@sha256:…",
    "cosign-ts sign --key cosign.key -a env=prod -a git=abc123 -y localhost:5000/app:v1",
    "cosign-ts sign --key cosign.key --recursive --tlog-upload=false localhost:5000/multiarch:v1",
    "COSIGN_REPOSITORY=localhost:5000/signatures cosign-ts sign --key cosign.key localhost:5000/app:v1",
    "SIGSTORE_ID_TOKEN=$(cat token) cosign-ts sign -y localhost:5000/app@sha256:…   # keyless (Fulcio)",
  ],
  flags: [
    {
      name: "key",
      type: "string",
      placeholder: "KEY",
      description: "Path to the private key file, KMS URI or other key reference.",
    },
    {
      name: "annotations",
      short: "a",
      type: "strings",
      placeholder: "key=value",
      description: "Extra key=value pairs to sign (repeatable).",
    },
    {
      name: "recursive",
      type: "boolean",
      description: "If an index is given, sign it and every manifest it lists.",
    },
    {
      name: "tlog-upload",
      type: "boolean",
      default: true,
      description: "Upload the signature to the transparency log (Rekor).",
    },
    {
      name: "rekor-url",
      type: "string",
      default: DEFAULT_REKOR_URL,
      description: "Address of the Rekor server.",
    },
    {
      name: "upload",
      type: "boolean",
      default: true,
      description: "Store the signature in the registry (--upload=false only writes files).",
    },
    {
      name: "payload",
      type: "string",
      placeholder: "FILE",
      description: "Sign this payload file instead of generating one.",
    },
    {
      name: "output-signature",
      type: "string",
      placeholder: "FILE",
      description: "Also write the base64 signature to this file.",
    },
    {
      name: "output-payload",
      type: "string",
      placeholder: "FILE",
      description: "Also write the signed payload to this file.",
    },
    {
      name: "yes",
      short: "y",
      type: "boolean",
      description: "Skip confirmation prompts (transparency log upload).",
    },
    {
      name: "issue-certificate",
      type: "boolean",
      default: false,
      description:
        "With --key: also get a Fulcio certificate for the key (needs an identity token).",
    },
    ...SIGSTORE_SIGNING_FLAGS,
    ...REGISTRY_FLAGS,
  ],
  args: { min: 1 },
  async run({ flags, args, ctx, io }) {
    const annotationList = list(flags, "annotations");
    const annotations = annotationList.length ? parseAnnotations(annotationList) : null;
    const refs = args.map((a) => parseReference(a));
    const client = registryClientFor(ctx);
    const recursive = bool(flags, "recursive");
    const upload = flags.upload !== false;
    const payloadPath = str(flags, "payload");
    let staticPayload: Uint8Array | undefined;
    if (payloadPath) {
      ctx.log.info(`Using payload from: ${payloadPath}`);
      try {
        staticPayload = new Uint8Array(await readFile(payloadPath));
      } catch (e) {
        throw new CosignError(
          "IO",
          `Cannot read payload "${payloadPath}": ${(e as Error).message}`,
        );
      }
    }
    const { openSigstoreSigner } = await import("../sigstore_signer.ts");
    const opened = await openSigstoreSigner({ flags, ctx, io, what: args.join(" ") });
    const signer = opened.signer;
    const witness = witnessCollector(ctx, opened.plan);
    try {
      for (const ref of refs) {
        if (!ref.digest) ctx.log.warn(tagWarning(ref.original));
        const digest = await client.resolveDigest(ref);
        const digests = recursive ? await manifestTree(client, ref, digest) : [digest];
        for (const d of digests) {
          const image = withDigest(ref, d);
          const r = await signImageDigest({
            client,
            signer,
            image,
            annotations,
            payload: staticPayload,
            env: (n) => ctx.env(n),
            witness,
            noUpload: !upload,
            log: ctx.log,
          });
          const suffix = recursive ? `-${d.replace(":", "-")}` : "";
          const outSig = str(flags, "output-signature");
          if (outSig) {
            let b64 = "";
            for (const b of r.signature) b64 += String.fromCharCode(b);
            await writeFileAtomic(outSig + suffix, btoa(b64));
          }
          const outPayload = str(flags, "output-payload");
          if (outPayload) await writeFileAtomic(outPayload + suffix, r.payload);
          if (!upload) continue;
          ctx.log.info(
            `Pushing signature to: ${
              repositoryString(signatureRepository(image, (n) => ctx.env(n)))
            }`,
          );
          if (r.append && r.append.added.length === 0) {
            ctx.log.debug(`signature already present at ${referenceString(r.sigRef)}`);
          }
        }
      }
    } finally {
      await signer.close?.();
    }
    return 0;
  },
};
