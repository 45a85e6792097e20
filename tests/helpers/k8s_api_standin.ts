/**
 * A stand-in for the Kubernetes API server, written from the Kubernetes API reference (core/v1
 * Secret, the `Status` error object, `/version`) for the calls cosign makes for `k8s://` keys.
 * It checks what a real API server checks for them:
 *
 * - TLS only, with a leaf certificate issued by a separate test CA (clients must trust that CA);
 * - authentication: a bearer token from its token list, a client certificate issued by the CA
 *   (CN = user name), or basic credentials; anything else is `401 Unauthorized`; users in
 *   `forbidden` get `403` with the API's RBAC wording;
 * - `GET/PUT /api/v1/namespaces/NS/secrets/NAME`, `POST /api/v1/namespaces/NS/secrets`: unknown
 *   namespaces and secrets are `404 NotFound`, creating an existing secret `409 AlreadyExists`, a
 *   stale `metadata.resourceVersion` `409 Conflict`, changing the data of an immutable secret (or
 *   making it mutable) `422 Invalid`, bad names `422`, a name or namespace that differs from the
 *   URL `400 BadRequest`, data values that are not base64 `400`, a body that is not JSON `400`, a
 *   Content-Type other than JSON `415`;
 * - `GET /version` with a configurable server version.
 *
 * @example
 * ```ts
 * const k8s = await startK8sStandIn({ namespaces: ["default"], tokens: { "t0k3n": "alice" } });
 * writeFileSync(kubeconfigPath, k8s.kubeconfig({ token: "t0k3n" }));
 * await k8s.close();
 * ```
 * @module
 */
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify as toYaml } from "yaml";
import { closeServer } from "./bounded.ts";
import { issueTestCertificate, makeTestCertificates } from "./registry.ts";
import { listenLoopback, readJson, sendJson } from "./standin_http.ts";

/** A stored secret, as the stand-in keeps it. */
export interface StandInSecret {
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion: string;
    creationTimestamp: string;
  };
  data: Record<string, string>;
  immutable?: boolean;
  type: string;
}

/** One request as the stand-in saw it. */
export interface StandInRequest {
  method: string;
  path: string;
  /** The authenticated user, or undefined. */
  user?: string;
  /** How the user authenticated. */
  via?: "token" | "client-certificate" | "basic";
  /** The parsed JSON body, if any. */
  body?: unknown;
}

/** Options for {@link startK8sStandIn}. */
export interface K8sStandInOptions {
  /** Namespaces that exist (default ["default"]). */
  namespaces?: string[];
  /** Bearer tokens and the users they authenticate. */
  tokens?: Record<string, string>;
  /** Basic credentials: user → password. */
  basic?: Record<string, string>;
  /** Users refused every secret operation (403). */
  forbidden?: string[];
  /** Server version (default 1.30). */
  version?: { major: string; minor: string };
  /** Directory for the certificates (created by the caller). */
  dir: string;
}

/** A running stand-in. */
export interface K8sStandIn {
  /** `https://127.0.0.1:PORT`. */
  url: string;
  /** PEM of the CA that issued the server's and the client's certificates. */
  caPem: string;
  /** A client certificate for user `cert-user` and its key (PEM). */
  clientCert: { cert: string; key: string };
  /** Secrets by `namespace/name`. */
  secrets: Map<string, StandInSecret>;
  /** Every request, in order. */
  requests: StandInRequest[];
  /**
   * A kubeconfig (YAML) for this server: one cluster with the CA inline, one user with a token,
   * a client certificate or basic credentials, and a current context naming both.
   */
  kubeconfig(user: {
    token?: string;
    clientCert?: boolean;
    basic?: [string, string];
    exec?: Record<string, unknown>;
  }): string;
  /** Stops the server. */
  close(): Promise<void>;
}

const status = (code: number, reason: string, message: string, details?: unknown) => ({
  kind: "Status",
  apiVersion: "v1",
  metadata: {},
  status: "Failure",
  message,
  reason,
  ...(details ? { details } : {}),
  code,
});

/** Answers `code` with a Kubernetes Status object. */
const fail = (
  res: ServerResponse,
  code: number,
  reason: string,
  message: string,
  details?: unknown,
): void => sendJson(res, code, status(code, reason, message, details));

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const isSubdomain = (n: string) => n.length <= 253 && n.split(".").every((l) => LABEL.test(l));
const isBase64 = (v: unknown) =>
  typeof v === "string" && /^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0;

