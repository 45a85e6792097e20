/**
 * `cosign-ts attest`: attests container images as `cosign attest` does: an in-toto statement
 * (cosign's `--type` names or a predicate type URI; core/intoto.ts) whose subject is the image
 * repository and digest, signed as a DSSE envelope through the one sign path (core/sign.ts
 * `signArtifact` with `envelope`), with a dsse (or `--rekor-entry-type intoto`) Rekor entry and
 * RFC 3161 timestamps as for `sign`. Stored in cosign's legacy layout (a DSSE layer of
 * `sha256-<hex>.att`, appended race-free) or, with `--new-bundle-format`, as a Sigstore bundle
 * v0.3 OCI 1.1 referrer of the image. `--replace` (legacy layout) drops the image's earlier
 * attestations of the same predicate type in the same race-free write. `--bundle F` also writes
 * the bundle locally;
 * `--no-upload` prints the envelope instead of storing it.
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import { signArtifact } from "../../core/sign.ts";
import { bool, str } from "../args.ts";
import type { Command } from "../command.ts";
import { ISSUE_CERTIFICATE_FLAG, YES_TLOG_FLAG } from "../common_flags.ts";
import { writeFileAtomic } from "../atomic_write.ts";
import { REGISTRY_FLAGS } from "../registry_flags.ts";
import { SIGNING_REKOR_URL_FLAG, SIGSTORE_SIGNING_FLAGS } from "../sigstore_options.ts";

/** Largest predicate file read (cosign reads it whole; SBOMs can be large). */
export const MAX_PREDICATE_BYTES = 32 * 1024 * 1024;

/** Reads the `--predicate` file (or `-`), capped at {@link MAX_PREDICATE_BYTES}. */
async function readPredicate(
  path: string,
  stdin: () => ReadableStream<Uint8Array>,
): Promise<Uint8Array> {
  if (path === "-") {
    const { readAll } = await import("../../core/read_all.ts");
    return await readAll(stdin(), MAX_PREDICATE_BYTES, "the predicate");
  }
  const { readSmallFile } = await import("../blob_input.ts");
  return await readSmallFile(path, MAX_PREDICATE_BYTES, "predicate");
}

