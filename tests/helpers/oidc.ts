/**
 * Test-time OIDC identity tokens: real signed JWTs (ES256, a fresh key per call unless one is
 * given), with the claims Fulcio reads. The mock Fulcio of {@link startSigstoreServices} does not
 * check the signature; the tokens are still well-formed so any client-side parsing is exercised.
 *
 * @example
 * ```ts
 * const token = await makeIdentityToken({ sub: "alice@example.com" });
 * await cosign(["sign-blob", "--identity-token", token, ...]);
 * ```
 * @module
 */

/** Claims for {@link makeIdentityToken}; anything else given is copied into the token. */
export interface TokenClaims {
  /** Subject; default "test-user@example.com". */
  sub?: string;
  /** Issuer; default "https://oidc.example.test". */
  iss?: string;
  /** Audience; default "sigstore". */
  aud?: string | string[];
  /** E-mail claim; default the subject when it contains "@". */
  email?: string;
  /** Default true when an e-mail is present. */
  email_verified?: boolean;
  /** Lifetime in seconds; default 600. Negative gives an expired token. */
  ttlSeconds?: number;
  /** Extra claims (GitHub Actions ones, e.g. `repository`, `workflow_ref`). */
  [claim: string]: unknown;
}

/** Default issuer of test tokens. */
export const TEST_ISSUER = "https://oidc.example.test";

/** Makes a signed (ES256) OIDC identity token. */
export async function makeIdentityToken(claims: TokenClaims = {}): Promise<string> {
  const jose = await import("jose");
  const { sub = "test-user@example.com", iss = TEST_ISSUER, aud = "sigstore", ttlSeconds = 600 } =
    claims;
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(claims)) {
    if (!["sub", "iss", "aud", "ttlSeconds"].includes(k) && v !== undefined) extra[k] = v;
  }
  if (extra.email === undefined && sub.includes("@")) extra.email = sub;
  if (extra.email !== undefined && extra.email_verified === undefined) extra.email_verified = true;
  const { privateKey } = await jose.generateKeyPair("ES256");
  const now = Math.floor(Date.now() / 1000);
  return await new jose.SignJWT(extra)
    .setProtectedHeader({ alg: "ES256", kid: "test" })
    .setSubject(sub)
    .setIssuer(iss)
    .setAudience(aud)
    .setIssuedAt(now)
    .setNotBefore(now - 60)
    .setExpirationTime(now + ttlSeconds)
    .sign(privateKey);
}
