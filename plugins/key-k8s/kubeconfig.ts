/**
 * How to reach the Kubernetes API, found as client-go (and so cosign) finds it: the kubeconfig
 * files in `KUBECONFIG` (a list, merged: the first file that names a cluster, user or context
 * wins, the first `current-context` wins; missing files are skipped), else `~/.kube/config`;
 * the current context's cluster (`server`, `certificate-authority-data` or
 * `certificate-authority`, `insecure-skip-tls-verify`) and user (`token`, `tokenFile`, client
 * certificate and key as data or files, `username`/`password`; `exec` credential plugins run as
 * client-go runs them). Relative paths are relative to the file that names them. With no
 * kubeconfig at all, the in-cluster service account (`KUBERNETES_SERVICE_HOST`/`_PORT`, the token
 * and CA under /var/run/secrets/kubernetes.io/serviceaccount).
 *
 * @example
 * ```ts
 * const conn = await clusterConnection(ctx);
 * // { server: "https://10.0.0.1:6443", caPem: "-----BEGIN CERTIFICATE-----…", token: "…", source: "…" }
 * ```
 * @module
 */
import { readFile } from "node:fs/promises";
import { delimiter, dirname, isAbsolute, join, resolve } from "node:path";
import { homedir } from "node:os";
import { parse as parseYaml } from "yaml";
import { CosignError, describeError } from "../../core/errors.ts";
import type { Context } from "../../core/plugin.ts";
import { execCredential } from "./exec_credential.ts";

/** Where the in-cluster service account's token and CA are mounted. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** Everything needed to call one cluster's API. */
export interface ClusterConnection {
  /** The API server, e.g. `https://127.0.0.1:6443` (no trailing slash). */
  server: string;
  /** PEM CA certificate(s) the server's certificate must chain to. */
  caPem?: string;
  /** Skip server certificate checks (kubeconfig `insecure-skip-tls-verify`). */
  insecureSkipVerify?: boolean;
  /** Bearer token. */
  token?: string;
  /** HTTP Basic credentials. */
  basic?: { username: string; password: string };
  /** Client certificate and key (PEM). */
  clientCert?: { cert: string; key: string };
  /** Where this came from, for messages: `kubeconfig /home/u/.kube/config, context "kind"`. */
  source: string;
}

/** Options for {@link clusterConnection} (tests point the service-account directory elsewhere). */
export interface ClusterConnectionOptions {
  /** Default {@link SERVICE_ACCOUNT_DIR}. */
  serviceAccountDir?: string;
}

type Dict = Record<string, unknown>;
interface Named {
  value: Dict;
  file: string;
}
interface Merged {
  files: string[];
  clusters: Map<string, Named>;
  users: Map<string, Named>;
  contexts: Map<string, Named>;
  currentContext?: string;
}

const isDict = (v: unknown): v is Dict => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

function invalid(file: string, why: string): CosignError {
  return new CosignError("INVALID_INPUT", `Cannot read kubeconfig "${file}": ${why}`, {
    hint: "Check the file with `kubectl config view`, or point KUBECONFIG at another file.",
  });
}

/** The kubeconfig files to read: KUBECONFIG's list, else ~/.kube/config. */
function kubeconfigPaths(ctx: Context): string[] {
  const list = ctx.env("KUBECONFIG");
  if (list && list.trim() !== "") return list.split(delimiter).filter((p) => p !== "");
  const home = ctx.env("HOME") || homedir();
  return [join(home, ".kube", "config")];
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return undefined;
    throw new CosignError("IO", `Cannot read kubeconfig "${path}": ${describeError(e)}`, {
      hint: "Check the file's permissions, or point KUBECONFIG at another file.",
      cause: e,
    });
  }
}

