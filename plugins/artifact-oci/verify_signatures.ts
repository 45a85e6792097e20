/**
 * Verifying the signatures stored for an image, as `cosign verify --key` does for each one:
 * the signature must verify over the payload with the key, the transparency-log evidence must
 * hold (or be explicitly skipped), and the claims must hold: the payload names the image's
 * digest and carries every required annotation.
 *
 * No signatures at all is CosignError("NO_SIGNATURES") (exit 10); signatures of which none
 * passes is CosignError("NO_MATCH") (exit 12) listing why each one failed.
 *
 * @example
 * ```ts
 * const ok = await verifySignatures(sigs, { verifier, digest: "sha256:…", ignoreTlog: true });
 * for (const s of ok) console.log(new TextDecoder().decode(s.payload));
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { Verifier } from "../../core/plugin.ts";
import { spkiKind, verifySpki } from "../../core/verify/public_key.ts";
import { checkClaims, parseSimpleSigningPayload } from "./simple_signing.ts";
import { signatureBytes, type StoredSignature } from "./stored_signature.ts";

/** Options for {@link verifySignatures}. */
export interface VerifySignaturesOptions {
  /** The public key (or key reference's verifier); absent for keyless verification. */
  verifier?: Verifier;
  /**
   * Keyless verification of a certificate-bearing signature (certificate chain, identity, log
   * entry and signature in one); replaces the key and tlog checks. Throws when it fails.
   */
  verifyCertificate?: (sig: StoredSignature) => Promise<void>;
  /** The digest of the image being verified: payloads must name it. */
  digest: string;
  /** Annotations every accepted payload must carry (`-a k=v`). */
  annotations?: Record<string, string>;
  /** cosign's `--check-claims` (default true). */
  checkClaims?: boolean;
  /** `--insecure-ignore-tlog`: accept signatures without transparency-log evidence. */
  ignoreTlog?: boolean;
  /**
   * Checks a signature's transparency-log evidence (its Rekor bundle); throws when it does not
   * hold. Needed unless `ignoreTlog` is set; without it, such signatures are rejected.
   */
  verifyTlog?: (sig: StoredSignature) => Promise<void>;
  /** What to call the image in messages. */
  imageName?: string;
}

/** Why one signature was rejected. */
export interface Rejection {
  /** The layer digest of the signature. */
  layer: string;
  /** The reason. */
  reason: string;
}

/** The outcome of {@link verifySignatures}. */
export interface VerifySignaturesResult {
  /** Signatures that passed, in manifest order. */
  verified: StoredSignature[];
  /** Signatures that failed, with reasons. */
  rejected: Rejection[];
  /** True when every verified signature's tlog evidence was checked (not skipped). */
  tlogVerified: boolean;
}

/** Public keys whose signatures WebCrypto checks natively (same answer on Deno and Bun). */
const nativeKeys = new WeakMap<Verifier, Promise<Uint8Array | undefined>>();

/**
 * Checks one signature. ECDSA P-256 (SHA-256, cosign's default) and Ed25519 keys go through
 * WebCrypto, which is native and asynchronous, so fifty signatures cost little more than one;
 * other keys (RSA, P-384/P-521 with their hash choices) through the key provider's verifier.
 */
async function checkSignature(
  verifier: Verifier,
  payload: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  let spki = nativeKeys.get(verifier);
  if (!spki) {
    spki = verifier.publicKey().then((k) => {
      try {
        const kind = spkiKind(k.spki);
        return kind === "ec-p256" || kind === "ed25519" ? k.spki : undefined;
      } catch {
        return undefined;
      }
    }, () => undefined);
    nativeKeys.set(verifier, spki);
  }
  const key = await spki;
  if (key) return await verifySpki(key, payload, signature, "sha256");
  return await verifier.verify(payload, signature);
}

async function checkOne(
  sig: StoredSignature,
  o: VerifySignaturesOptions,
): Promise<string | undefined> {
  let raw: Uint8Array;
  try {
    raw = signatureBytes(sig);
  } catch (e) {
    return (e as Error).message;
  }
  if (o.verifyCertificate) {
    try {
      await o.verifyCertificate(sig);
    } catch (e) {
      return (e as Error).message;
    }
  } else {
    if (!o.verifier) return "no key to verify with";
    let ok = false;
    try {
      ok = await checkSignature(o.verifier, sig.payload, raw);
    } catch {
      ok = false;
    }
    if (!ok) return "invalid signature when validating ASN.1 encoded signature";
  }
  if (!o.ignoreTlog && !o.verifyCertificate) {
    if (!sig.bundle) {
      return "signature has no transparency log bundle (pass --insecure-ignore-tlog=true for signatures made with --tlog-upload=false)";
    }
    if (!o.verifyTlog) {
      return "cannot check its transparency log bundle: no transparency log plugin is loaded";
    }
    try {
      await o.verifyTlog(sig);
    } catch (e) {
      return `transparency log bundle: ${(e as Error).message}`;
    }
  }
  if (o.checkClaims !== false) {
    let payload;
    try {
      payload = parseSimpleSigningPayload(sig.payload);
    } catch (e) {
      return (e as Error).message;
    }
    const why = checkClaims(payload, o.digest, o.annotations ?? {});
    if (why) return why;
  }
  return undefined;
}

/**
 * Verifies every stored signature (concurrently) and returns those that pass. Throws
 * CosignError("NO_SIGNATURES") for an empty list and CosignError("NO_MATCH") when none passes.
 *
 * @example
 * ```ts
 * const { verified } = await verifySignatures(sigs, { verifier, digest, ignoreTlog: true });
 * ```
 */
export async function verifySignatures(
  sigs: StoredSignature[],
  o: VerifySignaturesOptions,
): Promise<VerifySignaturesResult> {
  const name = o.imageName ?? o.digest;
  if (sigs.length === 0) {
    throw new CosignError("NO_SIGNATURES", `no signatures found for image ${name}`, {
      hint: "Sign it with `cosign-ts sign --key KEY IMAGE`, or check COSIGN_REPOSITORY.",
    });
  }
  const reasons = await Promise.all(sigs.map((s) => checkOne(s, o)));
  const verified: StoredSignature[] = [];
  const rejected: Rejection[] = [];
  reasons.forEach((r, i) => {
    if (r === undefined) verified.push(sigs[i]);
    else rejected.push({ layer: sigs[i].descriptor.digest, reason: r });
  });
  if (verified.length === 0) {
    throw new CosignError(
      "NO_MATCH",
      `no matching signatures for image ${name}:\n${
        rejected.map((r) => `  ${r.layer}: ${r.reason}`).join("\n")
      }`,
      {
        hint: o.verifyCertificate
          ? "Check the identity flags (--certificate-identity, --certificate-oidc-issuer), the trusted root and the annotations (-a)."
          : "Check the key (--key), the required annotations (-a) and the image digest.",
      },
    );
  }
  return { verified, rejected, tlogVerified: !o.ignoreTlog };
}
