/**
 * An in-repo stand-in for Google Cloud KMS and its credential services, served on 127.0.0.1,
 * written from Google's API documentation (Cloud KMS REST v1, OAuth 2.0 for service accounts,
 * the Compute Engine metadata server). It checks what the real services check:
 *
 * - OAuth2 token endpoint (`POST /token`, RFC 7523 JWT bearer grant): the assertion is a JWT
 *   signed RS256 with a registered service account's key (`kid` = the key id when present),
 *   `iss` that account, `aud` this token URI, `iat`/`exp` present, at most one hour apart and
 *   current, a `scope` that includes cloud-platform or cloudkms; answers Google's OAuth error
 *   JSON (`invalid_grant`, `invalid_scope`, `unsupported_grant_type`) otherwise;
 * - the same endpoint's refresh-token grant (gcloud's `authorized_user` credentials): the OAuth
 *   client id and secret, then a refresh token that was issued and not revoked;
 * - workload identity federation: Google STS (`POST /sts/v1/token`, RFC 8693: grant and token
 *   types, a registered pool provider, the subject OIDC JWT's issuer signature, audience and
 *   expiry), IAM Credentials (`POST /iamcredentials/v1/…:generateAccessToken`: the federated
 *   principal must be allowed to impersonate the account), and a CI's OIDC token service
 *   (`GET /oidc-token`, bearer request token, as GitHub Actions);
 * - metadata server (`GET /computeMetadata/v1/instance/service-accounts/default/token`): only
 *   with `Metadata-Flavor: Google`;
 * - Cloud KMS (`/v1/…`): a current bearer token with a KMS scope, then IAM-like permissions per
 *   account on the resource or an ancestor (roles viewer / signerVerifier / admin, as Google
 *   names their permissions), then the resource's existence and state; asymmetricSign checks the
 *   digest's algorithm and length against the key's, the optional `digestCrc32c`, and signs with
 *   a real key (@noble/curves for ECDSA, node:crypto for RSA PKCS#1), answering the signature's
 *   CRC32C. Errors are Google's JSON (`{"error":{"code","message","status"}}`).
 *
 * Faults for error tests: `fault = "hang"` (never answers KMS calls), `"garbage"` (200 with text
 * that is not JSON), `"wrong-signature"` (a valid-looking signature by another key).
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { sha256, sha384 } from "@noble/hashes/sha2.js";
import { generateKeyPair, importSPKI, jwtVerify, SignJWT } from "jose";
import { Buffer } from "node:buffer";
import { type StandinHash, standinKey, type StandinKeyType } from "./kms_standin_keys.ts";

/** The OAuth client gcloud's user credentials name (the stand-in's only one). */
const OAUTH_CLIENT = {
  id: "764086051850-standin.apps.googleusercontent.com",
  secret: "d-FL95Q-standin",
};

/** Roles and the Cloud KMS permissions they hold (a subset of Google's predefined roles). */
export const GCP_ROLES: Record<string, string[]> = {
  "roles/cloudkms.viewer": [
    "cloudkms.keyRings.get",
    "cloudkms.cryptoKeys.get",
    "cloudkms.cryptoKeyVersions.get",
    "cloudkms.cryptoKeyVersions.list",
  ],
  "roles/cloudkms.signerVerifier": [
    "cloudkms.cryptoKeyVersions.useToSign",
    "cloudkms.cryptoKeyVersions.useToVerify",
    "cloudkms.cryptoKeyVersions.viewPublicKey",
  ],
  "roles/cloudkms.admin": [
    "cloudkms.keyRings.get",
    "cloudkms.keyRings.create",
    "cloudkms.cryptoKeys.get",
    "cloudkms.cryptoKeys.create",
    "cloudkms.cryptoKeyVersions.get",
    "cloudkms.cryptoKeyVersions.list",
  ],
};

/** Key algorithms the stand-in can create. */
export type GcpStandinAlgorithm =
  | "EC_SIGN_P256_SHA256"
  | "EC_SIGN_P384_SHA384"
  | "RSA_SIGN_PKCS1_2048_SHA256"
  | "GOOGLE_SYMMETRIC_ENCRYPTION";