/** The attest command. */
export const command: Command = {
  name: "attest",
  summary: "Attest the supplied container image.",
  usage: "cosign-ts attest --predicate FILE [--type TYPE] [--key KEY] [--new-bundle-format]\n" +
    "    [--tlog-upload=false] [--bundle FILE] [-y] IMAGE...",
  examples: [
    "cosign-ts attest --key cosign.key --predicate provenance.json --type slsaprovenance1 --tlog-upload=false localhost:5000/app@sha256:…",
    "cosign-ts attest --key cosign.key --predicate sbom.cdx.json --type cyclonedx --new-bundle-format --tlog-upload=false localhost:5000/app:v1",
    "SIGSTORE_ID_TOKEN=$(cat token) cosign-ts attest -y --predicate p.json --type https://example.com/p/v1 localhost:5000/app@sha256:…",
  ],
  flags: [
    {
      name: "key",
      type: "string",
      placeholder: "KEY",
      description: "Path to the private key file, KMS URI or other key reference.",
    },
    {
      name: "predicate",
      type: "string",
      placeholder: "FILE",
      description: "Path to the predicate file (- for standard input).",
    },
    {
      name: "type",
      type: "string",
      default: "custom",
      placeholder: "TYPE",
      description: "Predicate type: slsaprovenance, slsaprovenance02, slsaprovenance1, link, " +
        "spdx, spdxjson, cyclonedx, vuln, openvex, custom, or a URI.",
    },
    {
      name: "new-bundle-format",
      type: "boolean",
      description: "Store the attestation as a Sigstore bundle v0.3 OCI 1.1 referrer of the " +
        "image (cosign v3), instead of a layer of the .att tag.",
    },
    {
      name: "bundle",
      type: "string",
      placeholder: "FILE",
      description: "Also write the bundle to this file (Sigstore bundle with " +
        "--new-bundle-format, else cosign's legacy bundle).",
    },
    {
      name: "replace",
      type: "boolean",
      description: "Replace the image's attestations of the same predicate type (cosign's " +
        ".att layout).",
    },
    {
      name: "no-upload",
      type: "boolean",
      description: "Do not store the attestation; print the signed envelope.",
    },
    {
      name: "tlog-upload",
      type: "boolean",
      default: true,
      description: "Upload the attestation to the transparency log (Rekor).",
    },
    SIGNING_REKOR_URL_FLAG,
    {
      name: "rekor-entry-type",
      type: "string",
      default: "dsse",
      description: "Rekor entry type for the attestation: dsse or intoto.",
    },
    YES_TLOG_FLAG,
    ISSUE_CERTIFICATE_FLAG,
    ...SIGSTORE_SIGNING_FLAGS,
    ...REGISTRY_FLAGS,
  ],
  args: { min: 1 },
  async run({ flags, args, ctx, io }) {
    const predicatePath = str(flags, "predicate");
    if (!predicatePath) {
      throw new CosignError("USAGE", "predicate cannot be empty", {
        hint: "Pass the predicate file with --predicate FILE.",
      });
    }
    const entryType = str(flags, "rekor-entry-type") ?? "dsse";
    if (entryType !== "dsse" && entryType !== "intoto") {
      throw new CosignError("USAGE", `unknown value for rekor-entry-type: "${entryType}"`, {
        hint: "Use --rekor-entry-type dsse (default) or intoto.",
      });
    }
    const typeName = str(flags, "type") ?? "custom";
    const [intoto, dsse, oci, reference] = await Promise.all([
      import("../../core/intoto.ts"),
      import("../../core/dsse.ts"),
      import("../../plugins/artifact-oci/mod.ts"),
      import("../../oci/reference.ts"),
    ]);
    intoto.predicateTypeURI(typeName); // a bad --type fails before anything is read
    const predicate = await readPredicate(predicatePath, () => io.stdin());
    const newBundle = bool(flags, "new-bundle-format");
    const upload = !bool(flags, "no-upload");
    const bundlePath = str(flags, "bundle");
    const replace = bool(flags, "replace");
    if (replace && newBundle) {
      throw new CosignError("USAGE", "--replace cannot be used with --new-bundle-format", {
        hint: "--replace replaces attestations in cosign's .att layout; remove bundle " +
          "referrers with `cosign-ts clean --type attestation` first.",
      });
    }
    const { openSigstoreSigner } = await import("../sigstore_signer.ts");
    const { signer, plan } = await openSigstoreSigner({ flags, ctx, io, what: args.join(" ") });
    try {
      for (const ref of args) {
        const artifact = await ctx.plugins.resolve(ref, ctx);
        const digest = await artifact.digest();
        if (!ref.includes("@")) ctx.log.warn(oci.tagWarning(ref));
        // cosign: the subject is the image's repository and its digest.
        let name = artifact.name ?? artifact.ref;
        try {
          name = reference.repositoryString(reference.parseReference(ref));
        } catch {
          // not an image reference (a plugin's artifact type): its name as given
        }
        const statement = intoto.buildStatement({
          subjects: [{ name, digest: { [digest.algorithm]: digest.hex } }],
          type: typeName,
          predicate,
        });
        const r = await signArtifact(artifact, signer, {
          ctx,
          envelope: { payloadType: dsse.INTOTO_PAYLOAD_TYPE, payload: statement },
          rekorEntryType: entryType,
          format: newBundle ? "bundle" : "legacy",
          witnesses: plan.witnesses,
          upload,
          kind: "attestation",
          replace,
        });
        if (bundlePath && r.bundleJson) {
          await writeFileAtomic(bundlePath, r.bundleJson);
          ctx.log.info(`Wrote bundle to file ${bundlePath}`);
        }
        if (!upload && !bundlePath) await io.out(`${r.envelope}\n`);
      }
    } finally {
      await signer.close?.();
    }
    return 0;
  },
};
