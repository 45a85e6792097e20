/**
 * The few Kubernetes API calls cosign makes for `k8s://` keys: the server version (to know
 * whether secrets can be immutable, Kubernetes ≥ 1.21) and get, create and replace of a secret
 * in a namespace (core/v1 `Secret`, data values base64). TLS with the cluster's own CA, bearer
 * token, basic or client-certificate authentication as the {@link ClusterConnection} says.
 * Kubernetes `Status` answers become CosignErrors quoting the API's message: 401/403 AUTH; 404,
 * 409 and 422 KEY (exit 1, as cosign; a missing secret is `undefined` from
 * {@link K8sApi.getSecret}).
 *
 * @example
 * ```ts
 * const api = k8sApi(await clusterConnection(ctx), ctx);
 * const secret = await api.getSecret({ namespace: "default", name: "cosign" });
 * ```
 * @module
 */
import { CosignError, isCosignError } from "../../core/errors.ts";
import type { Context } from "../../core/plugin.ts";
import { type KmsFailure, kmsRequest } from "../../core/keys/kms_request.ts";
import { createFetch } from "../../runtime/http.ts";
import type { ClusterConnection } from "./kubeconfig.ts";
import type { SecretRef } from "./secret_ref.ts";

/** A core/v1 Secret as the API sends and takes it (the fields cosign uses). */
export interface SecretObject {
  /** "v1". */
  apiVersion?: string;
  /** "Secret". */
  kind?: string;
  /** Name, namespace and the version the server gave it. */
  metadata: { name: string; namespace?: string; resourceVersion?: string; uid?: string };
  /** Values in base64. */
  data?: Record<string, string>;
  /** Kubernetes ≥ 1.21: the data can no longer change. */
  immutable?: boolean;
  /** Secret type, "Opaque" by default. */
  type?: string;
}

/** The calls {@link k8sApi} offers. */
export interface K8sApi {
  /** The connection in use (for messages). */
  readonly connection: ClusterConnection;
  /** `major.minor` of the API server, e.g. [1, 30]. */
  serverVersion(): Promise<[number, number]>;
  /** The secret, or undefined when it does not exist. */
  getSecret(ref: SecretRef): Promise<SecretObject | undefined>;
  /** Creates the secret (201). */
  createSecret(ref: SecretRef, secret: SecretObject): Promise<SecretObject>;
  /** Replaces the secret (PUT; with `metadata.resourceVersion`, only if nobody changed it). */
  replaceSecret(ref: SecretRef, secret: SecretObject): Promise<SecretObject>;
}

const SERVICE = "Kubernetes API";

function statusMessage(f: KmsFailure): string {
  const o = f.json as { message?: unknown; reason?: unknown } | undefined;
  const m = typeof o?.message === "string" && o.message ? o.message : f.text.trim();
  return m.slice(0, 400) || `HTTP ${f.status}`;
}

/** Words a Kubernetes Status answer for `action` (e.g. `read secret "ns/name"`). */
function statusError(f: KmsFailure, action: string, conn: ClusterConnection): CosignError {
  const message = statusMessage(f);
  switch (f.status) {
    case 401:
      return new CosignError(
        "AUTH",
        `Cannot ${action}: the ${SERVICE} at ${conn.server} refused the credentials of ${conn.source}: ${message}`,
        {
          hint:
            "Check the token or client certificate of the current context (kubectl auth whoami).",
        },
      );
    case 403:
      return new CosignError("AUTH", `Cannot ${action}: ${message}`, {
        hint: "Ask for permission to get, create and update secrets in that namespace (RBAC).",
      });
    case 404:
      return new CosignError("KEY", `Cannot ${action}: ${message}`, {
        hint:
          "Check the namespace and secret name, and the current context (kubectl config current-context).",
      });
    case 409:
      return new CosignError("KEY", `Cannot ${action}: ${message}`, {
        hint: "Someone changed the secret at the same time; run the command again.",
      });
    default:
      return new CosignError(
        f.status === 422 || f.status === 400 ? "KEY" : "NETWORK",
        `Cannot ${action}: the ${SERVICE} at ${conn.server} answered HTTP ${f.status}: ${message}`,
        {
          hint: f.status >= 500
            ? "The API server failed; try again later."
            : "The API server rejected the request; check the secret's name and contents.",
        },
      );
  }
}

/** A client for one cluster. Nothing is sent until a method is called. */
export function k8sApi(conn: ClusterConnection, ctx: Context): K8sApi {
  const headers: Record<string, string> = { accept: "application/json" };
  if (conn.token) headers.authorization = `Bearer ${conn.token}`;
  else if (conn.basic) {
    headers.authorization = `Basic ${btoa(`${conn.basic.username}:${conn.basic.password}`)}`;
  }
  let fetcher: typeof fetch | undefined;
  const fetchFn = () =>
    fetcher ??= createFetch({
      caCerts: conn.caPem ? [conn.caPem] : [],
      insecureSkipVerify: conn.insecureSkipVerify,
      clientCert: conn.clientCert,
    });
  const call = async (
    method: "GET" | "POST" | "PUT",
    path: string,
    action: string,
    body?: unknown,
  ): Promise<unknown> =>
    await kmsRequest(SERVICE, `${conn.server}${path}`, {
      method,
      headers,
      body,
      action,
      signal: ctx.signal,
      fetch: fetchFn(),
      failure: (f) => statusError(f, action, conn),
    });
  const secretPath = (r: SecretRef) =>
    `/api/v1/namespaces/${encodeURIComponent(r.namespace)}/secrets/${encodeURIComponent(r.name)}`;
  const shown = (r: SecretRef) => `secret "${r.namespace}/${r.name}"`;
  return {
    connection: conn,
    async serverVersion() {
      const v = await call("GET", "/version", `read the version of the ${SERVICE}`) as {
        major?: unknown;
        minor?: unknown;
      };
      // Minor versions may carry a "+" (e.g. "30+" on managed clusters).
      return [
        parseInt(String(v?.major ?? "0"), 10) || 0,
        parseInt(String(v?.minor ?? "0"), 10) || 0,
      ];
    },
    async getSecret(r) {
      try {
        return await call("GET", secretPath(r), `read ${shown(r)}`) as SecretObject;
      } catch (e) {
        if (isCosignError(e, "KEY") && /\bsecrets? ".*" not found/.test(e.message)) {
          return undefined;
        }
        throw e;
      }
    },
    async createSecret(r, secret) {
      const path = `/api/v1/namespaces/${encodeURIComponent(r.namespace)}/secrets`;
      return await call("POST", path, `create ${shown(r)}`, secret) as SecretObject;
    },
    async replaceSecret(r, secret) {
      return await call("PUT", secretPath(r), `update ${shown(r)}`, secret) as SecretObject;
    },
  };
}
