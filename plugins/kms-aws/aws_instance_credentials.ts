/**
 * The last links of the AWS credential chain, after the environment and the shared files, as the
 * SDKs have them:
 *
 * - container credentials (ECS, EKS Pod Identity): `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`
 *   (under `http://169.254.170.2`) or `AWS_CONTAINER_CREDENTIALS_FULL_URI` (HTTPS, or HTTP to a
 *   loopback or the ECS/EKS link-local hosts only), with `AWS_CONTAINER_AUTHORIZATION_TOKEN` or
 *   `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` as the `Authorization` header;
 * - the EC2 instance metadata service, IMDSv2 (`PUT /latest/api/token`, then
 *   `GET /latest/meta-data/iam/security-credentials/[ROLE]` with the token), at
 *   `AWS_EC2_METADATA_SERVICE_ENDPOINT` (default `http://169.254.169.254`), unless
 *   `AWS_EC2_METADATA_DISABLED=true`.
 *
 * Each request has a short deadline (1 s for IMDS, as the SDKs; 5 s for containers) within the
 * command's `-t/--timeout`. Off EC2 the metadata service does not answer: the chain ends with
 * "no credentials" rather than an error.
 *
 * @example
 * ```ts
 * const creds = await containerCredentials(env, ctx.signal) ?? await imdsCredentials(env, ctx.signal);
 * ```
 * @module
 */
import { readFile } from "node:fs/promises";
import { CosignError, describeError } from "../../core/errors.ts";
import { startDeadline } from "../../core/deadline.ts";
import { httpUrl, isLoopbackHost } from "../../core/http_url.ts";
import type { AwsCredentials } from "./sigv4.ts";

/** Reads an environment variable (trimmed, empty as unset). */
export type EnvReader = (name: string) => string | undefined;

const ECS_HOST = "http://169.254.170.2";
/** Besides loopback ({@link isLoopbackHost}), where a FULL_URI may use plain HTTP (ECS, EKS). */
const ECS_EKS_HOSTS = new Set([
  "169.254.170.2",
  "169.254.170.23",
  "[fd00:ec2::23]",
]);

async function request(
  url: string,
  init: RequestInit,
  ms: number,
  signal?: AbortSignal,
): Promise<Response | undefined> {
  const d = startDeadline(ms, signal);
  try {
    const res = await fetch(url, { ...init, signal: d.signal });
    await res.clone().arrayBuffer(); // the whole body within the deadline
    return res;
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    void e;
    return undefined;
  } finally {
    d.dispose();
  }
}

/** Credentials from the JSON the container and instance endpoints answer. */
function fromJson(json: unknown, source: string): AwsCredentials | undefined {
  const o = json as Record<string, unknown> | undefined;
  if (
    !o || typeof o.AccessKeyId !== "string" || typeof o.SecretAccessKey !== "string" ||
    (o.Code !== undefined && o.Code !== "Success")
  ) return undefined;
  return {
    accessKeyId: o.AccessKeyId,
    secretAccessKey: o.SecretAccessKey,
    sessionToken: typeof o.Token === "string" && o.Token ? o.Token : undefined,
    source,
  };
}

/**
 * Container credentials when `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` or `…_FULL_URI` is set,
 * else undefined. Throws CosignError("AUTH") when the endpoint is set but gives no credentials,
 * CosignError("INVALID_INPUT") for a FULL_URI the SDKs refuse (plain HTTP to another host).
 */
export async function containerCredentials(
  env: EnvReader,
  signal?: AbortSignal,
): Promise<AwsCredentials | undefined> {
  const relative = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  const full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  if (!relative && !full) return undefined;
  const url = relative ? `${ECS_HOST}${relative.startsWith("/") ? "" : "/"}${relative}` : full!;
  const name = relative
    ? "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
    : "AWS_CONTAINER_CREDENTIALS_FULL_URI";
  const u = httpUrl(
    url,
    `${name} "${relative ?? url}"`,
    "Point it at the container credentials endpoint, as the AWS SDKs require.",
  );
  if (
    !relative && u.protocol !== "https:" &&
    !(u.protocol === "http:" && (isLoopbackHost(u.hostname) || ECS_EKS_HOSTS.has(u.hostname)))
  ) {
    throw new CosignError(
      "INVALID_INPUT",
      `AWS_CONTAINER_CREDENTIALS_FULL_URI "${url}" must be HTTPS, or HTTP to a loopback or the ECS/EKS host`,
      { hint: "Point it at the container credentials endpoint, as the AWS SDKs require." },
    );
  }
  const tokenFile = env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
  const token = tokenFile
    ? await readFile(tokenFile, "utf8").then((t) => t.trim(), (e) => {
      throw new CosignError(
        "AUTH",
        `Cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE "${tokenFile}": ${describeError(e)}`,
      );
    })
    : env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  const res = await request(
    url,
    { headers: { accept: "application/json", ...(token ? { authorization: token } : {}) } },
    5000,
    signal,
  );
  const creds = res?.ok
    ? fromJson(
      await res.json().catch(() => undefined),
      `the container credentials endpoint ${u.origin}`,
    )
    : undefined;
  if (!creds) {
    throw new CosignError(
      "AUTH",
      `Cannot get AWS credentials from the container credentials endpoint ${u.origin}${u.pathname}: ${
        res ? `HTTP ${res.status}` : "no answer"
      }`,
      {
        hint:
          "Check AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/FULL_URI and the authorization token, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.",
      },
    );
  }
  return creds;
}

/**
 * Credentials of the instance's IAM role from IMDSv2, or undefined when the metadata service is
 * disabled, does not answer (not on EC2) or has no role.
 */
export async function imdsCredentials(
  env: EnvReader,
  signal?: AbortSignal,
): Promise<AwsCredentials | undefined> {
  if (env("AWS_EC2_METADATA_DISABLED")?.toLowerCase() === "true") return undefined;
  const base = (env("AWS_EC2_METADATA_SERVICE_ENDPOINT") ?? "http://169.254.169.254").replace(
    /\/+$/,
    "",
  );
  const tokenRes = await request(
    `${base}/latest/api/token`,
    {
      method: "PUT",
      headers: { "x-aws-ec2-metadata-token-ttl-seconds": "21600" },
    },
    1000,
    signal,
  );
  if (!tokenRes?.ok) return undefined;
  const headers = { "x-aws-ec2-metadata-token": (await tokenRes.text()).trim() };
  const path = `${base}/latest/meta-data/iam/security-credentials/`;
  const roleRes = await request(path, { headers }, 1000, signal);
  const role = roleRes?.ok ? (await roleRes.text()).split("\n")[0].trim() : "";
  if (!role) return undefined;
  const credRes = await request(`${path}${encodeURIComponent(role)}`, { headers }, 1000, signal);
  if (!credRes?.ok) return undefined;
  return fromJson(
    await credRes.json().catch(() => undefined),
    `the EC2 instance role "${role}" (instance metadata)`,
  );
}
