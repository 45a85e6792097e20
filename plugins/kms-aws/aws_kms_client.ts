/**
 * A client for the AWS KMS JSON API (`POST /`, `Content-Type: application/x-amz-json-1.1`,
 * `X-Amz-Target: TrentService.<Operation>`, SigV4-signed by sigv4.ts) with the operations cosign
 * uses: GetPublicKey and DescribeKey (the key and its signing algorithms; cosign signs with the
 * first of `SigningAlgorithms`), Sign with `MessageType: DIGEST` (only the digest leaves the
 * machine), Verify, CreateKey and CreateAlias (`generate-key-pair --kms awskms:///alias/NAME`).
 *
 * AWS's error answers (`{"__type": "…Exception", "message": "…"}`) become CosignErrors naming
 * the operation, the key and what to do: AUTH for credential and signature problems (wrong
 * secret, expired signature or token, unknown access key, access denied), KEY for unknown,
 * disabled or unusable keys. Secrets and signatures of requests never appear in messages.
 *
 * @example
 * ```ts
 * const kms = await awsKmsFor("awskms:///alias/release", ctx);
 * const key = await kms.key();                         // public key + signing algorithm
 * const der = await kms.sign(digest, key.algorithm);
 * ```
 * @module
 */
import { base64 } from "@scure/base";
import type { Context, HashAlgorithm, PublicKeyMaterial } from "../../core/plugin.ts";
import { CosignError, describeError } from "../../core/errors.ts";
import { kmsErrorMessage, type KmsFailure, kmsRequest } from "../../core/keys/kms_request.ts";
import { parseSpki, publicKeyMaterial } from "../../core/keys/public_key.ts";
import { type AwsConfig, awsConfig } from "./aws_config.ts";
import { type AwsKeyReference, parseAwsReference } from "./aws_reference.ts";
import { signV4 } from "./sigv4.ts";

/** The key spec `generate-key-pair --kms awskms://…` creates, as cosign. */
export const AWS_DEFAULT_KEY_SPEC = "ECC_NIST_P256";

/** A KMS key as cosign uses it. */
export interface AwsKmsKey {
  /** The key's ARN. */
  arn: string;
  /** The public key. */
  publicKey: PublicKeyMaterial;
  /** The signing algorithm cosign uses: the first of the key's `SigningAlgorithms`. */
  algorithm: string;
  /** Its hash. */
  hash: HashAlgorithm;
  /** RSA: PSS (else PKCS#1 v1.5). */
  rsaPss: boolean;
}

/** The hash and padding of a KMS signing algorithm, e.g. `ECDSA_SHA_384`, `RSASSA_PSS_SHA_256`. */
export function signingAlgorithm(
  name: string,
): { hash: HashAlgorithm; rsaPss: boolean } | undefined {
  const m = /^(ECDSA|RSASSA_PSS|RSASSA_PKCS1_V1_5)_SHA_(256|384|512)$/.exec(name);
  return m ? { hash: `sha${m[2]}` as HashAlgorithm, rsaPss: m[1] === "RSASSA_PSS" } : undefined;
}

const AUTH_ERRORS = new Set([
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "IncompleteSignatureException",
  "MissingAuthenticationTokenException",
  "ExpiredTokenException",
  "AccessDeniedException",
  "InvalidClientTokenId",
  "SignatureDoesNotMatch",
]);
const KEY_ERRORS = new Set([
  "NotFoundException",
  "DisabledException",
  "KMSInvalidStateException",
  "InvalidKeyUsageException",
  "KeyUnavailableException",
]);

/** A KMS client for one key reference. */
export class AwsKms {
  readonly #cfg: AwsConfig;
  readonly #key: AwsKeyReference;
  readonly #ref: string;
  readonly #ctx: Context;

  /** A client for `key` (parsed from `ref`) with resolved configuration. */
  constructor(cfg: AwsConfig, key: AwsKeyReference, ref: string, ctx: Context) {
    this.#cfg = cfg;
    this.#key = key;
    this.#ref = ref;
    this.#ctx = ctx;
  }

