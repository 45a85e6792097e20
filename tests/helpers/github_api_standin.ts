/**
 * A stand-in for the GitHub REST API's Actions secrets endpoints, written from GitHub's REST
 * documentation ("REST API endpoints for GitHub Actions secrets"), checking what GitHub checks:
 *
 * - `Authorization: Bearer <token>` (or `token <token>`) from its token list, else `401 Bad
 *   credentials`; a `User-Agent` header, else `403`; tokens without admin on the owner get `403`
 *   "Resource not accessible by personal access token";
 * - `GET …/actions/secrets/public-key` (repository, organization) and
 *   `…/environments/ENV/secrets/public-key`: `{ key_id, key }`, the key a real X25519 public key
 *   whose secret half the test can use to open what was stored;
 * - `GET …/secrets/NAME`: metadata only (name, dates), never the value; `404` when absent;
 *   `DELETE …/secrets/NAME`: `204`, `404` when absent;
 * - `PUT …/secrets/NAME` with JSON `{ encrypted_value, key_id }` (organizations also need
 *   `visibility`: all, private or selected): `201` created, `204` updated; `422` for a stale or
 *   missing key_id, an encrypted_value that is not base64 or shorter than a sealed box, names that
 *   are not `[A-Za-z_][A-Za-z0-9_]*` or start with `GITHUB_`; unknown owners, repositories or
 *   environments `404 Not Found`.
 *
 * @example
 * ```ts
 * const gh = await startGithubStandIn({ tokens: { "ghp_x": ["acme"] }, repos: ["acme/app"] });
 * // GITHUB_API_URL=gh.url GITHUB_TOKEN=ghp_x cosign-ts generate-key-pair github://acme/app
 * gh.secrets.get("repos/acme/app/COSIGN_PRIVATE_KEY"); // { encrypted_value, key_id, … }
 * ```
 * @module
 */
import { createServer, type Server } from "node:http";
import { x25519 } from "@noble/curves/ed25519.js";
import { closeServer } from "./bounded.ts";
import { listenLoopback, readJson, sendJson } from "./standin_http.ts";

/** A stored secret: exactly what the client sent, plus dates. */
export interface StoredGithubSecret {
  encrypted_value: string;
  key_id: string;
  visibility?: string;
  created_at: string;
  updated_at: string;
}

/** One request as the stand-in saw it. */
export interface GithubRequest {
  method: string;
  path: string;
  /** The token's owner list key (the token itself is not kept). */
  authenticated: boolean;
  body?: unknown;
}

/** Options for {@link startGithubStandIn}. */
export interface GithubStandInOptions {
  /** Token → the owners (users/organizations) it administers. */
  tokens: Record<string, string[]>;
  /** Repositories that exist, `owner/repo`. */
  repos: string[];
  /** Organizations that exist. */
  orgs?: string[];
  /** Environments that exist, `owner/repo/env`. */
  environments?: string[];
  /** Serve under this path prefix (GitHub Enterprise Server: "/api/v3"). */
  prefix?: string;
}

/** A running stand-in. */
export interface GithubStandIn {
  /** Base URL including the prefix, e.g. `http://127.0.0.1:PORT` or `…/api/v3`. */
  url: string;
  /** The server root (for GITHUB_HOST, which gets /api/v3 appended). */
  root: string;
  /** Secrets by `<scope>/<NAME>`, scope `repos/o/r`, `orgs/o` or `repos/o/r/environments/e`. */
  secrets: Map<string, StoredGithubSecret>;
  /** The X25519 key pair of a scope (created on first public-key request). */
  keyPair(scope: string): { secretKey: Uint8Array; publicKey: Uint8Array; keyId: string };
  /** Every request, in order. */
  requests: GithubRequest[];
  /** Make the n-th PUT from now fail with 500 (1 = the next one); 0 turns it off. */
  failWriteAfter(n: number): void;
  /** Stops the server. */
  close(): Promise<void>;
}

const message = (m: string, status: number) => ({
  message: m,
  documentation_url: "https://docs.github.com/rest/actions/secrets",
  status: String(status),
});

