/**
 * The "gcpkms" key provider: cosign's `gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K
 * [/cryptoKeyVersions/V]` keys in Google Cloud KMS.
 *
 * - signer: the pinned version, else the newest ENABLED version of the key (as cosign: list with
 *   `filter=state=ENABLED`); its public key from `getPublicKey`; signatures from
 *   `asymmetricSign` over a digest (SHA-256/384/512 as the key's algorithm says), so blobs are
 *   hashed locally as streams and only the digest is sent. The digest's CRC32C goes with the
 *   request and the signature's CRC32C is checked (Google's data-integrity guidance), and each
 *   signature is verified with the public key before it is used: a corrupted or foreign answer
 *   never reaches a registry or a file.
 * - verifier: local verification with the version's public key and hash, as cosign does.
 * - generate: creates the key ring if needed, then the key (purpose ASYMMETRIC_SIGN, algorithm
 *   EC_SIGN_P256_SHA256, cosign's default) and waits for its first version to be enabled; a key
 *   that already exists is used as it is (cosign's behaviour), with a notice.
 *
 * @example
 * ```ts
 * const signer = await gcpKmsProvider.signer("gcpkms://projects/p/locations/global/keyRings/r/cryptoKeys/k", ctx);
 * const sig = await signer.signDigest!(sha256(data));
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type {
  Context,
  KeyProvider,
  PublicKeyMaterial,
  Signer,
  Verifier,
} from "../../core/plugin.ts";
import { base64Decode, base64Encode } from "../../core/encoding.ts";
import { parsePublicKeyPem, publicKeyMaterial } from "../../core/keys/public_key.ts";
import { remoteSigner, remoteVerifier } from "../../core/keys/remote_signer.ts";
import { crc32c } from "./crc32c.ts";
import { GCP_KMS_KEY_DESCRIPTION } from "./plugin.ts";
import { GCP_KMS, type GcpKeyVersion, GcpKmsClient } from "./gcp_kms_client.ts";
import {
  GCP_DEFAULT_ALGORITHM,
  type GcpAlgorithm,
  gcpAlgorithm,
  type GcpKeyReference,
  parseGcpKmsReference,
} from "./gcp_reference.ts";

/** A resolved key version: its name, how it signs, its public key. */
interface ResolvedVersion {
  name: string;
  algorithm: GcpAlgorithm;
  publicKey: PublicKeyMaterial;
}

function badAnswer(action: string, what: string): CosignError {
  return new CosignError("NETWORK", `Cannot ${action}: ${GCP_KMS} answered ${what}`, {
    hint: `Check that the endpoint is ${GCP_KMS} (CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDKMS).`,
  });
}

/** The highest-numbered ENABLED version of a key (following pages). */
async function newestEnabledVersion(
  client: GcpKmsClient,
  ref: GcpKeyReference,
): Promise<GcpKeyVersion> {
  const action = `list the versions of Google Cloud KMS key "${ref.keyName}"`;
  const found: GcpKeyVersion[] = [];
  let page = "";
  for (let i = 0; i < 100; i++) {
    const q = `filter=${encodeURIComponent("state=ENABLED")}&orderBy=${
      encodeURIComponent("name desc")
    }${page ? `&pageToken=${encodeURIComponent(page)}` : ""}`;
    const json = await client.call("GET", `${ref.keyName}/cryptoKeyVersions?${q}`, action) as {
      cryptoKeyVersions?: unknown;
      nextPageToken?: unknown;
    };
    const list = json?.cryptoKeyVersions ?? [];
    if (!Array.isArray(list)) throw badAnswer(action, "a version list that is not a list");
    for (const v of list as GcpKeyVersion[]) {
      if (typeof v?.name === "string" && v.state === "ENABLED") found.push(v);
    }
    page = typeof json?.nextPageToken === "string" ? json.nextPageToken : "";
    if (!page) break;
  }
  const num = (v: GcpKeyVersion) => Number(v.name.slice(v.name.lastIndexOf("/") + 1)) || 0;
  found.sort((a, b) => num(b) - num(a));
  if (!found[0]) {
    throw new CosignError(
      "KEY",
      `Cannot use Google Cloud KMS key "${ref.keyName}": it has no enabled version`,
      { hint: "Enable a version (gcloud kms keys versions enable) or name one in the reference." },
    );
  }
  return found[0];
}