  /** The alias name of an alias reference, if it is one. */
  get alias(): string | undefined {
    return this.#key.alias;
  }

  /**
   * Calls one operation. With `missingOk`, a NotFoundException answers undefined instead of
   * throwing.
   */
  async #call(
    operation: string,
    body: Record<string, unknown>,
    missingOk = false,
  ): Promise<Record<string, unknown> | undefined> {
    const url = `${this.#cfg.endpoint}/`;
    const text = JSON.stringify(body);
    const headers = signV4({
      method: "POST",
      url,
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": `TrentService.${operation}`,
      },
      body: text,
      region: this.#cfg.region,
      service: "kms",
      credentials: this.#cfg.credentials,
      now: new Date(),
    });
    let missing = false;
    const json = await kmsRequest("AWS KMS", url, {
      method: "POST",
      headers,
      body: text,
      contentType: "application/x-amz-json-1.1",
      action: `${operation} for "${this.#ref}"`,
      signal: this.#ctx.signal,
      failure: (f) => {
        if (missingOk && errorType(f) === "NotFoundException") {
          missing = true;
          return new CosignError("KEY", "not found");
        }
        return this.#failure(f, operation, url);
      },
    }).catch((e) => {
      if (missing) return undefined;
      throw e;
    });
    if (missing) return undefined;
    if (json !== undefined && (typeof json !== "object" || json === null)) {
      this.#garbage(operation, url, "a JSON object");
    }
    return (json ?? {}) as Record<string, unknown>;
  }

  #failure(f: KmsFailure, operation: string, url: string): CosignError | undefined {
    const type = errorType(f);
    const said = kmsErrorMessage(f.json, f.text);
    const what =
      `Cannot ${operation} for "${this.#ref}": AWS KMS at ${url} answered HTTP ${f.status}${
        type ? ` ${type}` : ""
      }${said ? `: ${said}` : ""}`;
    const creds = this.#cfg.credentials;
    if (AUTH_ERRORS.has(type) || f.status === 401 || f.status === 403) {
      const hint = type === "InvalidSignatureException" && /expired/i.test(said)
        ? "The request's date is too far from AWS's clock: check the system clock (it must be within 5 minutes)."
        : type === "InvalidSignatureException" && /scoped/i.test(said)
        ? `The request was signed for region ${this.#cfg.region}: set AWS_REGION (or the profile's region) to the key's region.`
        : type === "InvalidSignatureException" || type === "SignatureDoesNotMatch"
        ? `Check the secret access key of ${creds.accessKeyId} (from ${creds.source}).`
        : type === "ExpiredTokenException"
        ? `The session token (from ${creds.source}) has expired: get new temporary credentials.`
        : type === "AccessDeniedException"
        ? `The identity of ${creds.accessKeyId} may not call kms:${operation} on this key: check its IAM and key policies.`
        : `Check the AWS credentials (access key ${creds.accessKeyId} from ${creds.source}) and AWS_REGION (${this.#cfg.region}).`;
      return new CosignError("AUTH", what, { hint });
    }
    if (KEY_ERRORS.has(type)) {
      return new CosignError("KEY", what, {
        hint: type === "NotFoundException"
          ? `AWS KMS in ${this.#cfg.region} has no such key: check the reference and AWS_REGION${
            this.#key.alias
              ? `, or create it with \`cosign-ts generate-key-pair --kms ${this.#ref}\``
              : ""
          }.`
          : "The key cannot sign or verify now: check its state and key usage (SIGN_VERIFY) in AWS KMS.",
      });
    }
    return undefined;
  }

  #garbage(operation: string, url: string, what: string): never {
    throw new CosignError(
      "NETWORK",
      `Cannot ${operation} for "${this.#ref}": AWS KMS at ${url} answered without ${what}`,
      { hint: "Check that the endpoint (AWS_ENDPOINT_URL_KMS / AWS_ENDPOINT_URL) is AWS KMS." },
    );
  }

  /**
   * The key (public key, ARN, signing algorithm), from GetPublicKey and DescribeKey as cosign
   * does; undefined with `missingOk` when the key does not exist.
   */
  async key(missingOk = false): Promise<AwsKmsKey | undefined> {
    const url = `${this.#cfg.endpoint}/`;
    const [pub, desc] = await Promise.all([
      this.#call("GetPublicKey", { KeyId: this.#key.keyId }, missingOk),
      this.#call("DescribeKey", { KeyId: this.#key.keyId }, missingOk),
    ]);
    if (!pub || !desc) return undefined;
    const meta = desc.KeyMetadata as Record<string, unknown> | undefined;
    const algorithms = meta?.SigningAlgorithms;
    if (!meta || !Array.isArray(algorithms) || typeof pub.PublicKey !== "string") {
      this.#garbage("DescribeKey", url, "the key's metadata, signing algorithms and public key");
    }
    if (meta.KeyUsage !== "SIGN_VERIFY") {
      throw new CosignError(
        "KEY",
        `Cannot use key "${this.#ref}": its key usage is ${meta.KeyUsage}, not SIGN_VERIFY`,
        { hint: "Use an asymmetric signing key (KeyUsage SIGN_VERIFY)." },
      );
    }
    const algorithm = String(algorithms[0]);
    const alg = signingAlgorithm(algorithm);
    if (!alg) {
      throw new CosignError(
        "UNSUPPORTED",
        `Cannot use key "${this.#ref}": its signing algorithm ${algorithm} is not supported`,
        { hint: "Use an ECC_NIST_P256/P384/P521 or RSA_2048/3072/4096 key." },
      );
    }
    let publicKey: PublicKeyMaterial;
    try {
      publicKey = publicKeyMaterial(parseSpki(base64.decode(pub.PublicKey), "AWS KMS public key"));
    } catch (e) {
      this.#garbage("GetPublicKey", url, `a valid public key (${describeError(e)})`);
    }
    return { arn: String(meta.Arn ?? pub.KeyId ?? ""), publicKey, algorithm, ...alg };
  }

  /** Signs a digest (`MessageType: DIGEST`) with `algorithm`; returns the signature bytes. */
  async sign(digest: Uint8Array, algorithm: string): Promise<Uint8Array> {
    const out = await this.#call("Sign", {
      KeyId: this.#key.keyId,
      Message: base64.encode(digest),
      MessageType: "DIGEST",
      SigningAlgorithm: algorithm,
    });
    try {
      if (typeof out?.Signature !== "string") throw new Error("no signature");
      return base64.decode(out.Signature);
    } catch {
      this.#garbage("Sign", `${this.#cfg.endpoint}/`, "a signature");
    }
  }

  /**
   * Creates a SIGN_VERIFY key (`ECC_NIST_P256` by default, as cosign) with the description
   * "Created by Sigstore" and points the reference's alias at it.
   */
  async createKeyWithAlias(spec: string = AWS_DEFAULT_KEY_SPEC): Promise<void> {
    const created = await this.#call("CreateKey", {
      CustomerMasterKeySpec: spec,
      Description: "Created by Sigstore",
      KeyUsage: "SIGN_VERIFY",
    });
    const keyId = (created?.KeyMetadata as Record<string, unknown> | undefined)?.KeyId;
    if (typeof keyId !== "string") {
      this.#garbage("CreateKey", `${this.#cfg.endpoint}/`, "the new key's id");
    }
    await this.#call("CreateAlias", { AliasName: this.#key.alias, TargetKeyId: keyId });
  }
}

/** The exception name of an AWS error answer (`com.amazonaws.kms#NotFoundException` → short). */
function errorType(f: KmsFailure): string {
  const j = f.json as Record<string, unknown> | undefined;
  const t = j && typeof j === "object" ? j.__type ?? j.code ?? j.Code : undefined;
  return typeof t === "string" ? t.replace(/^.*#/, "") : "";
}

/** A KMS client for an `awskms://` reference, configured from the environment and files. */
export async function awsKmsFor(ref: string, ctx: Context): Promise<AwsKms> {
  const key = parseAwsReference(ref);
  return new AwsKms(await awsConfig(key, ref, ctx), key, ref, ctx);
}
