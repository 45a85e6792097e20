/**
 * `cosign-ts bundle create`: turns signed material into a Sigstore bundle (v0.3), as
 * `cosign bundle create` does: the signature from a legacy bundle (`--bundle`, its certificate
 * too) or `--signature` (base64), or a DSSE envelope (`--attestation`, or a legacy bundle whose
 * signature is one); the signer from `--certificate` (PEM, or base64 of PEM as cosign writes
 * it) or `--key` (a public key); an RFC 3161 timestamp from `--rfc3161-timestamp` (cosign's
 * `{"SignedRFC3161Timestamp": …}` JSON); and, unless `--ignore-tlog`, the transparency log entry
 * looked up in Rekor (`--rekor-url`) by the artifact's hash. The bundle is checked by the same
 * parser verification uses, then printed or written to `--out` (mode 0600).
 *
 * @example
 * ```sh
 * cosign-ts bundle create --artifact a.txt --bundle a.bundle --out a.sigstore.json
 * ```
 * @module
 */
import { base64 } from "@scure/base";
import { bool, str } from "../args.ts";
import type { Command } from "../command.ts";
import { CosignError } from "../../core/errors.ts";
import { readSmallFile, resolveBlob } from "../blob_input.ts";
import { writeFileAtomic } from "../atomic_write.ts";

const dec = new TextDecoder();
const MAX = 16 * 1024 * 1024;

function b64(text: string, what: string): Uint8Array {
  try {
    return base64.decode(text.trim());
  } catch {
    throw new CosignError("INVALID_INPUT", `Cannot read ${what}: it is not base64`);
  }
}

// deno-lint-ignore no-explicit-any
type Json = any;

function envelopeOf(bytes: Uint8Array): Json | undefined {
  try {
    const e = JSON.parse(dec.decode(bytes));
    if (
      typeof e?.payload === "string" && typeof e?.payloadType === "string" &&
      Array.isArray(e.signatures)
    ) {
      return e;
    }
  } catch { /* a plain signature */ }
  return undefined;
}

