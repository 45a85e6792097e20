/**
 * The Cloud KMS REST API (v1) calls cosign makes, over core/keys/kms_request.ts: get key ring,
 * create key ring, get crypto key, create crypto key, list and get crypto key versions, get
 * public key, asymmetricSign (a digest, with CRC32C integrity checks both ways).
 *
 * The endpoint is `https://cloudkms.googleapis.com/`, or the base URL in
 * `CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDKMS` (gcloud's `api_endpoint_overrides/cloudkms`
 * property as an environment variable; `v1/…` is appended). Google's JSON errors
 * (`{"error":{"code","message","status"}}`) become CosignErrors that say what to do.
 *
 * @example
 * ```ts
 * const client = new GcpKmsClient(ctx);
 * const key = await client.get("projects/p/locations/global/keyRings/r/cryptoKeys/k", "read key");
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import { httpUrl } from "../../core/http_url.ts";
import type { Context } from "../../core/plugin.ts";
import { kmsErrorMessage, type KmsFailure, kmsRequest } from "../../core/keys/kms_request.ts";
import { gcpAccessToken } from "./gcp_credentials.ts";

/** Cloud KMS's public endpoint. */
export const GCP_KMS_ENDPOINT = "https://cloudkms.googleapis.com/";

/** The service name in messages. */
export const GCP_KMS = "Google Cloud KMS";

/** The Cloud KMS base URL: `CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDKMS` or the public endpoint. */
export function gcpKmsEndpoint(ctx: Context): string {
  const override = ctx.env("CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDKMS");
  if (!override) return GCP_KMS_ENDPOINT;
  const u = httpUrl(
    override,
    `CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDKMS "${override}"`,
    "Set it to the Cloud KMS base URL, e.g. https://cloudkms.googleapis.com/.",
  );
  return u.href.endsWith("/") ? u.href : `${u.href}/`;
}

/** A CryptoKeyVersion as the API returns it (the fields used). */
export interface GcpKeyVersion {
  /** Full resource name. */
  name: string;
  /** ENABLED, DISABLED, PENDING_GENERATION, DESTROYED, … */
  state?: string;
  /** e.g. EC_SIGN_P256_SHA256. */
  algorithm?: string;
}

/** An authenticated Cloud KMS client for one run. */
export class GcpKmsClient {
  readonly #ctx: Context;
  readonly #base: string;

  /** A client for the endpoint the environment names. Throws for a bad override. */
  constructor(ctx: Context) {
    this.#ctx = ctx;
    this.#base = gcpKmsEndpoint(ctx);
  }

  /**
   * GETs a resource (`projects/…`). Returns undefined for 404 when `missingOk`. Throws the
   * CosignErrors of {@link GcpKmsClient.call}.
   */
  async get(name: string, action: string, missingOk = false): Promise<unknown> {
    return await this.call("GET", name, action, undefined, missingOk);
  }

  /**
   * Sends one request to `v1/<path>` with a bearer token. Throws CosignError("AUTH") for
   * refused credentials or missing permissions, CosignError("KEY") for resources that do not
   * exist or cannot be used (undefined instead for 404 with `missingOk`), CosignError("NETWORK")
   * for an unreachable service or a bad answer.
   */
  async call(
    method: "GET" | "POST",
    path: string,
    action: string,
    body?: unknown,
    missingOk = false,
  ): Promise<unknown> {
    const { accessToken, principal } = await gcpAccessToken(this.#ctx);
    const url = `${this.#base}v1/${path}`;
    return await kmsRequest(GCP_KMS, url, {
      method,
      body: method === "POST" ? body ?? {} : undefined,
      headers: { authorization: `Bearer ${accessToken}` },
      action,
      signal: this.#ctx.signal,
      failure: (f) => failure(f, action, principal),
      absentOn: missingOk ? [404] : undefined,
    });
  }
}

/** Words a Google API error answer. */
function failure(
  f: KmsFailure,
  action: string,
  principal: string,
): CosignError {
  const err = (f.json as { error?: { status?: unknown } } | undefined)?.error;
  const status = typeof err?.status === "string" ? err.status : "";
  const said = `${GCP_KMS} answered HTTP ${f.status}${status ? ` ${status}` : ""}: ${
    kmsErrorMessage(f.json, f.text)
  }`;
  if (f.status === 404 || status === "NOT_FOUND") {
    return new CosignError("KEY", `Cannot ${action}: ${said}`, {
      hint:
        "Check the project, location, key ring and key in the reference (gcloud kms keys list --location LOCATION --keyring KEY_RING), or create the key with cosign-ts generate-key-pair --kms gcpkms://….",
    });
  }
  if (f.status === 401 || status === "UNAUTHENTICATED") {
    return new CosignError(
      "AUTH",
      `Cannot ${action}: ${GCP_KMS} refused the access token of ${principal}: ${said}`,
      {
        hint:
          "Check GOOGLE_APPLICATION_CREDENTIALS (a current service-account key file) or the metadata server's account.",
      },
    );
  }
  if (f.status === 403 || status === "PERMISSION_DENIED") {
    return new CosignError(
      "AUTH",
      `Cannot ${action}: ${GCP_KMS} denied it to ${principal}: ${said}`,
      {
        hint:
          "Grant that account roles/cloudkms.viewer and roles/cloudkms.signerVerifier on the key (roles/cloudkms.admin on the key ring to create keys), e.g. gcloud kms keys add-iam-policy-binding KEY --keyring KEY_RING --location LOCATION --member serviceAccount:EMAIL --role roles/cloudkms.signerVerifier.",
      },
    );
  }
  if (status === "FAILED_PRECONDITION" || status === "INVALID_ARGUMENT") {
    return new CosignError("KEY", `Cannot ${action}: ${said}`, {
      hint: "Check that the key version is enabled and is an asymmetric signing key.",
    });
  }
  return new CosignError("NETWORK", `Cannot ${action}: ${said}`, {
    hint: f.status >= 500 ? `${GCP_KMS} failed; try again later.` : "Check the key reference.",
  });
}
