/**
 * `cosign-ts verify`: verifies the signatures stored for container images, as `cosign verify
 * --key` does. Prints the checks performed to stderr and the verified payloads as a JSON array
 * to stdout. Exit 10: no signatures; 11: no such image; 12: none matched.
 * @module
 */
import { CosignError, isCosignError } from "../../core/errors.ts";
import { bool, list, parseAnnotations, str } from "../args.ts";
import type { Command } from "../command.ts";
import { REGISTRY_FLAGS } from "../registry_flags.ts";
import { registryClientFor } from "../../oci/registry_options.ts";
import { parseReference, referenceString, withDigest } from "../../oci/reference.ts";
import { readSignatures } from "../../plugins/artifact-oci/read_signatures.ts";
import { signatureReference } from "../../plugins/artifact-oci/signature_location.ts";
import { verificationOutput } from "../../plugins/artifact-oci/verification_output.ts";
import { encodeSimpleSigning } from "../../plugins/artifact-oci/simple_signing.ts";
import {
  predicateTypeOf,
  readSignatureBundles,
  SIGN_PREDICATE_TYPE,
} from "../../plugins/artifact-oci/referrer_bundles.ts";
import type { TrustedRoot } from "../../core/trust/trusted_root.ts";
import { verifySignatures } from "../../plugins/artifact-oci/verify_signatures.ts";
import { verifyRekorBundle } from "../../plugins/tlog-rekor/mod.ts";
import { signatureBytes } from "../../plugins/artifact-oci/mod.ts";
import { sha256 as sha256Of } from "../../core/verify/public_key.ts";
import type { StoredSignature } from "../../plugins/artifact-oci/stored_signature.ts";
import { loadTrustedRoot } from "../trust_root.ts";
import { identityPolicyFromFlags, KEYLESS_VERIFY_FLAGS } from "../keyless_flags.ts";
import type { VerifyPolicy } from "../../core/verify/verify_bundle.ts";