/** Looks the key and its version up, and fetches the version's public key. */
async function resolveVersion(
  client: GcpKmsClient,
  ref: GcpKeyReference,
): Promise<ResolvedVersion> {
  const readKey = `read Google Cloud KMS key "${ref.keyName}"`;
  const key = await client.get(ref.keyName, readKey) as { purpose?: unknown } | undefined;
  if (key?.purpose !== "ASYMMETRIC_SIGN") {
    throw new CosignError(
      "KEY",
      `Cannot sign with Google Cloud KMS key "${ref.keyName}": its purpose is ${
        JSON.stringify(key?.purpose ?? null)
      }, not ASYMMETRIC_SIGN`,
      { hint: "Use a key created with --purpose asymmetric-signing." },
    );
  }
  let version: GcpKeyVersion;
  if (ref.version) {
    const name = `${ref.keyName}/cryptoKeyVersions/${ref.version}`;
    version = await client.get(
      name,
      `read Google Cloud KMS key version "${name}"`,
    ) as GcpKeyVersion;
    if (version?.state !== "ENABLED") {
      throw new CosignError(
        "KEY",
        `Cannot sign with Google Cloud KMS key version "${name}": its state is ${
          JSON.stringify(version?.state ?? null)
        }, not ENABLED`,
        { hint: "Enable the version (gcloud kms keys versions enable) or name another one." },
      );
    }
  } else {
    version = await newestEnabledVersion(client, ref);
  }
  const algorithm = gcpAlgorithm(String(version.algorithm), version.name);
  const action = `get the public key of Google Cloud KMS key version "${version.name}"`;
  const pub = await client.get(`${version.name}/publicKey`, action) as {
    pem?: unknown;
    pemCrc32c?: unknown;
  };
  if (typeof pub?.pem !== "string") throw badAnswer(action, "no PEM public key");
  const pemBytes = new TextEncoder().encode(pub.pem);
  if (pub.pemCrc32c !== undefined && Number(pub.pemCrc32c) !== crc32c(pemBytes)) {
    throw badAnswer(action, "a public key whose CRC32C does not match (corrupted in transit)");
  }
  let parsed;
  try {
    parsed = parsePublicKeyPem(pub.pem, `the public key of "${version.name}"`);
  } catch {
    throw badAnswer(action, "a public key that does not parse");
  }
  const wanted = version.algorithm!.startsWith("EC_SIGN_P256")
    ? "P-256"
    : version.algorithm!.startsWith("EC_SIGN_P384")
    ? "P-384"
    : "rsa";
  const got = parsed.type === "ec" ? parsed.curve : parsed.type;
  if (got !== wanted) {
    throw badAnswer(action, `a ${got} public key for a ${version.algorithm} key`);
  }
  return { name: version.name, algorithm, publicKey: publicKeyMaterial(parsed) };
}

/**
 * A signer over a resolved version: asymmetricSign with CRC32C checks; each signature is
 * verified locally with the version's public key (remoteSigner's checkSignatures).
 */
function versionSigner(client: GcpKmsClient, v: ResolvedVersion, ref: string): Signer {
  const { hash, rsaPss } = v.algorithm;
  const action = `sign with Google Cloud KMS key version "${v.name}"`;
  return remoteSigner({
    publicKey: v.publicKey,
    hash,
    rsaPss,
    checkSignatures: { service: GCP_KMS, keyRef: ref },
    async signDigest(digest) {
      const json = await client.call("POST", `${v.name}:asymmetricSign`, action, {
        digest: { [hash]: base64Encode(digest) },
        digestCrc32c: String(crc32c(digest)),
      }) as { signature?: unknown; signatureCrc32c?: unknown; verifiedDigestCrc32c?: unknown };
      if (json?.verifiedDigestCrc32c !== true) {
        throw badAnswer(
          action,
          "without confirming the digest's CRC32C (request corrupted in transit?)",
        );
      }
      if (typeof json.signature !== "string") throw badAnswer(action, "no signature");
      let sig: Uint8Array;
      try {
        sig = base64Decode(json.signature);
      } catch {
        throw badAnswer(action, "a signature that is not base64");
      }
      if (Number(json.signatureCrc32c) !== crc32c(sig)) {
        throw badAnswer(action, "a signature whose CRC32C does not match (corrupted in transit)");
      }
      return sig;
    },
  });
}

