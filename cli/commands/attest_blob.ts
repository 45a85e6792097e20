/**
 * `cosign-ts attest-blob`: attests to a blob, as `cosign attest-blob` does: an in-toto statement
 * (`--predicate F --type T`, subject the blob's base name and SHA-256, or a ready `--statement F`)
 * in a DSSE envelope signed with `--key` or keylessly (Fulcio), with a Rekor entry (dsse, or
 * cosign's legacy intoto with `--rekor-entry-type intoto`) and RFC 3161 timestamps as for
 * signatures. Prints the envelope JSON (or writes it to `--output-signature`); `--bundle` writes
 * cosign's legacy attestation bundle or, with `--new-bundle-format` (and always keyless), a
 * Sigstore bundle v0.3 holding the envelope.
 *
 * The command is flags -> statement (core/intoto.ts) -> `signArtifact` with `envelope`
 * (core/sign.ts, the one sign path; nothing attached) -> output files, all written only once
 * everything succeeded.
 * @module
 */
import { basename } from "node:path";
import { base64 } from "@scure/base";
import { CosignError } from "../../core/errors.ts";
import type { Artifact } from "../../core/plugin.ts";
import { signArtifact } from "../../core/sign.ts";
import { bool, str } from "../args.ts";
import { writeFileAtomic } from "../atomic_write.ts";
import { readSmallFile, resolveBlob } from "../blob_input.ts";
import type { Command } from "../command.ts";
import {
  BLOB_PREDICATE_TYPE_FLAG,
  ISSUE_CERTIFICATE_FLAG,
  SIGN_RSA_PSS_FLAG,
  YES_TLOG_FLAG,
} from "../common_flags.ts";
import { SECURITY_KEY_FLAGS } from "../security_key.ts";
import { SIGNING_REKOR_URL_FLAG, SIGSTORE_SIGNING_FLAGS } from "../sigstore_options.ts";

/** Predicates and statements larger than this are refused (large SBOMs fit). */
export const MAX_PREDICATE_BYTES = 64 * 1024 * 1024;

