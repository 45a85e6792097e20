/**
 * OIDC identity tokens for keyless signing, from the sources cosign accepts (no browser flow):
 * an explicit token (`--identity-token`, a JWT or, in the CLI, a path to a file holding one),
 * the `SIGSTORE_ID_TOKEN` environment variable, and GitHub Actions' token request
 * (`ACTIONS_ID_TOKEN_REQUEST_URL` + `ACTIONS_ID_TOKEN_REQUEST_TOKEN`, audience "sigstore").
 * Also decodes the claims Fulcio uses: the subject to prove possession of the key over.
 *
 * @example
 * ```ts
 * const token = await identityToken({ explicit: flags["identity-token"], env: ctx.env });
 * const { subject, issuer } = tokenIdentity(token);
 * ```
 * @module
 */
import { CosignError, describeError } from "./errors.ts";
import { readResponseBytes } from "./service_request.ts";
import { decodeJwt } from "jose";

/** Where the token came from. */
export type TokenSource = "flag" | "SIGSTORE_ID_TOKEN" | "github-actions";

/** Options for {@link identityToken}. */
export interface TokenOptions {
  /** A token given explicitly (`--identity-token`). */
  explicit?: string;
  /** Environment lookup. */
  env: (name: string) => string | undefined;
  /** Audience requested from GitHub Actions; default "sigstore". */
  audience?: string;
  /** Cancels the GitHub request. */
  signal?: AbortSignal;
}

/** A token and its source. */
export interface IdentityToken {
  /** The raw JWT. */
  token: string;
  /** Where it came from. */
  source: TokenSource;
}

/** The claims of a token that keyless signing needs. */
export interface TokenIdentity {
  /** What Fulcio puts in the certificate: the e-mail when present, else `sub`. */
  subject: string;
  /** The `iss` claim. */
  issuer: string;
  /** Expiry (seconds since the epoch), when present. */
  exp?: number;
  /** All claims. */
  claims: Record<string, unknown>;
}

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** True when the text looks like a compact JWT. */
export function looksLikeJwt(text: string): boolean {
  return JWT.test(text.trim());
}

/**
 * Finds an identity token: the explicit one, else `SIGSTORE_ID_TOKEN`, else a token requested
 * from GitHub Actions. Throws CosignError("USAGE") when there is none, CosignError("AUTH") when
 * GitHub refuses, CosignError("NETWORK") when it cannot be reached.
 */
export async function identityToken(opts: TokenOptions): Promise<IdentityToken> {
  if (opts.explicit !== undefined && opts.explicit.trim() !== "") {
    return { token: opts.explicit.trim(), source: "flag" };
  }
  const fromEnv = opts.env("SIGSTORE_ID_TOKEN");
  if (fromEnv !== undefined && fromEnv.trim() !== "") {
    return { token: fromEnv.trim(), source: "SIGSTORE_ID_TOKEN" };
  }
  const reqUrl = opts.env("ACTIONS_ID_TOKEN_REQUEST_URL");
  const reqToken = opts.env("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
  if (reqUrl && reqToken) {
    return { token: await githubActionsToken(reqUrl, reqToken, opts), source: "github-actions" };
  }
  throw new CosignError(
    "USAGE",
    "Cannot sign without a key: no OIDC identity token was given",
    {
      hint: "Pass --identity-token (a token or a file holding one), set SIGSTORE_ID_TOKEN, " +
        "run in GitHub Actions with `permissions: id-token: write`, or sign with --key.",
    },
  );
}

async function githubActionsToken(
  reqUrl: string,
  reqToken: string,
  opts: TokenOptions,
): Promise<string> {
  const u = new URL(reqUrl);
  u.searchParams.set("audience", opts.audience ?? "sigstore");
  let res: Response;
  try {
    res = await fetch(u, {
      headers: { authorization: `bearer ${reqToken}`, accept: "application/json" },
      signal: opts.signal ?? AbortSignal.timeout(30_000),
    });
  } catch (e) {
    throw new CosignError(
      "NETWORK",
      `Cannot request an identity token from GitHub Actions at ${u.origin}: ${describeError(e)}`,
      { hint: "Check ACTIONS_ID_TOKEN_REQUEST_URL.", cause: e },
    );
  }
  const text = new TextDecoder().decode(
    await readResponseBytes("GitHub Actions token service", u.origin, res, 1024 * 1024),
  );
  if (!res.ok) {
    throw new CosignError(
      res.status === 401 || res.status === 403 ? "AUTH" : "NETWORK",
      `GitHub Actions refused the identity token request: HTTP ${res.status}: ${
        text.slice(0, 200)
      }`,
      { hint: "Give the workflow `permissions: id-token: write`." },
    );
  }
  let value: unknown;
  try {
    value = (JSON.parse(text) as { value?: unknown }).value;
  } catch { /* handled below */ }
  if (typeof value !== "string" || !looksLikeJwt(value)) {
    throw new CosignError(
      "NETWORK",
      "GitHub Actions answered the identity token request without a token",
      { hint: "Check ACTIONS_ID_TOKEN_REQUEST_URL points at the Actions token service." },
    );
  }
  return value;
}

/**
 * Decodes a token's claims (no signature check: Fulcio checks it) and picks the identity.
 * Throws CosignError("INVALID_INPUT") for a token that is not a JWT or lacks `iss`/`sub`, and
 * for an expired token.
 */
export function tokenIdentity(token: string, now: Date = new Date()): TokenIdentity {
  const bad = (what: string) =>
    new CosignError("INVALID_INPUT", `Cannot use the OIDC identity token: ${what}`, {
      hint: "Pass a fresh OIDC identity token (a JWT from your identity provider).",
    });
  if (!looksLikeJwt(token)) throw bad("it is not a JWT (header.payload.signature)");
  let claims: Record<string, unknown>;
  try {
    claims = decodeJwt(token);
  } catch {
    throw bad("its payload is not base64url JSON");
  }
  if (typeof claims !== "object" || claims === null) throw bad("its payload is not an object");
  if (typeof claims.iss !== "string") throw bad('it has no "iss" claim');
  if (typeof claims.sub !== "string") throw bad('it has no "sub" claim');
  const exp = typeof claims.exp === "number" ? claims.exp : undefined;
  if (exp !== undefined && exp * 1000 < now.getTime()) {
    throw bad(`it expired at ${new Date(exp * 1000).toISOString()}`);
  }
  const email = typeof claims.email === "string" ? claims.email : undefined;
  return { subject: email ?? claims.sub, issuer: claims.iss, exp, claims };
}