interface Version {
  name: string;
  state: string;
  algorithm: string;
  pem: string;
  sign(digest: Uint8Array): Uint8Array;
  pendingReads: number;
}

interface CryptoKey_ {
  name: string;
  purpose: string;
  algorithm: string;
  versions: Version[];
}

/** A running stand-in. */
export interface GcpKmsStandin {
  /** `http://127.0.0.1:PORT/` (the Cloud KMS base URL for CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDKMS). */
  url: string;
  /** The OAuth2 token endpoint (`token_uri` of service-account files). */
  tokenUri: string;
  /** `127.0.0.1:PORT` for GCE_METADATA_HOST. */
  metadataHost: string;
  /** Projects that exist. */
  projects: Set<string>;
  /** How many reads of a new key's first version see PENDING_GENERATION (default 1). */
  generationReads?: number;
  /** Fault injected into KMS answers. */
  fault?: "hang" | "garbage" | "wrong-signature";
  /** Requests seen: "METHOD /path" (no headers or bodies). */
  requests: string[];
  /** Registers a service account; returns its key file (JSON object, as IAM downloads it). */
  addServiceAccount(email: string): Record<string, string>;
  /**
   * Signs a user in as `gcloud auth application-default login` does; returns the
   * `authorized_user` credentials file (JSON object) with a refresh token for `email`.
   */
  addUser(email: string): Record<string, string>;
  /** Registers a workload identity pool provider (its `//iam.googleapis.com/…` audience). */
  addWorkloadProvider(audience: string): void;
  /** Lets a federated principal (`principal://…/subject/SUB`) impersonate a service account. */
  allowImpersonation(principal: string, email: string): void;
  /** The federated principal of `sub` in a provider's pool. */
  principalOf(audience: string, sub: string): string;
  /** An OIDC token from the trusted issuer for `sub` and `aud` (lifetime in seconds, default 300). */
  oidcToken(sub: string, aud: string, lifetime?: number): Promise<string>;
  /** The OIDC token service (`GET ?audience=`, `Authorization: Bearer` {@link oidcRequestToken}). */
  oidcTokenUrl: string;
  /** The bearer token the OIDC token service wants. */
  oidcRequestToken: string;
  /** Google STS (`token_url`). */
  stsUrl: string;
  /** IAM Credentials generateAccessToken URL of a service account. */
  impersonationUrl(email: string): string;
  /** Revokes a refresh token. */
  revoke(refreshToken: string): void;
  /** The account the metadata server hands tokens for. */
  metadataAccount?: string;
  /** Grants `role` to `email` on `resource` (a project, key ring or key name) and below. */
  grant(email: string, resource: string, role: keyof typeof GCP_ROLES | string): void;
  /** Creates a key ring (if needed) and a key with one enabled version; returns the key name. */
  addKey(keyName: string, algorithm: GcpStandinAlgorithm): void;
  /** Adds a version to a key (enabled unless `state` says otherwise). */
  addVersion(keyName: string, state?: string): string;
  /** The PEM public key of a version. */
  publicKeyPem(versionName: string): string;
  /** Stops the server. */
  stop(): Promise<void>;
}

function crc32c(bytes: Uint8Array): number {
  // Bitwise CRC32C, independent of the table-driven one in plugins/kms-gcp.
  let c = ~0 >>> 0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0x82f63b78 & -(c & 1));
  }
  return (~c) >>> 0;
}

const HASH_OF: Record<string, { name: string; fn: (m: Uint8Array) => Uint8Array }> = {
  EC_SIGN_P256_SHA256: { name: "sha256", fn: sha256 },
  EC_SIGN_P384_SHA384: { name: "sha384", fn: sha384 },
  RSA_SIGN_PKCS1_2048_SHA256: { name: "sha256", fn: sha256 },
};

const STANDIN_TYPE: Record<string, StandinKeyType> = {
  EC_SIGN_P256_SHA256: "ecdsa-p256",
  EC_SIGN_P384_SHA384: "ecdsa-p384",
  RSA_SIGN_PKCS1_2048_SHA256: "rsa-2048",
};

