/**
 * `cosign-ts sign`: signs container images in their registry, as `cosign sign` does: the
 * simple-signing payload for `repo@digest`, stored at `sha256-<hex>.sig` (or in
 * `COSIGN_REPOSITORY`), appended race-free, without duplicate layers. Signing by tag resolves
 * the digest and warns, as cosign does; `--recursive` signs an index and every manifest in it.
 * With `--key` the key signs; without, an ephemeral key certified by Fulcio (keyless), whose
 * certificate and chain go into the layer annotations. Rekor entries (and RFC 3161 timestamps
 * when asked) become cosign's bundle (and timestamp) annotations. `--new-bundle-format` (or
 * `--registry-referrers-mode=oci-1-1`) stores cosign v3's form instead: a Sigstore bundle v0.3
 * with a DSSE envelope over the sign/v1 in-toto statement, as an OCI 1.1 referrer of the image
 * (race-free in the referrers tag schema); `--bundle F` also writes the bundle to a file.
 *
 * The command is flags -> options -> `ctx.plugins.resolve(ref)` -> `signArtifact` (core/sign.ts)
 * -> output files: any artifact type with a payload or content and a signature store signs the
 * same way (images are the built-in "oci" type; a plugin's type is asked first).
 * @module
 */
import { readFile } from "node:fs/promises";
import { CosignError } from "../../core/errors.ts";
import type { Artifact } from "../../core/plugin.ts";
import { signArtifact } from "../../core/sign.ts";
import { list, parseAnnotations, str } from "../args.ts";
import type { Command } from "../command.ts";
import { ISSUE_CERTIFICATE_FLAG, YES_TLOG_FLAG } from "../common_flags.ts";
import { writeFileAtomic } from "../atomic_write.ts";
import { REGISTRY_FLAGS } from "../registry_flags.ts";
import { SECURITY_KEY_FLAGS } from "../security_key.ts";
import { SIGNING_REKOR_URL_FLAG, SIGSTORE_SIGNING_FLAGS } from "../sigstore_options.ts";

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
    SIGNING_REKOR_URL_FLAG,
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
    YES_TLOG_FLAG,
    ISSUE_CERTIFICATE_FLAG,
    {
      name: "new-bundle-format",
      type: "boolean",
      description: "Store the signature as cosign v3 does: a Sigstore bundle v0.3 (DSSE over an " +
        "in-toto statement, predicate type sign/v1) as an OCI 1.1 referrer of the image.",
    },
    {
      name: "registry-referrers-mode",
      type: "string",
      placeholder: "legacy|oci-1-1",
      description: "Where the signature goes: legacy (the sha256-<hex>.sig tag, default) or " +
        "oci-1-1 (an OCI 1.1 referrer: the referrers API, else the referrers tag schema; as " +
        "--new-bundle-format).",
    },
    {
      name: "bundle",
      type: "string",
      placeholder: "FILE",
      description: "Also write the signature's bundle to this file (Sigstore bundle with " +
        "--new-bundle-format, else cosign's legacy bundle JSON).",
    },
    ...SIGSTORE_SIGNING_FLAGS,
    ...SECURITY_KEY_FLAGS,
    ...REGISTRY_FLAGS,
  ],
  args: { min: 1 },
  async run({ flags, args, ctx, io }) {
    const annotationList = list(flags, "annotations");
    const annotations = annotationList.length ? parseAnnotations(annotationList) : undefined;
    const recursive = flags.recursive === true;
    const upload = flags.upload !== false;
    const payloadPath = str(flags, "payload");
    let payload: Uint8Array | undefined;
    if (payloadPath) {
      ctx.log.info(`Using payload from: ${payloadPath}`);
      try {
        payload = new Uint8Array(await readFile(payloadPath));
      } catch (e) {
        throw new CosignError(
          "IO",
          `Cannot read payload "${payloadPath}": ${(e as Error).message}`,
        );
      }
    }
    const mode = str(flags, "registry-referrers-mode") ?? "legacy";
    if (mode !== "legacy" && mode !== "oci-1-1") {
      throw new CosignError("USAGE", `invalid --registry-referrers-mode "${mode}"`, {
        hint: 'must be one of "legacy", "oci-1-1"',
      });
    }
    const newBundle = flags["new-bundle-format"] === true || mode === "oci-1-1";
    if (newBundle && payload) {
      throw new CosignError("USAGE", "--payload cannot be used with the bundle format", {
        hint: "cosign v3 bundles sign an in-toto statement about the image; drop --payload.",
      });
    }
    const bundlePath = str(flags, "bundle");
    const { openSigstoreSigner } = await import("../sigstore_signer.ts");
    const { signer, plan } = await openSigstoreSigner({ flags, ctx, io, what: args.join(" ") });
    try {
      for (const ref of args) {
        const artifact = await ctx.plugins.resolve(ref, ctx);
        const targets: Artifact[] = [artifact];
        if (recursive) targets.push(...((await artifact.children?.(ctx)) ?? []));
        for (const target of targets) {
          const d = await target.digest();
          const r = await signArtifact(target, signer, {
            ctx,
            annotations,
            payload,
            witnesses: plan.witnesses,
            upload,
            ...(newBundle
              ? {
                format: "bundle" as const,
                kind: "signature" as const,
                envelope: await signStatementEnvelope(
                  `${d.algorithm}:${d.hex}`,
                  annotations,
                ),
              }
              : {}),
          });
          const suffix = recursive ? `-${d.algorithm}-${d.hex}` : "";
          const outSig = str(flags, "output-signature");
          if (outSig) {
            const { base64 } = await import("@scure/base");
            await writeFileAtomic(outSig + suffix, base64.encode(r.signature));
          }
          const outPayload = str(flags, "output-payload");
          if (outPayload && r.payload) await writeFileAtomic(outPayload + suffix, r.payload);
          if (bundlePath) {
            await writeFileAtomic(bundlePath + suffix, await bundleText(r));
            ctx.log.info(`Wrote bundle to file ${bundlePath + suffix}`);
          }
        }
      }
    } finally {
      await signer.close?.();
    }
    return 0;
  },
};

/** The DSSE payload of a cosign v3 signature: the sign/v1 statement about the digest. */
async function signStatementEnvelope(
  digest: string,
  annotations: Record<string, string> | undefined,
): Promise<{ payloadType: string; payload: Uint8Array }> {
  const [{ signStatement }, { INTOTO_PAYLOAD_TYPE }] = await Promise.all([
    import("../../plugins/artifact-oci/mod.ts"),
    import("../../core/dsse.ts"),
  ]);
  return { payloadType: INTOTO_PAYLOAD_TYPE, payload: signStatement(digest, annotations) };
}

/** `--bundle`: the Sigstore bundle, or cosign's legacy bundle JSON for a `.sig` signature. */
async function bundleText(r: Awaited<ReturnType<typeof signArtifact>>): Promise<string> {
  if (r.bundleJson) return r.bundleJson;
  const { legacyBlobBundleText } = await import("../../core/legacy_signature.ts");
  return legacyBlobBundleText(r.stored.legacy!);
}