function mergeList(into: Map<string, Named>, list: unknown, field: string, file: string): void {
  if (list === undefined || list === null) return;
  if (!Array.isArray(list)) throw invalid(file, `"${field}s" is not a list`);
  for (const item of list) {
    if (!isDict(item) || !str(item.name)) throw invalid(file, `a ${field} entry has no name`);
    const value = item[field] ?? {};
    if (!isDict(value)) throw invalid(file, `${field} "${item.name}" is not a mapping`);
    if (!into.has(item.name as string)) into.set(item.name as string, { value, file });
  }
}

async function loadMerged(ctx: Context): Promise<Merged> {
  const merged: Merged = {
    files: [],
    clusters: new Map(),
    users: new Map(),
    contexts: new Map(),
  };
  for (const path of kubeconfigPaths(ctx)) {
    const text = await readOptional(path);
    if (text === undefined) continue;
    let doc: unknown;
    try {
      doc = parseYaml(text);
    } catch (e) {
      throw invalid(path, `it is not YAML (${describeError(e).split("\n")[0]})`);
    }
    if (doc === null || doc === undefined) continue;
    if (!isDict(doc)) throw invalid(path, "it is not a kubeconfig mapping");
    merged.files.push(path);
    mergeList(merged.clusters, doc.clusters, "cluster", path);
    mergeList(merged.users, doc.users, "user", path);
    mergeList(merged.contexts, doc.contexts, "context", path);
    merged.currentContext ??= str(doc["current-context"]);
  }
  return merged;
}

function isEmpty(m: Merged): boolean {
  return !m.currentContext && m.clusters.size === 0 && m.users.size === 0 &&
    m.contexts.size === 0;
}

/** Reads a file a kubeconfig entry names (relative to that kubeconfig). Throws CosignError("IO"). */
async function entryFile(entry: Named, path: string, key: string, what: string): Promise<string> {
  const full = isAbsolute(path) ? path : resolve(dirname(entry.file), path);
  try {
    return await readFile(full, "utf8");
  } catch (e) {
    throw new CosignError("IO", `Cannot read the ${what} "${full}": ${describeError(e)}`, {
      hint: `Check the ${key} path in kubeconfig "${entry.file}".`,
      cause: e,
    });
  }
}

/** Reads `KEY-data` (base64) or `KEY` (a path relative to the kubeconfig) as text. */
async function dataOrFile(entry: Named, key: string, what: string): Promise<string | undefined> {
  const data = str(entry.value[`${key}-data`]);
  if (data) {
    try {
      return new TextDecoder().decode(
        Uint8Array.from(atob(data.replace(/\s+/g, "")), (c) => c.charCodeAt(0)),
      );
    } catch {
      throw invalid(entry.file, `${key}-data is not base64`);
    }
  }
  const path = str(entry.value[key]);
  return path ? await entryFile(entry, path, key, what) : undefined;
}

