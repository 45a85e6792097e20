/**
 * The "azurekms" key provider: cosign's `azurekms://VAULT.vault.azure.net/KEY[/VERSION]` keys in
 * Azure Key Vault.
 *
 * - signer: the key's JWK (from get key) becomes the public key; the algorithm follows it as in
 *   sigstore (P-256 → ES256, P-384 → ES384, P-521 → ES512; RSA 2048/3072/4096 → RS256/384/512);
 *   `sign` gets the digest only (blobs stream locally), on the exact key version that was read,
 *   and its raw r‖s answer becomes cosign's DER. Each signature is verified with the public key
 *   before it is used, so a wrong or corrupted answer never reaches a registry or a file.
 * - verifier: local verification with the public key.
 * - generate: creates an EC P-256 key with key_ops sign/verify and the tag `use=sigstore`, as
 *   cosign does; a key that already exists is used as it is (cosign's behaviour), with a notice.
 *
 * @example
 * ```ts
 * const signer = await azureKmsProvider.signer("azurekms://release.vault.azure.net/cosign", ctx);
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type {
  Context,
  HashAlgorithm,
  KeyProvider,
  PublicKeyMaterial,
  Signer,
  Verifier,
} from "../../core/plugin.ts";
import { base64urlDecode, base64urlEncode } from "../../core/encoding.ts";
import { bytesToBigint } from "../../core/keys/der.ts";
import {
  checkEcPoint,
  checkRsaPublic,
  curveByteLength,
  type EcCurve,
  type PublicKey,
  publicKeyMaterial,
} from "../../core/keys/public_key.ts";
import { ecdsaRawToDer, remoteSigner, remoteVerifier } from "../../core/keys/remote_signer.ts";
import { AZURE_KV, type AzureKeyBundle, AzureKeyVaultClient } from "./azure_kv_client.ts";
import { parseAzureKmsReference } from "./azure_reference.ts";
import { AZURE_KMS_KEY_DESCRIPTION } from "./plugin.ts";

/** A Key Vault key as used for signing. */
interface AzureKey {
  version: string;
  key: PublicKey;
  publicKey: PublicKeyMaterial;
  alg: string;
  hash: HashAlgorithm;
}

const EC_ALGS: Record<string, { alg: string; hash: HashAlgorithm }> = {
  "P-256": { alg: "ES256", hash: "sha256" },
  "P-384": { alg: "ES384", hash: "sha384" },
  "P-521": { alg: "ES512", hash: "sha512" },
};
const RSA_ALGS: Record<number, { alg: string; hash: HashAlgorithm }> = {
  256: { alg: "RS256", hash: "sha256" },
  384: { alg: "RS384", hash: "sha384" },
  512: { alg: "RS512", hash: "sha512" },
};

function badAnswer(ref: string, what: string): CosignError {
  return new CosignError(
    "NETWORK",
    `Cannot use Azure Key Vault key "${ref}": ${AZURE_KV} answered ${what}`,
    {
      hint:
        "Check that the vault address points at Azure Key Vault (COSIGN_TS_AZURE_VAULT_ENDPOINT).",
    },
  );
}

const b64 = (v: unknown): Uint8Array => {
  if (typeof v !== "string" || v === "") throw new Error("missing");
  return base64urlDecode(v);
};