/** The bundle create command. */
export const command: Command = {
  name: "bundle create",
  summary: "Create a Sigstore protobuf bundle.",
  usage: "cosign-ts bundle create --artifact FILE (--bundle F | --signature F | --attestation F) " +
    "[--certificate F | --key F] [--rfc3161-timestamp F] [--ignore-tlog] [--out F]",
  examples: [
    "cosign-ts bundle create --artifact a.txt --bundle a.bundle --out a.sigstore.json",
    "cosign-ts bundle create --artifact a.txt --signature a.sig --key cosign.pub --ignore-tlog",
  ],
  flags: [
    { name: "artifact", type: "string", placeholder: "FILE", description: "path to artifact FILE" },
    {
      name: "attestation",
      type: "string",
      placeholder: "FILE",
      description: "path to attestation FILE",
    },
    {
      name: "bundle",
      type: "string",
      placeholder: "FILE",
      description: "path to old format bundle FILE",
    },
    {
      name: "certificate",
      type: "string",
      placeholder: "FILE",
      description: "path to the signing certificate, likely from Fulcio.",
    },
    {
      name: "ignore-tlog",
      type: "boolean",
      description: "ignore transparency log verification, to be used when an artifact signature " +
        "has not been uploaded to the transparency log.",
    },
    {
      name: "key",
      type: "string",
      placeholder: "REF",
      description: "path to the public key file, KMS URI or Kubernetes Secret",
    },
    { name: "out", type: "string", placeholder: "FILE", description: "path to output bundle" },
    {
      name: "rekor-url",
      type: "string",
      default: "https://rekor.sigstore.dev",
      placeholder: "URL",
      description: "address of rekor STL server",
    },
    {
      name: "rfc3161-timestamp",
      type: "string",
      placeholder: "FILE",
      description: "path to RFC3161 timestamp FILE",
    },
    {
      name: "signature",
      type: "string",
      placeholder: "FILE",
      description: "path to base64-encoded signature over attestation in DSSE format",
    },
  ],
  args: { max: 0 },
  async run({ flags, ctx, io }) {
    const artifactPath = str(flags, "artifact");
    if (!artifactPath) {
      throw new CosignError("USAGE", "bundle create needs --artifact", {
        hint: "Usage: cosign-ts bundle create --artifact FILE --bundle OLD.bundle",
      });
    }
    const bundlePath = str(flags, "bundle");
    const sigPath = str(flags, "signature");
    if (!bundlePath && !sigPath) {
      throw new CosignError("USAGE", "bundle create needs the signature: --bundle or --signature", {
        hint:
          "Pass the legacy bundle sign-blob wrote (--bundle) or the signature file (--signature).",
      });
    }
    const { parseLegacyBundle } = await import("../../core/legacy_bundle.ts");
    const { certificatesFromPemOrDer } = await import("../../core/verify/certificate.ts");
    const certOf = (bytes: Uint8Array, what: string): Uint8Array => {
      let data = bytes;
      if (!dec.decode(bytes).includes("-----BEGIN")) data = b64(dec.decode(bytes), what);
      const [der] = certificatesFromPemOrDer(data);
      if (!der || !dec.decode(data).includes("-----BEGIN CERTIFICATE")) {
        throw new CosignError("INVALID_INPUT", `Cannot read ${what}: no PEM certificate in it`);
      }
      return der;
    };

    let signature: Uint8Array | undefined;
    let envelope: Json | undefined;
    let certificate: Uint8Array | undefined;
    if (bundlePath) {
      const legacy = parseLegacyBundle(
        await readSmallFile(bundlePath, MAX, "bundle"),
        `"${bundlePath}"`,
      );
      if (legacy.cert) {
        certificate = certOf(
          new TextEncoder().encode(legacy.cert),
          `the certificate of "${bundlePath}"`,
        );
      }
      const sig = b64(legacy.base64Signature, `the signature of "${bundlePath}"`);
      envelope = envelopeOf(sig);
      if (!envelope) signature = sig;
    }
    if (sigPath) {
      signature = b64(
        dec.decode(await readSmallFile(sigPath, MAX, "signature")),
        `signature "${sigPath}"`,
      );
    }
    const certPath = str(flags, "certificate");
    if (certPath) {
      certificate = certOf(
        await readSmallFile(certPath, MAX, "certificate"),
        `certificate "${certPath}"`,
      );
    }
    const attPath = str(flags, "attestation");
    if (attPath) {
      envelope = envelopeOf(await readSmallFile(attPath, MAX, "attestation"));
      if (!envelope) {
        throw new CosignError(
          "INVALID_INPUT",
          `Cannot read attestation "${attPath}": it is not a DSSE envelope`,
        );
      }
    }
    const tsPath = str(flags, "rfc3161-timestamp");
    const timestamps: Uint8Array[] = [];
    if (tsPath) {
      let ts: Json;
      try {
        ts = JSON.parse(dec.decode(await readSmallFile(tsPath, MAX, "RFC 3161 timestamp")));
      } catch (e) {
        if (e instanceof CosignError) throw e;
        ts = undefined;
      }
      if (typeof ts?.SignedRFC3161Timestamp !== "string") {
        throw new CosignError(
          "INVALID_INPUT",
          `Cannot read RFC 3161 timestamp "${tsPath}": no SignedRFC3161Timestamp in it`,
          {
            hint:
              'cosign writes it as {"SignedRFC3161Timestamp": "<base64>"} (sign-blob --rfc3161-timestamp).',
          },
        );
      }
      timestamps.push(b64(ts.SignedRFC3161Timestamp, `RFC 3161 timestamp "${tsPath}"`));
    }
    let publicKey: Uint8Array | undefined;
    const keyRef = str(flags, "key");
    if (keyRef && !certificate) {
      const verifier = await ctx.plugins.verifier(keyRef, ctx);
      publicKey = (await verifier.publicKey()).spki;
    }

    const { hex } = await import("@scure/base");
    const digest = hex.decode((await (await resolveBlob(ctx, artifactPath)).digest("sha256")).hex);
    const tlogEntries: unknown[] = [];
    if (!bool(flags, "ignore-tlog")) {
      const rekorUrl = str(flags, "rekor-url") ?? "https://rekor.sigstore.dev";
      // The log plugin that serves the URL looks the entry up (Rekor: its index search).
      const log = ctx.plugins.tlogFor(rekorUrl);
      if (!log.find) {
        throw new CosignError(
          "UNSUPPORTED",
          `Cannot create bundle: the "${log.name}" log at ${rekorUrl} cannot look entries up`,
          { hint: "Pass --ignore-tlog, or a log that can search (--rekor-url)." },
        );
      }
      const payloadHash = envelope
        ? new Uint8Array(
          await crypto.subtle.digest("SHA-256", new Uint8Array(base64.decode(envelope.payload))),
        )
        : digest;
      const sig = envelope ? base64.decode(envelope.signatures?.[0]?.sig ?? "") : signature;
      const found = await log.find({ sha256: payloadHash, signature: sig }, ctx, {
        url: rekorUrl,
      });
      if (!found.length) {
        throw new CosignError(
          "NOT_FOUND",
          `Cannot create bundle: Rekor at ${rekorUrl} has no entry for this signature`,
          {
            hint:
              "Pass the Rekor the signature was uploaded to (--rekor-url), or --ignore-tlog for one that was not uploaded.",
          },
        );
      }
      tlogEntries.push(found[0]);
    }
    const { assembleBundleJSON } = await import("../../core/bundle.ts");
    const text = await assembleBundleJSON({
      message: envelope ? undefined : { signature: signature!, sha256: digest },
      envelope,
      certificate,
      publicKey,
      tlogEntries,
      rfc3161Timestamps: timestamps,
    });
    const out = str(flags, "out");
    if (out) await writeFileAtomic(out, text, 0o600);
    else await io.out(text + "\n");
  },
};