/** The attest-blob command. */
export const command: Command = {
  name: "attest-blob",
  summary: "Attest the supplied blob.",
  usage: "cosign-ts attest-blob (--predicate F [--type T] | --statement F) [--key REF] " +
    "[--bundle F [--new-bundle-format]] [--output-signature F] [--tlog-upload=false] FILE|-",
  examples: [
    "cosign-ts attest-blob --key cosign.key --predicate provenance.json --type slsaprovenance1 \\\n" +
    "    --tlog-upload=false --output-signature release.att.json release.tar.gz",
    "cosign-ts attest-blob -y --key cosign.key --predicate sbom.cdx.json --type cyclonedx \\\n" +
    "    --new-bundle-format --bundle release.sigstore.json release.tar.gz",
    "SIGSTORE_ID_TOKEN=$(cat token) cosign-ts attest-blob -y --predicate vex.json --type openvex \\\n" +
    "    --bundle release.sigstore.json release.tar.gz",
    "cosign-ts attest-blob --key cosign.key --statement statement.json --tlog-upload=false release.tar.gz",
  ],
  flags: [
    {
      name: "key",
      type: "string",
      placeholder: "REF",
      description: "path to the private key file, KMS URI or other key reference",
    },
    {
      name: "predicate",
      type: "string",
      placeholder: "FILE",
      description: "path to the predicate file",
    },
    {
      name: "statement",
      type: "string",
      placeholder: "FILE",
      description: "path to the statement file (an in-toto statement, signed as it is)",
    },
    BLOB_PREDICATE_TYPE_FLAG,
    {
      name: "hash",
      type: "string",
      placeholder: "HEX",
      description: "hash of blob in hexadecimal (base16); used to attest to an artifact stored " +
        "elsewhere whose hash you have",
    },
    {
      name: "output-signature",
      type: "string",
      placeholder: "FILE",
      description: "write the signature (the DSSE envelope) to FILE",
    },
    {
      name: "output-attestation",
      type: "string",
      placeholder: "FILE",
      description: "write the attestation (the in-toto statement) to FILE",
    },
    {
      name: "output-certificate",
      type: "string",
      placeholder: "FILE",
      description: "write the certificate to FILE",
    },
    {
      name: "bundle",
      type: "string",
      placeholder: "FILE",
      description: "write everything required to verify the blob to a FILE",
    },
    {
      name: "new-bundle-format",
      type: "boolean",
      default: false,
      description: "output bundle in new format that contains all verification material",
    },
    {
      name: "tlog-upload",
      type: "boolean",
      default: true,
      description: "whether or not to upload to the tlog",
    },
    SIGNING_REKOR_URL_FLAG,
    {
      name: "rekor-entry-type",
      type: "string",
      default: "dsse",
      description: "specifies the type to be used for a rekor entry upload (dsse|intoto)",
    },
    {
      name: "rfc3161-timestamp-bundle",
      type: "string",
      placeholder: "FILE",
      description: "path to an RFC 3161 timestamp bundle FILE (written with " +
        "--timestamp-server-url)",
    },
    YES_TLOG_FLAG,
    ISSUE_CERTIFICATE_FLAG,
    SIGN_RSA_PSS_FLAG,
    ...SIGSTORE_SIGNING_FLAGS,
    ...SECURITY_KEY_FLAGS,
  ],
  args: { min: 1, max: 1 },
  async run({ flags, args, ctx, io }) {
    const ref = args[0];
    const predicatePath = str(flags, "predicate");
    const statementPath = str(flags, "statement");
    if (!predicatePath === !statementPath) {
      throw new CosignError("USAGE", "one of --predicate or --statement must be set", {
        hint: "Pass the predicate file with --predicate (and its --type), or a whole in-toto " +
          "statement with --statement.",
      });
    }
    const entryType = str(flags, "rekor-entry-type") ?? "dsse";
    if (entryType !== "dsse" && entryType !== "intoto") {
      throw new CosignError("USAGE", `unknown value for rekor-entry-type: "${entryType}"`, {
        hint: "Use dsse (the default) or intoto.",
      });
    }
    const tsPath = str(flags, "rfc3161-timestamp-bundle");
    const bundlePath = str(flags, "bundle");
    const sigPath = str(flags, "output-signature");
    const attPath = str(flags, "output-attestation");
    const certPath = str(flags, "output-certificate");
    const hashFlag = str(flags, "hash");
    const { INTOTO_PAYLOAD_TYPE } = await import("../../core/dsse.ts");
    const intoto = await import("../../core/intoto.ts");

    // The statement first: bad input fails before any key prompt or network call. The artifact
    // is the blob, or (--hash, --statement) a reference known only by what the statement says.
    let statement: Uint8Array;
    let artifact: Artifact = {
      kind: "blob",
      ref,
      digest: () =>
        Promise.reject(
          new CosignError(
            "UNSUPPORTED",
            `Cannot hash "${ref}": it was not read (--hash, --statement)`,
          ),
        ),
    };
    if (statementPath) {
      io.err(`Using statement from: ${statementPath}\n`);
      statement = await readSmallFile(statementPath, MAX_PREDICATE_BYTES, "statement");
      intoto.parseStatement(statement, `statement "${statementPath}"`);
    } else {
      const type = str(flags, "type") ?? "custom";
      intoto.predicateTypeURI(type);
      let hex: string;
      if (hashFlag) {
        if (!/^[0-9a-fA-F]{64}$/.test(hashFlag)) {
          throw new CosignError(
            "USAGE",
            `Cannot use --hash "${hashFlag.slice(0, 80)}": it is not a SHA-256 digest in hex`,
            { hint: "Pass the blob's SHA-256 as 64 hexadecimal digits (sha256sum prints it)." },
          );
        }
        hex = hashFlag.toLowerCase();
      } else {
        artifact = await resolveBlob(ctx, ref);
        if (ref !== "-") io.err(`Using payload from: ${ref}\n`);
        hex = (await artifact.digest("sha256")).hex;
      }
      const predicate = await readSmallFile(predicatePath!, MAX_PREDICATE_BYTES, "predicate");
      statement = intoto.buildStatement({
        subjects: [{ name: basename(ref), digest: { sha256: hex } }],
        type,
        predicate,
      });
    }

    const { openSigstoreSigner } = await import("../sigstore_signer.ts");
    const { signer, plan, keyless } = await openSigstoreSigner({ flags, ctx, io, what: ref });
    // Keyless attestations are written as Sigstore bundles, as cosign v3 does.
    const newBundle = bool(flags, "new-bundle-format") || keyless;
    try {
      if (plan.witnesses.tsaUrls.length && !tsPath && !newBundle) {
        throw new CosignError(
          "USAGE",
          "expected either new bundle or an rfc3161-timestamp path when using a TSA server",
          { hint: "Pass --new-bundle-format (with --bundle) or --rfc3161-timestamp-bundle FILE." },
        );
      }
      const r = await signArtifact(
        artifact,
        signer,
        {
          ctx,
          witnesses: plan.witnesses,
          format: newBundle ? "bundle" : "legacy",
          upload: false,
          envelope: { payloadType: INTOTO_PAYLOAD_TYPE, payload: statement },
          rekorEntryType: entryType,
        },
      );
      // Everything is signed and witnessed: now the files.
      if (tsPath && r.timestamps.length) {
        await writeFileAtomic(
          tsPath,
          JSON.stringify({ SignedRFC3161Timestamp: base64.encode(r.timestamps[0]) }),
          0o600,
        );
        io.err(`RFC3161 timestamp bundle written to file  ${tsPath}\n`);
      }
      if (bundlePath) {
        await writeFileAtomic(bundlePath, r.bundleJson!, 0o600);
        io.err(`Bundle wrote in the file  ${bundlePath}\n`);
      }
      if (sigPath) {
        await writeFileAtomic(sigPath, r.envelope!, 0o600);
        io.err(`Signature written in ${sigPath}\n`);
      } else {
        await io.out(r.envelope! + "\n");
      }
      if (attPath) {
        await writeFileAtomic(attPath, statement, 0o600);
        io.err(`Attestation written in ${attPath}\n`);
      }
      if (certPath) {
        if (r.certificate) {
          await writeFileAtomic(certPath, r.certificate, 0o600);
          io.err(`Certificate written to file  ${certPath}\n`);
        } else {
          io.err("Could not output signer certificate. Was a certificate used?\n");
        }
      }
    } finally {
      await signer.close?.();
    }
    return 0;
  },
};