/** A real key for an algorithm (tests/helpers/kms_standin_keys.ts); none for symmetric keys. */
function makeKeyMaterial(algorithm: string): { pem: string; sign(d: Uint8Array): Uint8Array } {
  const type = STANDIN_TYPE[algorithm];
  if (!type) return { pem: "", sign: () => new Uint8Array() };
  const key = standinKey(type);
  const hash = HASH_OF[algorithm].name as StandinHash;
  return { pem: key.pem, sign: (digest) => key.signDigest(digest, hash) };
}

/** Starts the stand-in on 127.0.0.1 (a free port). Stop it with `stop()`. */
export async function startGcpKmsStandin(): Promise<GcpKmsStandin> {
  const accounts = new Map<string, { keyId: string; publicKey: KeyObject }>();
  const users = new Map<string, string>(); // refresh token → user e-mail
  const providers = new Set<string>(); // workload identity pool providers (audiences)
  const impersonators = new Map<string, Set<string>>(); // service account → principals
  const oidcIssuer = await generateKeyPair("ES256");
  const oidcRequestToken = `standin-request-${crypto.randomUUID()}`;
  const grants: { email: string; resource: string; role: string }[] = [];
  const tokens = new Map<string, { email: string; exp: number; scopes: string[] }>();
  const keyRings = new Set<string>();
  const keys = new Map<string, CryptoKey_>();
  const hanging = new Set<ServerResponse>();
  const other = makeKeyMaterial("EC_SIGN_P256_SHA256");
  let url = "";

  const allowed = (email: string, resource: string, permission: string) =>
    grants.some((g) =>
      g.email === email && (resource === g.resource || resource.startsWith(`${g.resource}/`)) &&
      (GCP_ROLES[g.role] ?? []).includes(permission)
    );

  const send = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json; charset=UTF-8" });
    res.end(text);
  };
  const apiError = (res: ServerResponse, code: number, status: string, message: string) =>
    send(res, code, { error: { code, message, status } });
  const oauthError = (res: ServerResponse, code: number, error: string, description: string) =>
    send(res, code, { error, error_description: description });

  const readBody = (req: IncomingMessage): Promise<string> =>
    new Promise((resolve) => {
      const parts: Buffer[] = [];
      req.on("data", (c: Buffer) => parts.push(c));
      req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    });

  const issue = (email: string, scopes: string[]) => {
    const token = `ya29.standin-${crypto.randomUUID()}`;
    tokens.set(token, { email, exp: Date.now() + 3600_000, scopes });
    return { access_token: token, expires_in: 3599, token_type: "Bearer" };
  };

  /** The refresh-token grant (gcloud's user credentials): the OAuth client, then the token. */
  function refreshGrant(form: URLSearchParams, res: ServerResponse) {
    const user = users.get(form.get("refresh_token") ?? "");
    if (
      form.get("client_id") !== OAUTH_CLIENT.id || form.get("client_secret") !== OAUTH_CLIENT.secret
    ) {
      return oauthError(res, 401, "invalid_client", "The OAuth client was not found.");
    }
    if (!user) return oauthError(res, 400, "invalid_grant", "Token has been expired or revoked.");
    send(res, 200, issue(user, ["https://www.googleapis.com/auth/cloud-platform"]));
  }

  /** The federated principal of a subject in a provider's pool. */
  const principalOf = (audience: string, sub: string) =>
    `principal://iam.googleapis.com/${
      audience.replace(/^\/\/iam\.googleapis\.com\//, "").replace(/\/providers\/[^/]+$/, "")
    }/subject/${sub}`;

  /**
   * Google STS token exchange (RFC 8693): grant and token types, a registered provider, a scope,
   * and the subject token: an OIDC JWT signed by the trusted issuer whose `aud` is the provider's
   * default audience (`https:` + its name) and that has not expired.
   */
  async function stsEndpoint(req: IncomingMessage, res: ServerResponse) {
    const form = new URLSearchParams(await readBody(req));
    if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:token-exchange") {
      return oauthError(res, 400, "unsupported_grant_type", `Invalid value for "grant_type".`);
    }
    if (form.get("requested_token_type") !== "urn:ietf:params:oauth:token-type:access_token") {
      return oauthError(res, 400, "invalid_request", `Invalid value for "requested_token_type".`);
    }
    const type = form.get("subject_token_type");
    if (
      type !== "urn:ietf:params:oauth:token-type:jwt" &&
      type !== "urn:ietf:params:oauth:token-type:id_token"
    ) {
      return oauthError(res, 400, "invalid_request", `Invalid value for "subject_token_type".`);
    }
    const audience = form.get("audience") ?? "";
    if (!providers.has(audience)) {
      return oauthError(
        res,
        400,
        "invalid_target",
        'The target service indicated by the "audience" parameters is invalid.',
      );
    }
    if (!form.get("scope")) return oauthError(res, 400, "invalid_scope", "Missing scope.");
    let sub: string;
    try {
      const { payload } = await jwtVerify(form.get("subject_token") ?? "", oidcIssuer.publicKey, {
        audience: `https:${audience}`,
        requiredClaims: ["sub", "exp"],
      });
      sub = String(payload.sub);
    } catch (e) {
      return oauthError(
        res,
        400,
        "invalid_grant",
        `The audience, signature or lifetime of the subject token is invalid: ${
          (e as Error).message
        }`,
      );
    }
    const t = issue(principalOf(audience, sub), [form.get("scope")!]);
    send(res, 200, { ...t, issued_token_type: "urn:ietf:params:oauth:token-type:access_token" });
  }

  /** IAM Credentials generateAccessToken: a federated token allowed to act as the account. */
  async function generateAccessToken(req: IncomingMessage, res: ServerResponse, email: string) {
    const token = tokens.get((req.headers.authorization ?? "").replace(/^Bearer /, ""));
    const body = await readBody(req);
    if (!token || token.exp < Date.now()) {
      return apiError(
        res,
        401,
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials.",
      );
    }
    if (!accounts.has(email) || !impersonators.get(email)?.has(token.email)) {
      return apiError(
        res,
        403,
        "PERMISSION_DENIED",
        `Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).`,
      );
    }
    let scope: unknown;
    try {
      scope = JSON.parse(body).scope;
    } catch { /* below */ }
    if (!Array.isArray(scope) || !scope.length) {
      return apiError(res, 400, "INVALID_ARGUMENT", "Scope required.");
    }
    const t = issue(email, scope as string[]);
    send(res, 200, {
      accessToken: t.access_token,
      expireTime: new Date(Date.now() + 3600_000).toISOString(),
    });
  }

  async function tokenEndpoint(req: IncomingMessage, res: ServerResponse) {
    const form = new URLSearchParams(await readBody(req));
    if (form.get("grant_type") === "refresh_token") return refreshGrant(form, res);
    if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer") {
      return oauthError(
        res,
        400,
        "unsupported_grant_type",
        `Invalid grant_type: ${form.get("grant_type") ?? ""}`,
      );
    }
    const assertion = form.get("assertion") ?? "";
    let claims: Record<string, unknown>;
    let header: Record<string, unknown>;
    try {
      const [h, c] = assertion.split(".").slice(0, 2).map((p) =>
        JSON.parse(Buffer.from(p, "base64url").toString("utf8"))
      );
      header = h;
      claims = c;
    } catch {
      return oauthError(res, 400, "invalid_grant", "Invalid JWT: not a JWT.");
    }
    const account = typeof claims.iss === "string" ? accounts.get(claims.iss) : undefined;
    if (!account) return oauthError(res, 400, "invalid_grant", "Invalid grant: account not found");
    if (header.alg !== "RS256") {
      return oauthError(res, 400, "invalid_grant", "Invalid JWT Signature.");
    }
    if (header.kid !== undefined && header.kid !== account.keyId) {
      return oauthError(res, 400, "invalid_grant", "Invalid JWT Signature.");
    }
    try {
      await jwtVerify(
        assertion,
        await importSPKI(
          account.publicKey.export({ type: "spki", format: "pem" }) as string,
          "RS256",
        ),
        {
          algorithms: ["RS256"],
          issuer: claims.iss as string,
          audience: `${url}token`,
          requiredClaims: ["iat", "exp"],
        },
      );
    } catch (e) {
      const code = (e as { code?: string }).code ?? "";
      if (code === "ERR_JWS_SIGNATURE_VERIFICATION_FAILED") {
        return oauthError(res, 400, "invalid_grant", "Invalid JWT Signature.");
      }
      return oauthError(res, 400, "invalid_grant", `Invalid JWT: ${(e as Error).message}`);
    }
    const iat = Number(claims.iat), exp = Number(claims.exp), now = Date.now() / 1000;
    if (exp - iat > 3600 || iat > now + 300) {
      return oauthError(
        res,
        400,
        "invalid_grant",
        "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.",
      );
    }
    const scopes = String(claims.scope ?? "").split(" ").filter(Boolean);
    if (!scopes.length) {
      return oauthError(
        res,
        400,
        "invalid_scope",
        "Invalid OAuth scope or ID token audience provided.",
      );
    }
    send(res, 200, issue(claims.iss as string, scopes));
  }

  function version(keyName: string, state = "ENABLED"): Version {
    const key = keys.get(keyName)!;
    const id = key.versions.length + 1;
    const material = makeKeyMaterial(key.algorithm);
    const v: Version = {
      name: `${keyName}/cryptoKeyVersions/${id}`,
      state,
      algorithm: key.algorithm,
      pem: material.pem,
      sign: material.sign,
      pendingReads: 0,
    };
    key.versions.push(v);
    return v;
  }

  const versionJson = (v: Version) => {
    if (v.state === "PENDING_GENERATION" && v.pendingReads-- <= 0) v.state = "ENABLED";
    return {
      name: v.name,
      state: v.state,
      protectionLevel: "SOFTWARE",
      algorithm: v.algorithm,
      createTime: "2026-12-02T08:00:00.000000Z",
    };
  };
  const keyJson = (k: CryptoKey_) => ({
    name: k.name,
    purpose: k.purpose,
    createTime: "2026-12-02T08:00:00.000000Z",
    versionTemplate: { protectionLevel: "SOFTWARE", algorithm: k.algorithm },
  });

  async function kms(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    query: URLSearchParams,
  ) {
    const auth = req.headers.authorization ?? "";
    const token = tokens.get(auth.replace(/^Bearer /, ""));
    if (!auth.startsWith("Bearer ") || !token || token.exp < Date.now()) {
      return apiError(
        res,
        401,
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
      );
    }
    if (
      !token.scopes.some((s) =>
        s === "https://www.googleapis.com/auth/cloud-platform" ||
        s === "https://www.googleapis.com/auth/cloudkms"
      )
    ) {
      return apiError(
        res,
        403,
        "PERMISSION_DENIED",
        "Request had insufficient authentication scopes.",
      );
    }
    if (fault === "hang") {
      hanging.add(res);
      return;
    }
    if (fault === "garbage") {
      res.writeHead(200, { "content-type": "text/html" });
      return res.end("<html><body>Service Unavailable</body></html>");
    }
    const email = token.email;
    const need = (resource: string, permission: string): boolean => {
      const project = resource.split("/")[1];
      if (!projects.has(project) || !allowed(email, resource, permission)) {
        apiError(
          res,
          403,
          "PERMISSION_DENIED",
          `Permission '${permission}' denied on resource '${resource}' (or it may not exist).`,
        );
        return false;
      }
      return true;
    };
    const body = req.method === "POST" ? await readBody(req) : "";
    let m: RegExpExecArray | null;
    const RING = "projects/[^/]+/locations/[^/]+/keyRings/[^/]+";
    const KEY = `${RING}/cryptoKeys/[^/]+`;
    const VERSION = `${KEY}/cryptoKeyVersions/[^/:]+`;
    if (req.method === "GET" && (m = new RegExp(`^(${RING})$`).exec(path))) {
      if (!need(m[1], "cloudkms.keyRings.get")) return;
      if (!keyRings.has(m[1])) return apiError(res, 404, "NOT_FOUND", `KeyRing ${m[1]} not found.`);
      return send(res, 200, { name: m[1], createTime: "2026-12-02T08:00:00.000000Z" });
    }
    if (
      req.method === "POST" && (m = /^(projects\/[^/]+\/locations\/[^/]+)\/keyRings$/.exec(path))
    ) {
      const id = query.get("keyRingId") ?? "";
      const name = `${m[1]}/keyRings/${id}`;
      if (!need(m[1], "cloudkms.keyRings.create")) return;
      if (!/^[a-zA-Z0-9_-]{1,63}$/.test(id)) {
        return apiError(res, 400, "INVALID_ARGUMENT", "Invalid key ring ID.");
      }
      if (keyRings.has(name)) {
        return apiError(res, 409, "ALREADY_EXISTS", `KeyRing ${name} already exists.`);
      }
      keyRings.add(name);
      return send(res, 200, { name, createTime: "2026-12-02T08:00:00.000000Z" });
    }
    if (req.method === "GET" && (m = new RegExp(`^(${KEY})$`).exec(path))) {
      if (!need(m[1], "cloudkms.cryptoKeys.get")) return;
      const k = keys.get(m[1]);
      if (!k) return apiError(res, 404, "NOT_FOUND", `CryptoKey ${m[1]} not found.`);
      return send(res, 200, keyJson(k));
    }
    if (req.method === "POST" && (m = new RegExp(`^(${RING})/cryptoKeys$`).exec(path))) {
      const id = query.get("cryptoKeyId") ?? "";
      const name = `${m[1]}/cryptoKeys/${id}`;
      if (!need(m[1], "cloudkms.cryptoKeys.create")) return;
      if (!keyRings.has(m[1])) return apiError(res, 404, "NOT_FOUND", `KeyRing ${m[1]} not found.`);
      if (keys.has(name)) {
        return apiError(res, 409, "ALREADY_EXISTS", `CryptoKey ${name} already exists.`);
      }
      let spec: { purpose?: string; versionTemplate?: { algorithm?: string } };
      try {
        spec = JSON.parse(body);
      } catch {
        return apiError(res, 400, "INVALID_ARGUMENT", "Invalid JSON payload received.");
      }
      const alg = spec.versionTemplate?.algorithm ?? "";
      if (spec.purpose !== "ASYMMETRIC_SIGN" || !HASH_OF[alg]) {
        return apiError(
          res,
          400,
          "INVALID_ARGUMENT",
          `Algorithm ${alg} is not valid for purpose ${spec.purpose}.`,
        );
      }
      keys.set(name, { name, purpose: "ASYMMETRIC_SIGN", algorithm: alg, versions: [] });
      const v = version(name, "PENDING_GENERATION");
      // Key generation is asynchronous: the first reads still see PENDING_GENERATION.
      v.pendingReads = state.generationReads ?? 1;
      return send(res, 200, keyJson(keys.get(name)!));
    }
    if (req.method === "GET" && (m = new RegExp(`^(${KEY})/cryptoKeyVersions$`).exec(path))) {
      if (!need(m[1], "cloudkms.cryptoKeyVersions.list")) return;
      const k = keys.get(m[1]);
      if (!k) return apiError(res, 404, "NOT_FOUND", `CryptoKey ${m[1]} not found.`);
      const filter = query.get("filter");
      if (filter && filter !== "state=ENABLED") {
        return apiError(res, 400, "INVALID_ARGUMENT", `Invalid filter ${filter}`);
      }
      const list = k.versions.map(versionJson).filter((v) => !filter || v.state === "ENABLED");
      if (query.get("orderBy") === "name desc") list.sort((a, b) => (a.name < b.name ? 1 : -1));
      return send(res, 200, { cryptoKeyVersions: list, totalSize: list.length });
    }
    const findVersion = (name: string): Version | undefined => {
      const keyName = name.replace(/\/cryptoKeyVersions\/[^/]+$/, "");
      return keys.get(keyName)?.versions.find((v) => v.name === name);
    };
    /** The version when it exists and is enabled; else answers 404 or FAILED_PRECONDITION. */
    const enabledVersion = (name: string): Version | undefined => {
      const v = findVersion(name);
      if (!v) apiError(res, 404, "NOT_FOUND", `CryptoKeyVersion ${name} not found.`);
      else if (v.state !== "ENABLED") {
        apiError(
          res,
          400,
          "FAILED_PRECONDITION",
          `${v.name} is not enabled, current state is: ${v.state}.`,
        );
      } else return v;
      return undefined;
    };
    if (req.method === "GET" && (m = new RegExp(`^(${VERSION})$`).exec(path))) {
      if (!need(m[1], "cloudkms.cryptoKeyVersions.get")) return;
      const v = findVersion(m[1]);
      if (!v) return apiError(res, 404, "NOT_FOUND", `CryptoKeyVersion ${m[1]} not found.`);
      return send(res, 200, versionJson(v));
    }
    if (req.method === "GET" && (m = new RegExp(`^(${VERSION})/publicKey$`).exec(path))) {
      if (!need(m[1], "cloudkms.cryptoKeyVersions.viewPublicKey")) return;
      const v = enabledVersion(m[1]);
      if (!v) return;
      return send(res, 200, {
        pem: v.pem,
        algorithm: v.algorithm,
        pemCrc32c: String(crc32c(new TextEncoder().encode(v.pem))),
        name: v.name,
        protectionLevel: "SOFTWARE",
      });
    }
    if (req.method === "POST" && (m = new RegExp(`^(${VERSION}):asymmetricSign$`).exec(path))) {
      if (!need(m[1], "cloudkms.cryptoKeyVersions.useToSign")) return;
      const v = enabledVersion(m[1]);
      if (!v) return;
      let r: { digest?: Record<string, string>; digestCrc32c?: string };
      try {
        r = JSON.parse(body);
      } catch {
        return apiError(res, 400, "INVALID_ARGUMENT", "Invalid JSON payload received.");
      }
      const hash = HASH_OF[v.algorithm];
      const names = Object.keys(r.digest ?? {});
      if (names.length !== 1 || names[0] !== hash.name) {
        return apiError(
          res,
          400,
          "INVALID_ARGUMENT",
          `The requested digest type ${
            names.join(",") || "(none)"
          } does not match the algorithm ${v.algorithm} of ${v.name}.`,
        );
      }
      const digest = new Uint8Array(Buffer.from(r.digest![hash.name], "base64"));
      if (digest.length !== hash.fn(new Uint8Array()).length) {
        return apiError(res, 400, "INVALID_ARGUMENT", "The provided digest has the wrong length.");
      }
      if (r.digestCrc32c !== undefined && Number(r.digestCrc32c) !== crc32c(digest)) {
        return apiError(
          res,
          400,
          "INVALID_ARGUMENT",
          "The checksum in field digest_crc32c did not match the data in field digest.",
        );
      }
      const signature = fault === "wrong-signature" ? other.sign(digest) : v.sign(digest);
      return send(res, 200, {
        signature: Buffer.from(signature).toString("base64"),
        signatureCrc32c: String(crc32c(signature)),
        verifiedDigestCrc32c: r.digestCrc32c !== undefined,
        name: v.name,
        protectionLevel: "SOFTWARE",
      });
    }
    apiError(res, 404, "NOT_FOUND", `The requested URL ${path} was not found on this server.`);
  }

  const projects = new Set<string>();
  let fault: GcpKmsStandin["fault"];
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://127.0.0.1");
    requests.push(`${req.method} ${u.pathname}`);
    const done = (p: Promise<unknown>) =>
      Promise.resolve(p).catch((e) => {
        if (!res.headersSent) apiError(res, 500, "INTERNAL", String(e));
      });
    if (u.pathname === "/token" && req.method === "POST") return done(tokenEndpoint(req, res));
    if (u.pathname === "/sts/v1/token" && req.method === "POST") return done(stsEndpoint(req, res));
    const impersonate =
      /^\/iamcredentials\/v1\/projects\/-\/serviceAccounts\/([^/:]+):generateAccessToken$/
        .exec(u.pathname);
    if (impersonate && req.method === "POST") {
      return done(generateAccessToken(req, res, decodeURIComponent(impersonate[1])));
    }
    if (u.pathname === "/oidc-token" && req.method === "GET") {
      // A CI's OIDC token service (as GitHub Actions' ACTIONS_ID_TOKEN_REQUEST_URL).
      if (req.headers.authorization !== `Bearer ${oidcRequestToken}`) {
        return send(res, 401, { message: "Bad credentials" });
      }
      return done(
        state.oidcToken("repo:org/app:ref:refs/heads/main", u.searchParams.get("audience") ?? "")
          .then((value) => send(res, 200, { value })),
      );
    }
    if (u.pathname === "/computeMetadata/v1/instance/service-accounts/default/token") {
      if (req.headers["metadata-flavor"] !== "Google") {
        res.writeHead(403, { "content-type": "text/html" });
        return res.end('Missing required header "Metadata-Flavor": "Google"');
      }
      if (!state.metadataAccount) return send(res, 404, "not found");
      const scopes =
        (u.searchParams.get("scopes") ?? "https://www.googleapis.com/auth/cloud-platform").split(
          ",",
        );
      return send(res, 200, issue(state.metadataAccount, scopes));
    }
    if (u.pathname.startsWith("/v1/")) {
      return done(kms(req, res, decodeURIComponent(u.pathname.slice(4)), u.searchParams));
    }
    apiError(res, 404, "NOT_FOUND", "Not found");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  url = `http://127.0.0.1:${port}/`;

  const state: GcpKmsStandin = {
    url,
    tokenUri: `${url}token`,
    metadataHost: `127.0.0.1:${port}`,
    projects,
    requests,
    get fault() {
      return fault;
    },
    set fault(f) {
      fault = f;
    },
    addUser(email) {
      const refresh = `1//standin-${crypto.randomUUID()}`;
      users.set(refresh, email);
      return {
        type: "authorized_user",
        client_id: OAUTH_CLIENT.id,
        client_secret: OAUTH_CLIENT.secret,
        refresh_token: refresh,
        token_uri: `${url}token`,
      };
    },
    addWorkloadProvider(audience) {
      providers.add(audience);
    },
    allowImpersonation(principal, email) {
      if (!impersonators.has(email)) impersonators.set(email, new Set());
      impersonators.get(email)!.add(principal);
    },
    principalOf,
    oidcToken(sub, aud, lifetime = 300) {
      return new SignJWT({ repository: "org/app" })
        .setProtectedHeader({ alg: "ES256", typ: "JWT" })
        .setIssuer("https://token.actions.githubusercontent.com")
        .setSubject(sub)
        .setAudience(aud)
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + lifetime)
        .sign(oidcIssuer.privateKey);
    },
    oidcTokenUrl: `${url}oidc-token`,
    oidcRequestToken,
    stsUrl: `${url}sts/v1/token`,
    impersonationUrl: (email) =>
      `${url}iamcredentials/v1/projects/-/serviceAccounts/${
        encodeURIComponent(email)
      }:generateAccessToken`,
    revoke(refreshToken) {
      users.delete(refreshToken);
    },
    addServiceAccount(email) {
      const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
      const keyId = crypto.randomUUID().replaceAll("-", "");
      accounts.set(email, { keyId, publicKey });
      return {
        type: "service_account",
        project_id: email.split("@")[1]?.split(".")[0] ?? "",
        private_key_id: keyId,
        private_key: privateKey.export({ type: "pkcs8", format: "pem" }) as string,
        client_email: email,
        client_id: "100000000000000000001",
        auth_uri: "https://accounts.google.com/o/oauth2/auth",
        token_uri: `${url}token`,
      };
    },
    grant(email, resource, role) {
      grants.push({ email, resource, role });
    },
    addKey(keyName, algorithm) {
      keyRings.add(keyName.replace(/\/cryptoKeys\/[^/]+$/, ""));
      keys.set(keyName, {
        name: keyName,
        purpose: algorithm === "GOOGLE_SYMMETRIC_ENCRYPTION"
          ? "ENCRYPT_DECRYPT"
          : "ASYMMETRIC_SIGN",
        algorithm,
        versions: [],
      });
      version(keyName);
    },
    addVersion(keyName, state = "ENABLED") {
      return version(keyName, state).name;
    },
    publicKeyPem(versionName) {
      const keyName = versionName.replace(/\/cryptoKeyVersions\/[^/]+$/, "");
      return keys.get(keyName)!.versions.find((v) => v.name === versionName)!.pem;
    },
    async stop() {
      for (const r of hanging) r.destroy();
      server.closeAllConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  return state;
}