async function fromKubeconfig(m: Merged, ctx: Context): Promise<ClusterConnection> {
  const files = m.files.join(", ");
  if (!m.currentContext) {
    throw new CosignError(
      "AUTH",
      `Cannot reach Kubernetes: kubeconfig ${files} has no current-context`,
      {
        hint: "Choose one with `kubectl config use-context NAME`.",
      },
    );
  }
  const context = m.contexts.get(m.currentContext);
  if (!context) {
    throw new CosignError(
      "AUTH",
      `Cannot reach Kubernetes: context "${m.currentContext}" is not in kubeconfig ${files}`,
      { hint: "Choose an existing context with `kubectl config use-context NAME`." },
    );
  }
  const clusterName = str(context.value.cluster);
  const cluster = clusterName ? m.clusters.get(clusterName) : undefined;
  if (!cluster || !str(cluster.value.server)) {
    throw new CosignError(
      "AUTH",
      `Cannot reach Kubernetes: context "${m.currentContext}" names no cluster with a server in kubeconfig ${files}`,
      { hint: "Check the context's cluster and that cluster's server in the kubeconfig." },
    );
  }
  const source = `kubeconfig ${files}, context "${m.currentContext}"`;
  const conn: ClusterConnection = {
    server: (cluster.value.server as string).replace(/\/+$/, ""),
    source,
  };
  conn.caPem = await dataOrFile(cluster, "certificate-authority", "cluster CA certificate");
  if (cluster.value["insecure-skip-tls-verify"] === true) conn.insecureSkipVerify = true;
  const userName = str(context.value.user);
  const user = userName ? m.users.get(userName) : undefined;
  if (userName && !user) {
    throw new CosignError(
      "AUTH",
      `Cannot reach Kubernetes: user "${userName}" of context "${m.currentContext}" is not in kubeconfig ${files}`,
      { hint: "Check the context's user in the kubeconfig." },
    );
  }
  if (!user) return conn;
  if (user.value["auth-provider"] !== undefined) {
    throw new CosignError(
      "UNSUPPORTED",
      `Cannot use user "${userName}" in ${source}: auth-provider plugins are not supported`,
      { hint: "Use a token, a client certificate or an exec credential plugin for this user." },
    );
  }
  const tokenFile = str(user.value.tokenFile);
  const token = str(user.value.token) ??
    (tokenFile ? (await entryFile(user, tokenFile, "tokenFile", "token file")).trim() : undefined);
  if (token) conn.token = token;
  const cert = await dataOrFile(user, "client-certificate", "client certificate");
  const key = await dataOrFile(user, "client-key", "client key");
  if (cert && key) conn.clientCert = { cert, key };
  else if (cert || key) {
    throw new CosignError(
      "AUTH",
      `Cannot use user "${userName}" in ${source}: it has a client ${
        cert ? "certificate" : "key"
      } without its ${cert ? "key" : "certificate"}`,
      { hint: "Give the user both client-certificate(-data) and client-key(-data)." },
    );
  }
  const username = str(user.value.username);
  if (username) conn.basic = { username, password: String(user.value.password ?? "") };
  if (isDict(user.value.exec) && !conn.token && !conn.clientCert) {
    const cred = await execCredential(user.value.exec, dirname(user.file), ctx, source, conn);
    if (cred.token) conn.token = cred.token;
    if (cred.clientCert) conn.clientCert = cred.clientCert;
  }
  return conn;
}

async function inCluster(ctx: Context, dir: string): Promise<ClusterConnection> {
  const host = ctx.env("KUBERNETES_SERVICE_HOST");
  const port = ctx.env("KUBERNETES_SERVICE_PORT");
  if (!host || !port) {
    const tried = kubeconfigPaths(ctx).join(", ");
    throw new CosignError(
      "AUTH",
      `Cannot reach Kubernetes: no kubeconfig (looked at ${tried}) and not inside a cluster (KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set)`,
      { hint: "Set KUBECONFIG to your kubeconfig file, or run in a pod with a service account." },
    );
  }
  const read = async (name: string) => {
    try {
      return await readFile(join(dir, name), "utf8");
    } catch (e) {
      throw new CosignError(
        "AUTH",
        `Cannot use the in-cluster service account: cannot read ${join(dir, name)}: ${
          describeError(e)
        }`,
        { hint: "Mount a service account token in the pod (automountServiceAccountToken)." },
      );
    }
  };
  const token = (await read("token")).trim();
  const caPem = await read("ca.crt");
  const h = host.includes(":") ? `[${host}]` : host;
  return { server: `https://${h}:${port}`, token, caPem, source: "the in-cluster service account" };
}

/**
 * The connection to the current cluster (see the module doc). Throws CosignError("AUTH") when
 * there is no usable configuration, ("INVALID_INPUT") for a malformed kubeconfig, ("IO") for
 * files it names that cannot be read, ("UNSUPPORTED") for auth-provider users.
 */
export async function clusterConnection(
  ctx: Context,
  options: ClusterConnectionOptions = {},
): Promise<ClusterConnection> {
  const merged = await loadMerged(ctx);
  if (isEmpty(merged)) {
    return await inCluster(ctx, options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR);
  }
  return await fromKubeconfig(merged, ctx);
}