/** Creates the key ring when it does not exist. */
async function ensureKeyRing(client: GcpKmsClient, ref: GcpKeyReference, ctx: Context) {
  const ring = await client.get(
    ref.keyRingName,
    `read Google Cloud KMS key ring "${ref.keyRingName}"`,
    true,
  );
  if (ring) return;
  await client.call(
    "POST",
    `${ref.locationName}/keyRings?keyRingId=${encodeURIComponent(ref.keyRing)}`,
    `create Google Cloud KMS key ring "${ref.keyRingName}"`,
    {},
  );
  ctx.log.info(`Created key ring ${ref.keyRingName} in Google Cloud KMS.`);
}

/** Waits until a new key's first version is generated (asymmetric keys are made asynchronously). */
async function waitEnabled(client: GcpKmsClient, ref: GcpKeyReference, ctx: Context) {
  const name = `${ref.keyName}/cryptoKeyVersions/1`;
  const started = Date.now();
  for (let delay = 100;; delay = Math.min(delay * 2, 2000)) {
    const v = await client.get(
      name,
      `read Google Cloud KMS key version "${name}"`,
    ) as GcpKeyVersion;
    if (v?.state === "ENABLED") return;
    if (v?.state !== "PENDING_GENERATION" || Date.now() - started > 120_000) {
      throw new CosignError(
        "KEY",
        `Cannot use the new Google Cloud KMS key "${ref.keyName}": its first version is ${
          JSON.stringify(v?.state ?? null)
        }`,
        { hint: "Check the key in the Cloud console (gcloud kms keys versions list)." },
      );
    }
    await new Promise<void>((resolve, reject) => {
      const late = () =>
        new CosignError(
          "NETWORK",
          `Cannot create Google Cloud KMS key "${ref.keyName}": timed out waiting for its first version to be generated`,
          {
            hint:
              "Allow more time with -t/--timeout, then run the command again (the key is reused).",
          },
        );
      if (ctx.signal?.aborted) return reject(late());
      const onAbort = () => {
        clearTimeout(t);
        reject(late());
      };
      const t = setTimeout(() => {
        ctx.signal?.removeEventListener("abort", onAbort);
        resolve();
      }, delay);
      ctx.signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}

/** The "gcpkms" key provider. */
export const gcpKmsProvider: KeyProvider = {
  scheme: "gcpkms",
  description: GCP_KMS_KEY_DESCRIPTION,
  async signer(refText: string, ctx: Context): Promise<Signer> {
    const ref = parseGcpKmsReference(refText);
    const client = new GcpKmsClient(ctx);
    return versionSigner(client, await resolveVersion(client, ref), refText);
  },
  async verifier(refText: string, ctx: Context): Promise<Verifier> {
    const ref = parseGcpKmsReference(refText);
    const v = await resolveVersion(new GcpKmsClient(ctx), ref);
    return remoteVerifier(v.publicKey, { hash: v.algorithm.hash, rsaPss: v.algorithm.rsaPss });
  },
  async generate(refText: string, ctx: Context): Promise<PublicKeyMaterial> {
    const ref = parseGcpKmsReference(refText);
    const client = new GcpKmsClient(ctx);
    await ensureKeyRing(client, ref, ctx);
    const existing = await client.get(
      ref.keyName,
      `read Google Cloud KMS key "${ref.keyName}"`,
      true,
    );
    if (existing) {
      ctx.log.info(`Key ${ref.keyName} already exists in Google Cloud KMS; using it.`);
    } else {
      await client.call(
        "POST",
        `${ref.keyRingName}/cryptoKeys?cryptoKeyId=${encodeURIComponent(ref.key)}`,
        `create Google Cloud KMS key "${ref.keyName}"`,
        { purpose: "ASYMMETRIC_SIGN", versionTemplate: { algorithm: GCP_DEFAULT_ALGORITHM } },
      );
      await waitEnabled(client, ref, ctx);
      ctx.log.info(`Created key ${ref.keyName} (${GCP_DEFAULT_ALGORITHM}) in Google Cloud KMS.`);
    }
    return (await resolveVersion(client, ref)).publicKey;
  },
};
