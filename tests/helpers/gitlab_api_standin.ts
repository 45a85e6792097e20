/**
 * A stand-in for GitLab's project-level CI/CD variables API (`/api/v4/projects/:id/variables`),
 * written from GitLab's REST API documentation, checking what GitLab checks:
 *
 * - a token in `PRIVATE-TOKEN` (or `Authorization: Bearer`) from its token list, else `401
 *   {"message":"401 Unauthorized"}`; tokens whose user is not a Maintainer of the project get
 *   `403 {"message":"403 Forbidden"}`;
 * - `:id` is a numeric project ID or the URL-encoded full path (`group%2Fproject`); an unknown
 *   project (or an unencoded path) is `404 Project Not Found`;
 * - `GET …/variables/:key` (`404 Variable Not Found`), `POST …/variables` (`201`; `400
 *   {"message":{"key":["(KEY) has already been taken"]}}` for an existing key; `400` for a key not
 *   matching `[A-Za-z0-9_]{1,255}`, a missing value, a variable_type other than env_var/file, a
 *   masked value GitLab cannot mask), `PUT …/variables/:key` (`200`, `404`), `DELETE` (`204`,
 *   `404`); bodies as JSON or form-encoded, as GitLab takes both.
 *
 * @example
 * ```ts
 * const gl = await startGitlabStandIn({ projects: { 42: "acme/app" }, tokens: { "glpat-x": { maintainerOf: ["acme/app"] } } });
 * // GITLAB_HOST=gl.url GITLAB_TOKEN=glpat-x cosign-ts generate-key-pair gitlab://acme/app
 * ```
 * @module
 */
import { createServer, type Server } from "node:http";
import { closeServer } from "./bounded.ts";
import { listenLoopback, readBody, sendJson } from "./standin_http.ts";

/** A stored variable, as GitLab returns it. */
export interface StandInVariable {
  variable_type: string;
  key: string;
  value: string;
  protected: boolean;
  masked: boolean;
  hidden: boolean;
  raw: boolean;
  environment_scope: string;
  description: string | null;
}

/** One request as the stand-in saw it. */
export interface GitlabRequest {
  method: string;
  /** The raw path (still URL-encoded). */
  path: string;
  /** Which header carried the token. */
  auth?: "private-token" | "bearer";
  body?: Record<string, unknown>;
}

/** Options for {@link startGitlabStandIn}. */
export interface GitlabStandInOptions {
  /** Projects: ID → full path. */
  projects: Record<number, string>;
  /** Tokens and the project paths whose Maintainer their user is (others: Reporter, 403). */
  tokens: Record<string, { maintainerOf: string[] }>;
  /** Answer 500 to the n-th write (POST/PUT) after start, to test partial failures. */
  failWrite?: number;
}

/** A running stand-in. */
export interface GitlabStandIn {
  /** The instance URL (what GITLAB_HOST names), e.g. `http://127.0.0.1:PORT`. */
  url: string;
  /** Variables by `<project path>/<KEY>`. */
  variables: Map<string, StandInVariable>;
  /** Every request, in order. */
  requests: GitlabRequest[];
  /** Make the n-th write from now fail with 500 (1 = the next one); 0 turns it off. */
  failWriteAfter(n: number): void;
  /** Stops the server. */
  close(): Promise<void>;
}

const KEY = /^[A-Za-z0-9_]{1,255}$/;
// GitLab can mask values of 8+ characters from the Base64 alphabet (RFC 4648) plus @:.~ only.
const MASKABLE = /^[A-Za-z0-9+/=@:.~_-]{8,}$/;

