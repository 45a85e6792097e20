/**
 * `cosign-ts verify`: verifies the signatures stored for container images, as `cosign verify
 * --key` does. Prints the checks performed to stderr and the verified payloads as a JSON array
 * to stdout. Exit 10: no signatures; 11: no such image; 12: none matched.
 *
 * The command is flags -> options -> `ctx.plugins.resolve(ref)` -> `verifyArtifact`
 * (core/verify_artifact.ts) -> print: legacy `.sig` signatures and cosign v3 referrer bundles of
 * images, or the signatures any artifact type's store lists, verify the same way. The JSON items
 * are the artifact's `verifiedOutput` (images: cosign's), else the payload when it is JSON;
 * `--output text` prints one a line (legacy signatures: the signed payload). `--max-workers`
 * bounds how many signatures are verified at once.
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { Artifact, Context, VerifiedSignature } from "../../core/plugin.ts";
import { verifyArtifact } from "../../core/verify_artifact.ts";
import { bool, list, parseAnnotations, str } from "../args.ts";
import type { Command } from "../command.ts";
import { KEYLESS_VERIFY_FLAGS } from "../keyless_flags.ts";
import { REGISTRY_FLAGS } from "../registry_flags.ts";
import { keyReference, SECURITY_KEY_FLAGS } from "../security_key.ts";

/** The verify command. */
export const command: Command = {
  name: "verify",
  summary: "Verify a signature on the supplied container image.",
  usage: "cosign-ts verify --key KEY | --certificate-identity ID --certificate-oidc-issuer URL\n" +
    "    [-a key=value]... [--insecure-ignore-tlog] [--trusted-root FILE] IMAGE...",
  examples: [
    "cosign-ts verify --key cosign.pub --insecure-ignore-tlog localhost:5000/app:v1",
    "cosign-ts verify --key cosign.pub --insecure-ignore-tlog -a env=prod localhost:5000/app@sha256:…",
    "cosign-ts verify --key cosign.pub --insecure-ignore-tlog --output text localhost:5000/app:v1",
    "cosign-ts verify --certificate-identity alice@example.com --certificate-oidc-issuer https://accounts.example.com localhost:5000/app:v1",
  ],
  flags: [
    {
      name: "key",
      type: "string",
      placeholder: "KEY",
      description: "Path to the public key file, KMS URI or other key reference.",
    },
    {
      name: "annotations",
      short: "a",
      type: "strings",
      placeholder: "key=value",
      description: "Extra key=value pairs every accepted signature must carry (repeatable).",
    },
    {
      name: "check-claims",
      type: "boolean",
      default: true,
      description: "Check that the payload names the image digest and carries the annotations.",
    },
    {
      name: "insecure-ignore-tlog",
      type: "boolean",
      description: "Do not require transparency-log evidence (for --tlog-upload=false signatures).",
    },
    {
      name: "output",
      short: "o",
      type: "string",
      default: "json",
      description: "Output format: json (every verified signature's item, as a JSON array) or " +
        "text (one item a line; keyless: the certificate subject and issuer on stderr).",
    },
    {
      name: "local-image",
      type: "boolean",
      description: "IMAGE is the directory of an image saved with `cosign-ts save` (an OCI " +
        "layout): verify it and its saved signatures from disk, without a registry.",
    },
    {
      name: "max-workers",
      type: "string",
      placeholder: "N",
      default: "10",
      description: "How many signatures are fetched and verified at once (signature layers, " +
        "Rekor look-ups, checks; at least 1).",
    },
    {
      name: "rekor-url",
      type: "string",
      default: "https://rekor.sigstore.dev",
      description: "Address of the Rekor server where signatures without a Rekor bundle are " +
        "looked up.",
    },
    ...KEYLESS_VERIFY_FLAGS.filter((f) =>
      !["certificate-chain", "new-bundle-format"].includes(f.name)
    ),
    ...SECURITY_KEY_FLAGS,
    ...REGISTRY_FLAGS,
  ],
  args: { min: 1 },
  async run({ flags, args, ctx, io }) {
    const keyRef = keyReference(flags);
    const output = str(flags, "output") ?? "json";
    if (output !== "json" && output !== "text") {
      throw new CosignError("USAGE", `Unknown --output "${output}"`, { hint: "Use json or text." });
    }
    const annotationList = list(flags, "annotations");
    const annotations = annotationList.length ? parseAnnotations(annotationList) : undefined;
    const checkClaims = flags["check-claims"] !== false;
    const { describeAhead, imageVerifyOptions, printVerificationHeader } = await import(
      "../image_verify_options.ts"
    );
    const resolve = async (ref: string) => {
      const artifact = bool(flags, "local-image")
        ? await (await import("../../plugins/artifact-oci/mod.ts")).localImageArtifact(ref, ctx)
        : await ctx.plugins.resolve(ref, ctx);
      return { artifact, described: describeAhead(artifact, ctx) };
    };
    // The first image is resolved, and its registry reached, while the key and trust material
    // load; its errors come after theirs, as before.
    const first = resolve(args[0]);
    first.catch(() => {});
    const options = await imageVerifyOptions(flags, ctx);
    for (const [i, ref] of args.entries()) {
      const { artifact, described } = await (i === 0 ? first : resolve(ref));
      const verified = await verifyArtifact(artifact, { ...options, annotations, checkClaims });
      await printVerificationHeader(artifact, verified, {
        checkClaims,
        annotations: !!annotations,
        keyed: !!keyRef,
        described,
      }, ctx);
      if (output === "text") {
        // As cosign: per signature, the certificate's subject and issuer (stderr), then the
        // signed payload (legacy) or the signature's JSON item (bundles) on one line.
        for (const v of verified) {
          if (v.identity) {
            ctx.log.info(`Certificate subject: ${v.identity.sans[0] ?? ""}`);
            if (v.identity.issuer) ctx.log.info(`Certificate issuer URL: ${v.identity.issuer}`);
          }
          const legacyPayload = v.stored.legacy ? v.stored.legacy.payload ?? v.payload : undefined;
          await io.out(
            (legacyPayload
              ? new TextDecoder().decode(legacyPayload)
              : await outputItem(artifact, v, ctx)) + "\n",
          );
        }
      } else {
        // As cosign: the payloads plus certificate/bundle details, after an empty line.
        const items = await Promise.all(verified.map((v) => outputItem(artifact, v, ctx)));
        await io.out(`\n[${items.join(",")}]\n`);
      }
    }
    return 0;
  },
};

/**
 * One item of the JSON output: the artifact's rendering, else the payload when it is JSON, else
 * (a signature over the content itself, e.g. a file) what was verified:
 * `{"artifact":REF,"kind":KIND,"digest":"sha256:…","signature":LOCATION}`.
 */
async function outputItem(
  artifact: Artifact,
  v: VerifiedSignature,
  ctx: Context,
): Promise<string> {
  if (artifact.verifiedOutput) return await artifact.verifiedOutput(v, ctx);
  const payload = v.stored.legacy?.payload ?? v.payload;
  if (payload) {
    try {
      return JSON.stringify(JSON.parse(new TextDecoder().decode(payload)));
    } catch {
      // not JSON
    }
  }
  const d = await artifact.digest();
  return JSON.stringify({
    artifact: artifact.ref,
    kind: artifact.kind,
    digest: `${d.algorithm}:${d.hex}`,
    signature: v.stored.location,
  });
}
