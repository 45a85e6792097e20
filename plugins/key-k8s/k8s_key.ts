/**
 * The "k8s" key provider: cosign's key pairs kept in Kubernetes secrets, `k8s://NAMESPACE/SECRET`.
 *
 * - `signer`: the secret's `cosign.key` (cosign's encrypted format) opened with its
 *   `cosign.password`, as cosign does (no prompt).
 * - `verifier` (verify, public-key): the secret's `cosign.pub`.
 * - `generate` (`generate-key-pair k8s://ns/name`): a new ECDSA P-256 key pair encrypted with a
 *   password from COSIGN_PASSWORD or the terminal, written as the data keys `cosign.key`,
 *   `cosign.pub` and `cosign.password` (other data keys of an existing secret are kept), created
 *   or replaced, and immutable on Kubernetes ≥ 1.21, as cosign's `KeyPairSecret`. A secret that
 *   already holds a `cosign.key` is replaced only with --yes or a confirmation; an immutable one
 *   is refused before anything is sent.
 *
 * @example
 * ```sh
 * cosign-ts generate-key-pair k8s://release/cosign
 * cosign-ts sign-blob --key k8s://release/cosign file.txt
 * cosign-ts public-key --key k8s://release/cosign
 * ```
 * @module
 */
import { base64Encode } from "../../core/encoding.ts";
import { CosignError } from "../../core/errors.ts";
import type {
  Context,
  GenerateOptions,
  KeyProvider,
  PublicKeyMaterial,
  Signer,
  SignerOptions,
  Verifier,
} from "../../core/plugin.ts";
import { loadPrivateKey, newKeyPairText } from "../key-file/mod.ts";
import { clusterConnection } from "./kubeconfig.ts";
import { k8sApi, type SecretObject } from "./k8s_api.ts";
import { parseSecretRef, type SecretRef } from "./secret_ref.ts";
import { K8S_KEY_DESCRIPTION } from "./plugin.ts";

const keys = () => import("../../core/keys/mod.ts");

/** The data keys cosign writes into the secret. */
export const SECRET_KEYS = {
  privateKey: "cosign.key",
  publicKey: "cosign.pub",
  password: "cosign.password",
} as const;

const b64 = (text: string): string => base64Encode(new TextEncoder().encode(text));

function unb64(value: string, what: string, ref: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(atob(value), (c) => c.charCodeAt(0)),
    );
  } catch {
    throw new CosignError("KEY", `Cannot read key "${ref}": ${what} is not base64 text`, {
      hint: "Recreate the secret with cosign-ts generate-key-pair " + ref + ".",
    });
  }
}

/** Reads one data key of the secret `ref` names. Throws CosignError("KEY"/"AUTH"/...). */
async function readSecretValue(
  ref: string,
  ctx: Context,
  dataKeys: string[],
): Promise<string[]> {
  const where = parseSecretRef(ref);
  const api = k8sApi(await clusterConnection(ctx), ctx);
  const secret = await api.getSecret(where);
  if (!secret) {
    throw new CosignError(
      "KEY",
      `Cannot read key "${ref}": secret "${where.name}" does not exist in namespace "${where.namespace}"`,
      {
        hint:
          `Create it with cosign-ts generate-key-pair ${ref}, or check the context (${api.connection.source}).`,
      },
    );
  }
  return dataKeys.map((k) => {
    const v = secret.data?.[k];
    if (v === undefined) {
      throw new CosignError(
        "KEY",
        `Cannot read key "${ref}": secret "${where.namespace}/${where.name}" has no "${k}"`,
        { hint: `cosign keeps ${Object.values(SECRET_KEYS).join(", ")} in the secret.` },
      );
    }
    return unb64(v, `"${k}"`, ref);
  });
}

function secretFor(where: SecretRef, data: Record<string, string>, immutable: boolean) {
  const s: SecretObject = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: where.name, namespace: where.namespace },
    data,
  };
  if (immutable) s.immutable = true;
  return s;
}

/** The "k8s" key provider. */
export const k8sKeyProvider: KeyProvider = {
  scheme: "k8s",
  description: K8S_KEY_DESCRIPTION,
  async signer(ref: string, ctx: Context, options?: SignerOptions): Promise<Signer> {
    const [pem, password] = await readSecretValue(ref, ctx, [
      SECRET_KEYS.privateKey,
      SECRET_KEYS.password,
    ]);
    const key = await loadPrivateKey(pem, ref, {
      ...ctx,
      password: () => Promise.resolve(password),
    });
    return (await keys()).signerFromPrivateKey(key, options);
  },
  async verifier(ref: string, ctx: Context, options?: SignerOptions): Promise<Verifier> {
    const [pem] = await readSecretValue(ref, ctx, [SECRET_KEYS.publicKey]);
    return (await keys()).verifierFromPem(pem, { ...options, name: ref });
  },
  async generate(
    ref: string,
    ctx: Context,
    options?: GenerateOptions,
  ): Promise<PublicKeyMaterial> {
    const where = parseSecretRef(ref);
    const api = k8sApi(await clusterConnection(ctx), ctx);
    const [major, minor] = await api.serverVersion();
    const immutable = major > 1 || (major === 1 && minor >= 21);
    const existing = await api.getSecret(where);
    const shown = `secret "${where.name}" in namespace "${where.namespace}"`;
    if (existing?.immutable) {
      throw new CosignError("KEY", `Cannot write a key pair to ${shown}: the secret is immutable`, {
        hint:
          `Delete it first (kubectl delete secret -n ${where.namespace} ${where.name}), or choose another name.`,
      });
    }
    if (existing?.data?.[SECRET_KEYS.privateKey] !== undefined && !options?.force) {
      if (!(await ctx.confirm(`The ${shown} already holds a cosign.key. Overwrite?`))) {
        throw new CosignError("ABORTED", `Not overwriting the key pair in ${shown}`, {
          hint: "Pass --yes to overwrite, or choose another secret.",
        });
      }
    }
    const pair = await newKeyPairText(ctx);
    const data = {
      ...(existing?.data ?? {}),
      [SECRET_KEYS.privateKey]: b64(pair.privatePem),
      [SECRET_KEYS.publicKey]: b64(pair.publicKey.pem),
      [SECRET_KEYS.password]: b64(pair.password),
    };
    const secret = secretFor(where, data, immutable);
    if (existing) {
      secret.metadata.resourceVersion = existing.metadata.resourceVersion;
      if (existing.type) secret.type = existing.type;
      await api.replaceSecret(where, secret);
    } else {
      await api.createSecret(where, secret);
    }
    ctx.log.info(`Successfully created secret ${where.name} in namespace ${where.namespace}`);
    return pair.publicKey;
  },
};