/** Issues a client certificate (CN `cn`, clientAuth) from the test CA. */
async function clientCertificate(
  dir: string,
  ca: { caFile: string; caKey: string },
  cn: string,
): Promise<{ cert: string; key: string }> {
  const files = {
    keyFile: join(dir, "client.key"),
    csr: join(dir, "client.csr"),
    certFile: join(dir, "client.pem"),
    ext: join(dir, "client.ext"),
  };
  await issueTestCertificate(
    ca,
    files,
    `/O=system:masters/CN=${cn}`,
    "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n",
  );
  return {
    cert: await readFile(files.certFile, "utf8"),
    key: await readFile(files.keyFile, "utf8"),
  };
}

/** Starts the stand-in on a free loopback port. */
export async function startK8sStandIn(options: K8sStandInOptions): Promise<K8sStandIn> {
  const certs = await makeTestCertificates(options.dir);
  const caPem = await readFile(certs.caFile, "utf8");
  const clientCert = await clientCertificate(options.dir, certs, "cert-user");
  const namespaces = new Set(options.namespaces ?? ["default"]);
  const tokens = options.tokens ?? {};
  const basic = options.basic ?? {};
  const forbidden = new Set(options.forbidden ?? []);
  const secrets = new Map<string, StandInSecret>();
  const requests: StandInRequest[] = [];
  let version = 0;
  let uid = 0;

  const authenticate = (req: IncomingMessage): Pick<StandInRequest, "user" | "via"> => {
    const auth = req.headers.authorization ?? "";
    const bearer = /^Bearer (.+)$/.exec(auth);
    if (bearer) return tokens[bearer[1]] ? { user: tokens[bearer[1]], via: "token" } : {};
    const b = /^Basic (.+)$/.exec(auth);
    if (b) {
      const [u, ...p] = atob(b[1]).split(":");
      return basic[u] !== undefined && basic[u] === p.join(":") ? { user: u, via: "basic" } : {};
    }
    const sock = req.socket as TLSSocket;
    if (sock.authorized) {
      // The CA issued one client certificate (CN cert-user). Bun's https server verifies client
      // certificates but has no getPeerCertificate, so the CN is read where the runtime offers it.
      const cn = typeof sock.getPeerCertificate === "function"
        ? sock.getPeerCertificate()?.subject?.CN
        : "cert-user";
      if (typeof cn === "string") return { user: cn, via: "client-certificate" };
    }
    return {};
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "https://localhost");
    const entry: StandInRequest = { method: req.method ?? "", path: url.pathname };
    requests.push(entry);
    Object.assign(entry, authenticate(req));
    if (!entry.user) return fail(res, 401, "Unauthorized", "Unauthorized");
    if (url.pathname === "/version" && req.method === "GET") {
      const v = options.version ?? { major: "1", minor: "30" };
      return sendJson(res, 200, {
        major: v.major,
        minor: v.minor,
        gitVersion: `v${v.major}.${v.minor.replace(/\D/g, "")}.0`,
        platform: "linux/amd64",
      });
    }
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/secrets(?:\/([^/]+))?$/.exec(url.pathname);
    if (!m) {
      return fail(res, 404, "NotFound", "the server could not find the requested resource");
    }
    const ns = decodeURIComponent(m[1]);
    const name = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
    const verb = req.method === "GET"
      ? "get"
      : req.method === "POST"
      ? "create"
      : req.method === "PUT"
      ? "update"
      : "";
    if (!verb || (verb === "create") !== (name === undefined)) {
      return fail(
        res,
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
      );
    }
    if (forbidden.has(entry.user)) {
      return fail(
        res,
        403,
        "Forbidden",
        `secrets${
          name ? ` "${name}"` : ""
        } is forbidden: User "${entry.user}" cannot ${verb} resource "secrets" in API group "" in the namespace "${ns}"`,
        { name, kind: "secrets" },
      );
    }
    const notFound = () =>
      fail(res, 404, "NotFound", `secrets "${name}" not found`, { name, kind: "secrets" });
    if (verb === "get") {
      const s = secrets.get(`${ns}/${name}`);
      return s ? sendJson(res, 200, { kind: "Secret", apiVersion: "v1", ...s }) : notFound();
    }
    if (!/^application\/json\b/.test(req.headers["content-type"] ?? "")) {
      return fail(
        res,
        415,
        "UnsupportedMediaType",
        `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`,
      );
    }
    const { value, error } = await readJson(req);
    if (error) return fail(res, 400, "BadRequest", error);
    entry.body = value;
    const body = value as {
      kind?: unknown;
      apiVersion?: unknown;
      metadata?: { name?: unknown; namespace?: unknown; resourceVersion?: unknown };
      data?: Record<string, unknown>;
      immutable?: unknown;
      type?: unknown;
    };
    if (
      typeof body !== "object" || body === null ||
      (body.kind !== undefined && body.kind !== "Secret") ||
      (body.apiVersion !== undefined && body.apiVersion !== "v1")
    ) {
      return fail(res, 400, "BadRequest", "the object provided is not a v1 Secret");
    }
    const bodyName = body.metadata?.name;
    if (typeof bodyName !== "string" || bodyName === "") {
      return fail(
        res,
        422,
        "Invalid",
        `Secret "" is invalid: metadata.name: Required value: name or generateName is required`,
      );
    }
    if (body.metadata?.namespace !== undefined && body.metadata.namespace !== ns) {
      return fail(
        res,
        400,
        "BadRequest",
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    }
    if (name !== undefined && bodyName !== name) {
      return fail(
        res,
        400,
        "BadRequest",
        `the name of the object (${bodyName}) does not match the name on the URL (${name})`,
      );
    }
    if (!isSubdomain(bodyName)) {
      return fail(
        res,
        422,
        "Invalid",
        `Secret "${bodyName}" is invalid: metadata.name: Invalid value: "${bodyName}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`,
      );
    }
    const data = body.data ?? {};
    for (const [k, v] of Object.entries(data)) {
      if (!isBase64(v)) {
        return fail(
          res,
          400,
          "BadRequest",
          `Secret in version "v1" cannot be handled as a Secret: illegal base64 data at data[${
            JSON.stringify(k)
          }]`,
        );
      }
    }
    if (!namespaces.has(ns)) {
      return fail(res, 404, "NotFound", `namespaces "${ns}" not found`, {
        name: ns,
        kind: "namespaces",
      });
    }
    const key = `${ns}/${bodyName}`;
    const existing = secrets.get(key);
    const immutable = body.immutable === true ? true : undefined;
    if (verb === "create") {
      if (existing) {
        return fail(res, 409, "AlreadyExists", `secrets "${bodyName}" already exists`, {
          name: bodyName,
          kind: "secrets",
        });
      }
      const s: StandInSecret = {
        metadata: {
          name: bodyName,
          namespace: ns,
          uid: `uid-${++uid}`,
          resourceVersion: String(++version),
          creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
        },
        data: data as Record<string, string>,
        ...(immutable ? { immutable } : {}),
        type: typeof body.type === "string" ? body.type : "Opaque",
      };
      secrets.set(key, s);
      return sendJson(res, 201, { kind: "Secret", apiVersion: "v1", ...s });
    }
    if (!existing) return notFound();
    const rv = body.metadata?.resourceVersion;
    if (rv !== undefined && rv !== existing.metadata.resourceVersion) {
      return fail(
        res,
        409,
        "Conflict",
        `Operation cannot be fulfilled on secrets "${bodyName}": the object has been modified; please apply your changes to the latest version and try again`,
        { name: bodyName, kind: "secrets" },
      );
    }
    if (
      existing.immutable && (JSON.stringify(data) !== JSON.stringify(existing.data) || !immutable)
    ) {
      return fail(
        res,
        422,
        "Invalid",
        `Secret "${bodyName}" is invalid: data: Forbidden: field is immutable when \`immutable\` is set`,
      );
    }
    const s: StandInSecret = {
      metadata: { ...existing.metadata, resourceVersion: String(++version) },
      data: data as Record<string, string>,
      ...(immutable ? { immutable } : {}),
      type: typeof body.type === "string" ? body.type : existing.type,
    };
    secrets.set(key, s);
    return sendJson(res, 200, { kind: "Secret", apiVersion: "v1", ...s });
  };

  const server: Server = createServer({
    cert: await readFile(certs.certFile),
    key: await readFile(certs.keyFile),
    ca: caPem,
    requestCert: true,
    rejectUnauthorized: false,
  }, (req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) fail(res, 500, "InternalError", String(e));
    });
  });
  const port = await listenLoopback(server as unknown as import("node:http").Server);
  const url = `https://127.0.0.1:${port}`;
  const b64 = (s: string) => btoa(s);
  return {
    url,
    caPem,
    clientCert,
    secrets,
    requests,
    kubeconfig(user) {
      const u: Record<string, unknown> = {};
      if (user.token) u.token = user.token;
      if (user.clientCert) {
        u["client-certificate-data"] = b64(clientCert.cert);
        u["client-key-data"] = b64(clientCert.key);
      }
      if (user.basic) [u.username, u.password] = user.basic;
      if (user.exec) u.exec = user.exec;
      return toYaml({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{
          name: "standin",
          cluster: { server: url, "certificate-authority-data": b64(caPem) },
        }],
        users: [{ name: "standin-user", user: u }],
        contexts: [{ name: "standin", context: { cluster: "standin", user: "standin-user" } }],
        "current-context": "standin",
      });
    },
    close: () => closeServer(server),
  };
}