/** Starts the stand-in on a free loopback port. */
export async function startGithubStandIn(options: GithubStandInOptions): Promise<GithubStandIn> {
  const prefix = options.prefix ?? "";
  const repos = new Set(options.repos);
  const orgs = new Set(options.orgs ?? []);
  const envs = new Set(options.environments ?? []);
  const secrets = new Map<string, StoredGithubSecret>();
  const keys = new Map<string, { secretKey: Uint8Array; publicKey: Uint8Array; keyId: string }>();
  const requests: GithubRequest[] = [];
  let keyIds = 568250167242549743n;
  let failIn = 0;
  const keyPair = (scope: string) => {
    let k = keys.get(scope);
    if (!k) {
      const kp = x25519.keygen();
      k = { ...kp, keyId: String(keyIds++) };
      keys.set(scope, k);
    }
    return k;
  };

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const entry: GithubRequest = {
      method: req.method ?? "",
      path: url.pathname,
      authenticated: false,
    };
    requests.push(entry);
    if (!url.pathname.startsWith(`${prefix}/`)) {
      return sendJson(res, 404, message("Not Found", 404));
    }
    const path = url.pathname.slice(prefix.length);
    if (!req.headers["user-agent"]) {
      return sendJson(
        res,
        403,
        message(
          "Request forbidden by administrative rules. Please make sure your request has a User-Agent header",
          403,
        ),
      );
    }
    const auth = /^(?:Bearer|token) (.+)$/i.exec(req.headers.authorization ?? "");
    const owners = auth ? options.tokens[auth[1]] : undefined;
    if (!owners) return sendJson(res, 401, message("Bad credentials", 401));
    entry.authenticated = true;
    const m =
      /^\/(?:repos\/([^/]+)\/([^/]+)\/(?:actions|environments\/([^/]+))|orgs\/([^/]+)\/actions)\/secrets\/([^/]+)$/
        .exec(path);
    if (!m) return sendJson(res, 404, message("Not Found", 404));
    const [, owner, repo, env, org, name] = m.map((
      x,
    ) => (x === undefined ? x : decodeURIComponent(x)));
    const isOrg = org !== undefined;
    const scopeOwner = isOrg ? org : owner;
    const exists = isOrg
      ? orgs.has(org)
      : repos.has(`${owner}/${repo}`) && (env === undefined || envs.has(`${owner}/${repo}/${env}`));
    // GitHub answers 404 for what the token cannot see, 403 for what it sees but may not manage.
    if (!exists) return sendJson(res, 404, message("Not Found", 404));
    if (!owners.includes(scopeOwner)) {
      return sendJson(res, 403, message("Resource not accessible by personal access token", 403));
    }
    const scope = isOrg
      ? `orgs/${org}`
      : env === undefined
      ? `repos/${owner}/${repo}`
      : `repos/${owner}/${repo}/environments/${env}`;
    if (name === "public-key") {
      if (req.method !== "GET") return sendJson(res, 404, message("Not Found", 404));
      const k = keyPair(scope);
      return sendJson(res, 200, {
        key_id: k.keyId,
        key: btoa(String.fromCharCode(...k.publicKey)),
      });
    }
    const key = `${scope}/${name}`;
    if (req.method === "GET") {
      const s = secrets.get(key);
      if (!s) return sendJson(res, 404, message("Not Found", 404));
      return sendJson(res, 200, {
        name,
        created_at: s.created_at,
        updated_at: s.updated_at,
        ...(s.visibility ? { visibility: s.visibility } : {}),
      });
    }
    if (req.method === "DELETE") {
      return secrets.delete(key)
        ? sendJson(res, 204)
        : sendJson(res, 404, message("Not Found", 404));
    }
    if (req.method !== "PUT") return sendJson(res, 404, message("Not Found", 404));
    if (failIn > 0 && --failIn === 0) return sendJson(res, 500, message("Server Error", 500));
    if (!/^application\/json\b/.test(req.headers["content-type"] ?? "")) {
      return sendJson(res, 415, message("Unsupported 'Content-Type' header", 415));
    }
    const { value, error } = await readJson(req);
    if (error) return sendJson(res, 400, message(`Problems parsing JSON`, 400));
    entry.body = value;
    const body = (value ?? {}) as Record<string, unknown>;
    const invalid = (why: string) => sendJson(res, 422, message(`Invalid request.\n\n${why}`, 422));
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || /^GITHUB_/i.test(name)) {
      return invalid(
        `Secret names can only contain alphanumeric characters ([a-z], [A-Z], [0-9]) or underscores (_), and must not start with GITHUB_ or a number.`,
      );
    }
    const k = keys.get(scope);
    if (typeof body.key_id !== "string" || !k || body.key_id !== k.keyId) {
      return invalid(
        `"key_id" is not the current public key of this ${isOrg ? "organization" : "repository"}.`,
      );
    }
    const ev = body.encrypted_value;
    if (
      typeof ev !== "string" || !/^[A-Za-z0-9+/]+={0,2}$/.test(ev) || ev.length % 4 !== 0 ||
      atob(ev).length < 48
    ) {
      return invalid(`"encrypted_value" must be a libsodium sealed box, base64-encoded.`);
    }
    if (isOrg && !["all", "private", "selected"].includes(String(body.visibility))) {
      return invalid(`"visibility" wasn't supplied.`);
    }
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const old = secrets.get(key);
    secrets.set(key, {
      encrypted_value: ev,
      key_id: body.key_id,
      ...(isOrg ? { visibility: String(body.visibility) } : {}),
      created_at: old?.created_at ?? now,
      updated_at: now,
    });
    return sendJson(res, old ? 204 : 201, old ? undefined : {});
  });
  const port = await listenLoopback(server);
  const root = `http://127.0.0.1:${port}`;
  return {
    url: `${root}${prefix}`,
    root,
    secrets,
    keyPair,
    requests,
    failWriteAfter(n: number) {
      failIn = n;
    },
    close: () => closeServer(server),
  };
}