/** Starts the stand-in on a free loopback port. */
export async function startGitlabStandIn(options: GitlabStandInOptions): Promise<GitlabStandIn> {
  const variables = new Map<string, StandInVariable>();
  const requests: GitlabRequest[] = [];
  let failIn = options.failWrite ?? 0;
  const byPath = new Map(Object.entries(options.projects).map(([id, p]) => [p, Number(id)]));

  const parseBody = (type: string | undefined, text: string | undefined) => {
    if (text === undefined) return undefined;
    if (/^application\/json\b/.test(type ?? "")) {
      try {
        const v = JSON.parse(text);
        return typeof v === "object" && v !== null ? v as Record<string, unknown> : undefined;
      } catch {
        return undefined;
      }
    }
    if (/^application\/x-www-form-urlencoded\b/.test(type ?? "")) {
      return Object.fromEntries(new URLSearchParams(text)) as Record<string, unknown>;
    }
    return {};
  };
  const bool = (v: unknown, dflt: boolean) =>
    v === undefined ? dflt : v === true || v === "true" || v === "1";

  const server: Server = createServer(async (req, res) => {
    const raw = (req.url ?? "/").split("?")[0];
    const entry: GitlabRequest = { method: req.method ?? "", path: raw };
    requests.push(entry);
    const pt = req.headers["private-token"];
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const token = typeof pt === "string" ? pt : bearer;
    entry.auth = typeof pt === "string" ? "private-token" : bearer ? "bearer" : undefined;
    const user = token ? options.tokens[token] : undefined;
    if (!user) return sendJson(res, 401, { message: "401 Unauthorized" });
    const m = /^\/api\/v4\/projects\/([^/]+)\/variables(?:\/([^/]+))?$/.exec(raw);
    if (!m) return sendJson(res, 404, { error: "404 Not Found" });
    const id = decodeURIComponent(m[1]);
    const project = /^\d+$/.test(id)
      ? options.projects[Number(id)]
      : byPath.has(id)
      ? id
      : undefined;
    if (!project) return sendJson(res, 404, { message: "404 Project Not Found" });
    if (!user.maintainerOf.includes(project)) {
      return sendJson(res, 403, { message: "403 Forbidden" });
    }
    const keyInPath = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
    const body = parseBody(req.headers["content-type"], await readBody(req));
    if (body) entry.body = body;
    const notFound = () => sendJson(res, 404, { message: "404 Variable Not Found" });
    const store = (key: string) => `${project}/${key}`;
    const isWrite = req.method === "POST" || req.method === "PUT";
    if (isWrite && failIn > 0 && --failIn === 0) {
      return sendJson(res, 500, { message: "500 Internal Server Error" });
    }
    if (req.method === "GET" && keyInPath !== undefined) {
      const v = variables.get(store(keyInPath));
      return v ? sendJson(res, 200, v) : notFound();
    }
    if (req.method === "DELETE" && keyInPath !== undefined) {
      return variables.delete(store(keyInPath)) ? sendJson(res, 204) : notFound();
    }
    if (!isWrite || (req.method === "POST") !== (keyInPath === undefined)) {
      return sendJson(res, 405, { error: "405 Method Not Allowed" });
    }
    if (!body) return sendJson(res, 400, { error: "The request body is not valid JSON" });
    const key = keyInPath ?? String(body.key ?? "");
    const old = variables.get(store(key));
    if (req.method === "PUT" && !old) return notFound();
    if (req.method === "POST" && old) {
      return sendJson(res, 400, { message: { key: [`(${key}) has already been taken`] } });
    }
    if (!KEY.test(key)) {
      return sendJson(res, 400, {
        message: { key: ["can contain only letters, digits and '_'."] },
      });
    }
    if (body.value === undefined && !old) return sendJson(res, 400, { error: "value is missing" });
    const v: StandInVariable = {
      variable_type: String(body.variable_type ?? old?.variable_type ?? "env_var"),
      key,
      value: String(body.value ?? old?.value),
      protected: bool(body.protected, old?.protected ?? false),
      masked: bool(body.masked, old?.masked ?? false),
      hidden: old?.hidden ?? false,
      raw: bool(body.raw, old?.raw ?? false),
      environment_scope: String(body.environment_scope ?? old?.environment_scope ?? "*"),
      description: (body.description as string | undefined) ?? old?.description ?? null,
    };
    if (!["env_var", "file"].includes(v.variable_type)) {
      return sendJson(res, 400, { error: "variable_type does not have a valid value" });
    }
    if (v.masked && !MASKABLE.test(v.value)) {
      return sendJson(res, 400, { message: { value: ["is invalid"] } });
    }
    variables.set(store(key), v);
    return sendJson(res, req.method === "POST" ? 201 : 200, v);
  });
  const port = await listenLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    variables,
    requests,
    failWriteAfter(n: number) {
      failIn = n;
    },
    close: () => closeServer(server),
  };
}