/** DER of the first PEM block of a certificate annotation. */
function pemDer(pem: string): Uint8Array {
  const m = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(pem);
  if (!m) {
    throw new CosignError("VERIFY", "the signature's certificate annotation is not PEM");
  }
  return Uint8Array.from(atob(m[1].replace(/\s+/g, "")), (c) => c.charCodeAt(0));
}

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
      description: "Output format: json (payloads as a JSON array) or text (one payload a line).",
    },
    {
      name: "rekor-url",
      type: "string",
      default: "https://rekor.sigstore.dev",
      description: "Address of the Rekor server (accepted for cosign compatibility).",
      hidden: true,
    },
    ...KEYLESS_VERIFY_FLAGS.filter((f) =>
      !["certificate-chain", "new-bundle-format"].includes(f.name)
    ),
    ...REGISTRY_FLAGS,
  ],
  args: { min: 1 },
  async run({ flags, args, ctx, io }) {
    const keyRef = str(flags, "key");
    const output = str(flags, "output") ?? "json";
    if (output !== "json" && output !== "text") {
      throw new CosignError("USAGE", `Unknown --output "${output}"`, { hint: "Use json or text." });
    }
    const annotationList = list(flags, "annotations");
    const annotations = annotationList.length ? parseAnnotations(annotationList) : undefined;
    const checkClaims = flags["check-claims"] !== false;
    const ignoreTlog = bool(flags, "insecure-ignore-tlog");
    const refs = args.map((a) => parseReference(a));
    const client = registryClientFor(ctx);
    const verifier = keyRef ? await ctx.plugins.verifier(keyRef, ctx) : undefined;
    // Keyless: each signature's certificate, checked against the trusted root and the identity.
    let verifyCertificate: ((sig: StoredSignature) => Promise<void>) | undefined;
    // Policy for cosign v3 bundles (referrers): the key, or the identity flags.
    let bundlePolicy: VerifyPolicy = {};
    let trustRoot: Promise<TrustedRoot> | undefined;
    const trustedRoot = () => trustRoot ??= loadTrustedRoot(ctx, str(flags, "trusted-root"));
    if (!keyRef) {
      const policy: VerifyPolicy = identityPolicyFromFlags(flags, true);
      bundlePolicy = policy;
      if (ignoreTlog) policy.tlogThreshold = 0;
      if (bool(flags, "insecure-ignore-sct")) policy.ctlogThreshold = 0;
      const certFile = str(flags, "certificate");
      if (certFile) {
        const { readFile } = await import("node:fs/promises");
        const { certificatesFromPemOrDer } = await import("../../core/verify/certificate.ts");
        let der: Uint8Array[];
        try {
          der = certificatesFromPemOrDer(new Uint8Array(await readFile(certFile)));
        } catch (e) {
          throw new CosignError(
            "IO",
            `Cannot read certificate "${certFile}": ${(e as Error).message}`,
          );
        }
        if (!der.length) {
          throw new CosignError(
            "INVALID_INPUT",
            `Cannot read certificate "${certFile}": no certificate in it`,
          );
        }
        policy.certificate = der[0];
      }
      const trust = await trustedRoot();
      const { verifyKeylessSignature } = await import(
        "../../plugins/artifact-oci/keyless_signature.ts"
      );
      verifyCertificate = async (sig) => {
        await verifyKeylessSignature(sig, policy, trust, ctx);
      };
    }
    if (verifier) bundlePolicy = { publicKey: (await verifier.publicKey()).spki };
    if (ignoreTlog) bundlePolicy.tlogThreshold = 0;
    if (bool(flags, "insecure-ignore-sct")) bundlePolicy.ctlogThreshold = 0;
    if (ignoreTlog) {
      ctx.log.warn(
        "Skipping tlog verification is an insecure practice that lacks transparency and auditability verification for the signature.",
      );
    }
    const verifyTlog = async (sig: StoredSignature): Promise<void> => {
      const keyDer = sig.certificate ? pemDer(sig.certificate) : (await verifier!.publicKey()).spki;
      // The log plugin that recognizes the entry verifies it (Rekor, or a --plugin log).
      await verifyRekorBundle(
        sig.bundle,
        {
          kind: "message",
          signature: signatureBytes(sig),
          digest: await sha256Of(sig.payload),
          keyDer,
        },
        await trustedRoot(),
        ctx,
      );
    };
    for (const ref of refs) {
      const digest = await client.resolveDigest(ref);
      const sigRef = signatureReference(ref, digest, "sig", (n) => ctx.env(n));
      const [sigs, bundles] = await Promise.all([
        readSignatures(client, sigRef),
        readSignatureBundles(client, ref, digest, (m) => ctx.log.debug(m)),
      ]);
      const name = referenceString(ref);
      const imageName = ref.digest ? name : `${name} (${referenceString(withDigest(ref, digest))})`;
      // Legacy .sig signatures (cosign v1/v2) and v3 bundles (OCI 1.1 referrers) both count.
      let verified: StoredSignature[] = [];
      let legacyFailure: CosignError | undefined;
      if (sigs.length > 0 || bundles.length === 0) {
        try {
          ({ verified } = await verifySignatures(sigs, {
            verifier,
            digest,
            annotations,
            checkClaims,
            ignoreTlog,
            verifyTlog,
            verifyCertificate,
            imageName,
          }));
        } catch (e) {
          if (!isCosignError(e, "NO_MATCH") || bundles.length === 0) throw e;
          legacyFailure = e;
        }
      }
      const verifiedBundles: string[] = [];
      const bundleReasons: string[] = [];
      if (bundles.length) {
        const { verifyBundle } = await import("../../core/verify/verify_bundle.ts");
        const sha256 = Uint8Array.from(digest.slice(7).match(/../g)!, (h) => parseInt(h, 16));
        for (const b of bundles) {
          try {
            if (annotations) {
              throw new CosignError("VERIFY", "-a annotations cannot be checked on a v3 bundle");
            }
            const r = await verifyBundle(
              b.bundle,
              { sha256 },
              bundlePolicy,
              await trustedRoot(),
              ctx,
            );
            const pt = predicateTypeOf(r.dssePayload?.payload);
            if (pt !== SIGN_PREDICATE_TYPE) {
              throw new CosignError("VERIFY", `predicate type ${pt} is not ${SIGN_PREDICATE_TYPE}`);
            }
            verifiedBundles.push(b.manifestDigest);
          } catch (e) {
            if (!isCosignError(e) || !["VERIFY", "USAGE"].includes(e.code)) throw e;
            bundleReasons.push(`  bundle ${b.manifestDigest}: ${e.message}`);
          }
        }
      }
      if (verified.length === 0 && verifiedBundles.length === 0) {
        throw new CosignError(
          "NO_MATCH",
          [
            legacyFailure?.message ?? `no matching signatures for image ${imageName}:`,
            ...bundleReasons,
          ].join("\n"),
          { hint: legacyFailure?.hint ?? "Check the key or identity flags and the trusted root." },
        );
      }
      const lines = [
        "",
        `Verification for ${name} --`,
        "The following checks were performed on each of these signatures:",
      ];
      if (checkClaims) {
        if (annotations) lines.push("  - The specified annotations were verified.");
        lines.push("  - The cosign claims were validated");
      }
      if (!ignoreTlog) {
        lines.push("  - Existence of the claims in the transparency log was verified offline");
      }
      if (keyRef) {
        lines.push("  - The signatures were verified against the specified public key");
      } else {
        lines.push(
          "  - The code-signing certificate was verified using trusted certificate authority certificates",
        );
      }
      ctx.log.info(lines.join("\n"));
      if (output === "text") {
        for (const s of verified) await io.out(new TextDecoder().decode(s.payload) + "\n");
        for (const d of verifiedBundles) await io.out(`bundle ${d}\n`);
      } else {
        // As cosign: the payloads plus certificate/bundle details, after an empty line.
        const items = await Promise.all(verified.map(verificationOutput));
        for (const _ of verifiedBundles) {
          items.push(encodeSimpleSigning({
            dockerReference: name,
            digest,
            type: SIGN_PREDICATE_TYPE,
            optional: {},
          }));
        }
        await io.out(`\n[${items.join(",")}]\n`);
      }
    }
    return 0;
  },
};