/** The public key, version and signing algorithm of a KeyBundle. */
function keyFromBundle(ref: string, bundle: AzureKeyBundle | undefined): AzureKey {
  const jwk = bundle?.key;
  if (!jwk || typeof jwk.kid !== "string") throw badAnswer(ref, "a key without a JWK or kid");
  const version = jwk.kid.replace(/\/+$/, "").split("/").pop() ?? "";
  const kty = String(jwk.kty ?? "").replace(/-HSM$/, "");
  let key: PublicKey;
  let algo: { alg: string; hash: HashAlgorithm } | undefined;
  try {
    if (kty === "EC") {
      const curve = String(jwk.crv) as EcCurve;
      algo = EC_ALGS[curve];
      if (!algo) {
        throw new CosignError(
          "UNSUPPORTED",
          `Cannot sign with Azure Key Vault key "${ref}": curve ${
            JSON.stringify(jwk.crv)
          } is not supported`,
          {
            hint: "Use an EC key on P-256, P-384 or P-521, or an RSA key.",
          },
        );
      }
      const n = curveByteLength(curve);
      const pad = (b: Uint8Array) => {
        if (b.length > n) throw new Error("coordinate too long");
        const r = new Uint8Array(n);
        r.set(b, n - b.length);
        return r;
      };
      const point = new Uint8Array(1 + 2 * n);
      point[0] = 4;
      point.set(pad(b64(jwk.x)), 1);
      point.set(pad(b64(jwk.y)), 1 + n);
      key = {
        type: "ec",
        curve,
        point: checkEcPoint(curve, point, `Azure Key Vault key "${ref}"`),
      };
    } else if (kty === "RSA") {
      const nBytes = b64(jwk.n);
      key = { type: "rsa", n: bytesToBigint(nBytes), e: bytesToBigint(b64(jwk.e)) };
      checkRsaPublic(key, `Azure Key Vault key "${ref}"`);
      algo = RSA_ALGS[Math.ceil(key.n.toString(16).length / 2)];
      if (!algo) {
        throw new CosignError(
          "UNSUPPORTED",
          `Cannot sign with Azure Key Vault key "${ref}": RSA keys of this size are not supported`,
          {
            hint: "Use an RSA key of 2048, 3072 or 4096 bits, or an EC key.",
          },
        );
      }
    } else {
      throw new CosignError(
        "UNSUPPORTED",
        `Cannot sign with Azure Key Vault key "${ref}": key type ${
          JSON.stringify(jwk.kty)
        } cannot sign`,
        {
          hint: "Use an EC or RSA key.",
        },
      );
    }
  } catch (e) {
    if (e instanceof CosignError && e.code === "UNSUPPORTED") throw e;
    throw badAnswer(ref, "a JSON Web Key that does not parse");
  }
  return { version, key, publicKey: publicKeyMaterial(key), ...algo };
}

async function loadKey(client: AzureKeyVaultClient, ref: string): Promise<AzureKey> {
  return keyFromBundle(ref, await client.getKey());
}

/**
 * A signer over a key version: Key Vault's sign with the key's algorithm, raw r‖s to DER; each
 * signature is verified locally with the public key (remoteSigner's checkSignatures).
 */
function keySigner(client: AzureKeyVaultClient, ref: string, k: AzureKey): Signer {
  return remoteSigner({
    publicKey: k.publicKey,
    hash: k.hash,
    checkSignatures: { service: AZURE_KV, keyRef: ref },
    async signDigest(digest) {
      const json = await client.sign(k.version, k.alg, base64urlEncode(digest)) as {
        value?: unknown;
      };
      let raw: Uint8Array;
      try {
        raw = b64(json?.value);
      } catch {
        throw badAnswer(ref, "a sign result without a base64url value");
      }
      let sig = raw;
      if (k.key.type === "ec") {
        if (raw.length !== 2 * curveByteLength(k.key.curve)) {
          throw badAnswer(ref, `a signature of ${raw.length} bytes for a ${k.key.curve} key`);
        }
        sig = ecdsaRawToDer(raw, k.key.curve);
      }
      return sig;
    },
  });
}

/** The "azurekms" key provider. */
export const azureKmsProvider: KeyProvider = {
  scheme: "azurekms",
  description: AZURE_KMS_KEY_DESCRIPTION,
  async signer(refText: string, ctx: Context): Promise<Signer> {
    const ref = parseAzureKmsReference(refText);
    const client = new AzureKeyVaultClient(ctx, ref);
    return keySigner(client, refText, await loadKey(client, refText));
  },
  async verifier(refText: string, ctx: Context): Promise<Verifier> {
    const ref = parseAzureKmsReference(refText);
    const k = await loadKey(new AzureKeyVaultClient(ctx, ref), refText);
    return remoteVerifier(k.publicKey, { hash: k.hash });
  },
  async generate(refText: string, ctx: Context): Promise<PublicKeyMaterial> {
    const ref = parseAzureKmsReference(refText);
    const client = new AzureKeyVaultClient(ctx, ref);
    const existing = await client.getKey(true);
    if (existing) {
      ctx.log.info(`Key ${ref.key} already exists in ${ref.vaultHost}; using it.`);
      return keyFromBundle(refText, existing).publicKey;
    }
    const created = await client.createKey({
      kty: "EC",
      crv: "P-256",
      key_ops: ["sign", "verify"],
      attributes: { enabled: true },
      tags: { use: "sigstore" },
    });
    ctx.log.info(`Created key ${ref.key} (EC P-256) in ${ref.vaultHost}.`);
    return keyFromBundle(refText, created).publicKey;
  },
};
