/**
 * Registry authentication: `WWW-Authenticate` challenge parsing, Basic headers, and the
 * bearer-token flow of the distribution token spec (GET with Basic credentials, or POST with an
 * identity/refresh token, for `repository:<name>:<actions>` scopes).
 *
 * @example
 * ```ts
 * const c = parseWwwAuthenticate('Bearer realm="https://auth.example/token",service="reg"');
 * // [{ scheme: "bearer", params: { realm: "https://auth.example/token", service: "reg" } }]
 * ```
 * @module
 */
import { base64 } from "@scure/base";
import { CosignError } from "../core/errors.ts";

/** Credentials for a registry. */
export interface Credential {
  /** User name (absent with an identity token alone). */
  username?: string;
  /** Password or personal access token. */
  password?: string;
  /** OAuth2 refresh token (docker's `identitytoken`), exchanged at the token endpoint. */
  identityToken?: string;
  /** A ready bearer token sent as is (docker's `registrytoken`). */
  registryToken?: string;
}

/** One authentication challenge from a `WWW-Authenticate` header. */
export interface AuthChallenge {
  /** Lower-case scheme: "basic" or "bearer" (others are kept but unused). */
  scheme: string;
  /** Parameters with lower-case names (realm, service, scope, error, …). */
  params: Record<string, string>;
}

/**
 * Parses a `WWW-Authenticate` header into challenges (RFC 7235: `scheme k=v, k="v", …`, several
 * challenges separated by commas). Malformed input yields what could be parsed, never throws.
 */
export function parseWwwAuthenticate(header: string | null | undefined): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  if (!header) return out;
  let i = 0;
  const s = header;
  const skipWs = () => {
    while (i < s.length && (s[i] === " " || s[i] === "\t")) i++;
  };
  const token = () => {
    const start = i;
    while (i < s.length && /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(s[i])) i++;
    return s.slice(start, i);
  };
  let current: AuthChallenge | undefined;
  while (i < s.length) {
    skipWs();
    if (s[i] === ",") {
      i++;
      continue;
    }
    const start = i;
    const name = token();
    if (name === "") {
      i++;
      continue;
    }
    skipWs();
    if (s[i] === "=") {
      // auth-param (or token68 padding; we treat "=" after a name as a parameter)
      i++;
      skipWs();
      let value = "";
      if (s[i] === '"') {
        i++;
        while (i < s.length && s[i] !== '"') {
          if (s[i] === "\\" && i + 1 < s.length) i++;
          value += s[i++];
        }
        i++; // closing quote
      } else {
        const vs = i;
        while (i < s.length && s[i] !== "," && s[i] !== " ") i++;
        value = s.slice(vs, i);
      }
      if (!current) {
        current = { scheme: "", params: {} };
        out.push(current);
      }
      current.params[name.toLowerCase()] = value;
    } else {
      // a new scheme
      current = { scheme: s.slice(start, start + name.length).toLowerCase(), params: {} };
      out.push(current);
    }
  }
  return out;
}

/** `Basic base64(user:pass)`. */
export function basicAuthHeader(username: string, password: string): string {
  return `Basic ${base64.encode(new TextEncoder().encode(`${username}:${password}`))}`;
}

/** A bearer token and when it stops being usable (epoch ms). */
export interface BearerToken {
  /** The token to send as `Authorization: Bearer <token>`. */
  token: string;
  /** Expiry in epoch milliseconds. */
  expiresAt: number;
}

/** Everything {@link fetchBearerToken} needs. */
export interface TokenRequest {
  /** The challenge's `realm` URL. */
  realm: string;
  /** The challenge's `service`. */
  service?: string;
  /** Scopes such as `repository:app:pull,push`. */
  scopes: string[];
  /** Credentials, or undefined for anonymous tokens. */
  credential?: Credential;
  /** Registry host, for messages. */
  registry: string;
  /** fetch to use. */
  fetch: typeof fetch;
  /** Cancels the request. */
  signal?: AbortSignal;
  /** Called for each HTTP request made (for counting). */
  onRequest?: () => void;
}

/**
 * Gets a bearer token from the token endpoint. With an identity token it POSTs an OAuth2
 * refresh-token grant (as docker does); otherwise it GETs with Basic credentials when present.
 * Throws CosignError("AUTH") for 401/403 and CosignError("NETWORK") for other failures.
 */
export async function fetchBearerToken(req: TokenRequest): Promise<BearerToken> {
  let url: URL;
  try {
    url = new URL(req.realm);
  } catch {
    throw new CosignError(
      "NETWORK",
      `Cannot authenticate to ${req.registry}: the token realm "${req.realm}" is not a URL`,
    );
  }
  const cred = req.credential;
  let res: Response;
  const started = Date.now();
  try {
    req.onRequest?.();
    if (cred?.identityToken) {
      const body = new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: cred.identityToken,
        client_id: "cosign-ts",
      });
      if (req.service) body.set("service", req.service);
      if (req.scopes.length) body.set("scope", req.scopes.join(" "));
      res = await req.fetch(url, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: body.toString(),
        signal: req.signal,
      });
    } else {
      if (req.service) url.searchParams.set("service", req.service);
      for (const s of req.scopes) url.searchParams.append("scope", s);
      const headers: Record<string, string> = {};
      if (cred?.username !== undefined && cred.password !== undefined) {
        headers.authorization = basicAuthHeader(cred.username, cred.password);
      }
      res = await req.fetch(url, { headers, signal: req.signal });
    }
  } catch (e) {
    throw new CosignError(
      "NETWORK",
      `Cannot reach the token server ${url.origin} for ${req.registry}: ${
        (e as Error)?.message ?? e
      }`,
      { hint: "Check the network and the registry's auth configuration.", cause: e },
    );
  }
  if (res.status === 401 || res.status === 403) {
    await res.body?.cancel();
    throw new CosignError(
      "AUTH",
      `Cannot authenticate to ${req.registry}: the token server refused ${
        cred ? "the credentials" : "anonymous access"
      } (${res.status}) for ${req.scopes.join(" ") || "the registry"}`,
      {
        hint:
          `Log in with "cosign-ts login ${req.registry} -u USER --password-stdin" (or docker login), or check your credentials.`,
      },
    );
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new CosignError(
      "NETWORK",
      `Cannot get a token for ${req.registry} from ${url.origin}: HTTP ${res.status}`,
    );
  }
  let json: Record<string, unknown>;
  try {
    json = await res.json();
  } catch (e) {
    throw new CosignError(
      "NETWORK",
      `Cannot get a token for ${req.registry}: the token server sent malformed JSON`,
      { cause: e },
    );
  }
  const token = typeof json.token === "string"
    ? json.token
    : typeof json.access_token === "string"
    ? json.access_token
    : undefined;
  if (!token) {
    throw new CosignError(
      "NETWORK",
      `Cannot get a token for ${req.registry}: the token server's answer has no token`,
    );
  }
  const expiresIn = typeof json.expires_in === "number" && json.expires_in > 0
    ? json.expires_in
    : 60;
  // Renew 10 s early (or at half-life for short tokens).
  const margin = Math.min(10, expiresIn / 2);
  return { token, expiresAt: started + (expiresIn - margin) * 1000 };
}
