/**
 * An in-repo stand-in for Microsoft Entra ID's token endpoint and Azure Key Vault's keys API,
 * served on 127.0.0.1, written from Microsoft's documentation (OAuth 2.0 client credentials
 * flow, Key Vault REST API 7.4: get key, create key, sign). It checks what the real services
 * check:
 *
 * - token endpoint (`POST /{tenant}/oauth2/v2.0/token`): grant_type client_credentials, a known
 *   tenant, an application registered in it, its client secret or a certificate client assertion
 *   (x5t of an uploaded certificate, RS256 signature, aud, iss = sub, jti, exp), a `…/.default` scope; answers
 *   Entra ID's error JSON with AADSTS codes otherwise. Tokens are JWTs (ES256, signed by the
 *   stand-in) with `aud` the scope's resource, `tid`, `appid`, an hour's lifetime;
 * - vault (`/{vault host}/keys/…?api-version=`): the api-version, a bearer token whose signature,
 *   expiry, audience (`https://vault.azure.net`, or `https://vault.azure.cn` for `*.vault.azure.cn`) and tenant (the vault's) check out (401 with a
 *   `WWW-Authenticate` challenge otherwise), the application's key permissions in the vault's
 *   access policy (get, sign, create; 403 otherwise), key names and versions (404
 *   `KeyNotFound`), the sign algorithm against the key and the digest length. Signatures are
 *   made with real keys (tests/helpers/kms_standin_keys.ts), ECDSA answered as raw r‖s as Key
 *   Vault does.
 *
 * - managed identity: IMDS (`GET /metadata/identity/oauth2/token`, `Metadata: true`) and the App
 *   Service endpoint (`GET /msi/token`, `X-IDENTITY-HEADER`), api-version and resource checked,
 *   `client_id` must name the configured identity.
 *
 * Faults for error tests: `fault = "hang" | "garbage" | "wrong-signature"` on vault calls.
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createHash, createPublicKey, type KeyObject, X509Certificate } from "node:crypto";
import { Buffer } from "node:buffer";
import { p256, p384 } from "@noble/curves/nist.js";
import { decodeProtectedHeader, generateKeyPair, jwtVerify, SignJWT } from "jose";
import { type StandinHash, standinKey, type StandinKeyType } from "./kms_standin_keys.ts";

/** Key types the stand-in can hold. */
export type AzureStandinKeyType = "EC-P-256" | "EC-P-384" | "RSA-2048";

interface KeyVersion {
  version: string;
  kty: string;
  crv?: string;
  jwk: Record<string, string>;
  pem: string;
  sign(alg: string, digest: Uint8Array): Uint8Array | string;
}

interface Vault {
  tenant: string;
  policies: Map<string, Set<string>>;
  keys: Map<string, KeyVersion[]>;
}

/** A running stand-in. */
export interface AzureKvStandin {
  /** `http://127.0.0.1:PORT/` for AZURE_AUTHORITY_HOST. */
  authorityHost: string;
  /** For COSIGN_TS_AZURE_VAULT_ENDPOINT: `http://127.0.0.1:PORT/{vault}`. */
  vaultEndpoint: string;
  /**
   * The managed identity the metadata endpoints hand tokens for (IMDS at `authorityHost`, for
   * AZURE_POD_IDENTITY_AUTHORITY_HOST; App Service at `${authorityHost}msi/token`, for
   * IDENTITY_ENDPOINT, with `identityHeader` as IDENTITY_HEADER).
   */
  managedIdentity?: { tenant: string; clientId: string; identityHeader: string };
  /** Fault injected into vault answers. */
  fault?: "hang" | "garbage" | "wrong-signature";
  /** Requests seen: "METHOD /path" (no headers or bodies). */
  requests: string[];
  /** Bodies of create-key requests, parsed. */
  created: unknown[];
  /** Uploads a certificate (PEM) to an application (registering it if needed) in a tenant. */
  addAppCertificate(tenant: string, clientId: string, certPem: string): void;
  /** Registers an application (service principal) with a client secret in a tenant. */
  addApp(tenant: string, clientId: string, secret: string): void;
  /** Creates a vault (host, e.g. "release.vault.azure.net") in a tenant. */
  addVault(host: string, tenant: string): void;
  /** Grants an application key permissions ("get", "sign", "create") in a vault's access policy. */
  allow(host: string, clientId: string, permissions: string[]): void;
  /** Creates a key (or a new version of it); returns the version. */
  addKey(host: string, name: string, type: AzureStandinKeyType): string;
  /** The PEM public key of a key version (default: the newest). */
  publicKeyPem(host: string, name: string, version?: string): string;
  /** Stops the server. */
  stop(): Promise<void>;
}

/** A real key (tests/helpers/kms_standin_keys.ts) answering as Key Vault does (EC: raw r‖s). */
function makeKey(type: AzureStandinKeyType): KeyVersion {
  const version = crypto.randomUUID().replaceAll("-", "");
  const spec = {
    "EC-P-256": { key: "ecdsa-p256", alg: "ES256", hash: "sha256", size: 32, curve: p256 },
    "EC-P-384": { key: "ecdsa-p384", alg: "ES384", hash: "sha384", size: 48, curve: p384 },
    "RSA-2048": { key: "rsa-2048", alg: "RS256", hash: "sha256", size: 32, curve: undefined },
  }[type];
  const key = standinKey(spec.key as StandinKeyType);
  const jwk = createPublicKey(key.pem).export({ format: "jwk" }) as Record<string, string>;
  return {
    version,
    kty: spec.curve ? "EC" : "RSA",
    jwk: spec.curve ? { crv: jwk.crv, x: jwk.x, y: jwk.y } : { n: jwk.n, e: jwk.e },
    pem: key.pem,
    sign(alg, digest) {
      if (alg !== spec.alg) return `Algorithm ${alg} is not valid for this key; use ${spec.alg}.`;
      if (digest.length !== spec.size) return `Invalid digest length for ${alg}.`;
      const sig = key.signDigest(digest, spec.hash as StandinHash);
      return spec.curve ? spec.curve.Signature.fromBytes(sig, "der").toBytes("compact") : sig;
    },
  };
}

/** Starts the stand-in on 127.0.0.1 (a free port). Stop it with `stop()`. */
export async function startAzureKvStandin(): Promise<AzureKvStandin> {
  const tenants = new Map<string, Map<string, string>>();
  const certificates = new Map<string, KeyObject>(); // tenant\0client\0x5t → public key
  const vaults = new Map<string, Vault>();
  const issuer = await generateKeyPair("ES256");
  const other = makeKey("EC-P-256");
  const hanging = new Set<ServerResponse>();
  const requests: string[] = [];
  const created: unknown[] = [];
  let fault: AzureKvStandin["fault"];
  let base = "";

  const send = (res: ServerResponse, status: number, body: unknown, headers = {}) => {
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
    res.end(JSON.stringify(body));
  };
  const aadError = (
    res: ServerResponse,
    status: number,
    error: string,
    code: number,
    text: string,
  ) =>
    send(res, status, {
      error,
      error_description:
        `AADSTS${code}: ${text}\r\nTrace ID: 0\r\nCorrelation ID: 0\r\nTimestamp: 2026-12-02 08:00:00Z`,
      error_codes: [code],
    });
  const kvError = (
    res: ServerResponse,
    status: number,
    code: string,
    message: string,
    headers = {},
  ) => send(res, status, { error: { code, message } }, headers);
  const readBody = (req: IncomingMessage): Promise<string> =>
    new Promise((resolve) => {
      const parts: Buffer[] = [];
      req.on("data", (c: Buffer) => parts.push(c));
      req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    });

  /** An Entra ID access token (ES256 JWT) for an application of a tenant and a resource. */
  function accessToken(tenant: string, appid: string, resource: string): Promise<string> {
    return new SignJWT({ tid: tenant, appid, oid: appid })
      .setProtectedHeader({ alg: "ES256", typ: "JWT" })
      .setIssuer(`https://sts.windows.net/${tenant}/`)
      .setAudience(resource)
      .setIssuedAt()
      .setNotBefore("0s")
      .setExpirationTime("1h")
      .sign(issuer.privateKey);
  }

  /**
   * Managed identity: the Instance Metadata Service (`Metadata: true`, api-version 2018-02-01)
   * and the App Service endpoint (`X-IDENTITY-HEADER`, api-version 2019-08-01).
   */
  async function managedIdentity(
    req: IncomingMessage,
    res: ServerResponse,
    q: URLSearchParams,
    appService: boolean,
  ) {
    const mi = state.managedIdentity;
    if (
      appService
        ? req.headers["x-identity-header"] !== mi?.identityHeader
        : req.headers.metadata !== "true"
    ) {
      return send(res, appService ? 401 : 400, {
        error: "invalid_request",
        error_description: appService
          ? "The X-IDENTITY-HEADER is missing or invalid."
          : "Required metadata header not specified",
      });
    }
    if (q.get("api-version") !== (appService ? "2019-08-01" : "2018-02-01") || !q.get("resource")) {
      return send(res, 400, {
        error: "invalid_request",
        error_description: "Invalid api-version or resource.",
      });
    }
    const wanted = q.get("client_id");
    if (!mi || (wanted && wanted !== mi.clientId)) {
      return send(res, 400, { error: "invalid_request", error_description: "Identity not found" });
    }
    const resource = q.get("resource")!;
    send(res, 200, {
      access_token: await accessToken(mi.tenant, mi.clientId, resource),
      expires_in: "86399",
      expires_on: String(Math.floor(Date.now() / 1000) + 86399),
      resource,
      token_type: "Bearer",
      ...(appService ? { client_id: mi.clientId } : {}),
    });
  }

  /**
   * A certificate client assertion (RFC 7523): the type, a certificate registered for the app
   * (by `x5t`), the RS256 signature with its key, `aud` this token URL, `iss` = `sub` = the client,
   * `jti`, `exp`. Returns the AADSTS error, or undefined when it is valid.
   */
  async function checkAssertion(form: URLSearchParams, tenant: string, client: string) {
    if (
      form.get("client_assertion_type") !== "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    ) {
      return { code: 50027, text: "Invalid JWT token: client_assertion_type is not jwt-bearer." };
    }
    const assertion = form.get("client_assertion") ?? "";
    let x5t = "";
    try {
      x5t = String(decodeProtectedHeader(assertion).x5t ?? "");
    } catch {
      return { code: 50027, text: "Invalid JWT token. The token is malformed." };
    }
    const cert = certificates.get(`${tenant}\0${client}\0${x5t}`);
    if (!cert) {
      return {
        code: 700027,
        text:
          `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${x5t}']`,
      };
    }
    try {
      const { payload } = await jwtVerify(assertion, cert, {
        algorithms: ["RS256", "PS256"],
        audience: `${base}${tenant}/oauth2/v2.0/token`,
        issuer: client,
        subject: client,
        requiredClaims: ["exp", "jti"],
      });
      if (!payload.jti) throw new Error("jti");
    } catch (e) {
      return {
        code: 700027,
        text: `Client assertion failed signature validation: ${(e as Error).message}`,
      };
    }
    return undefined;
  }

  async function token(req: IncomingMessage, res: ServerResponse, tenant: string) {
    const form = new URLSearchParams(await readBody(req));
    const apps = tenants.get(tenant);
    if (!apps) {
      return aadError(
        res,
        400,
        "invalid_request",
        90002,
        `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
      );
    }
    if (form.get("grant_type") !== "client_credentials") {
      return aadError(
        res,
        400,
        "unsupported_grant_type",
        70003,
        "The app requested an unsupported grant type.",
      );
    }
    const client = form.get("client_id") ?? "";
    if (!apps.has(client)) {
      return aadError(
        res,
        400,
        "unauthorized_client",
        700016,
        `Application with identifier '${client}' was not found in the directory '${tenant}'.`,
      );
    }
    if (form.has("client_assertion")) {
      const refused = await checkAssertion(form, tenant, client);
      if (refused) return aadError(res, 401, "invalid_client", refused.code, refused.text);
    } else if (apps.get(client) !== form.get("client_secret")) {
      return aadError(
        res,
        401,
        "invalid_client",
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${client}'.`,
      );
    }
    const scope = form.get("scope") ?? "";
    if (!scope.endsWith("/.default")) {
      return aadError(
        res,
        400,
        "invalid_scope",
        1002012,
        `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.`,
      );
    }
    const jwt = await accessToken(tenant, client, scope.slice(0, -"/.default".length));
    send(res, 200, {
      token_type: "Bearer",
      expires_in: 3599,
      ext_expires_in: 3599,
      access_token: jwt,
    });
  }

  async function vault(
    req: IncomingMessage,
    res: ServerResponse,
    host: string,
    rest: string,
    q: URLSearchParams,
  ) {
    const v = vaults.get(host);
    if (!v) {
      // A vault that does not exist has no DNS name: the connection fails.
      req.socket.destroy();
      return;
    }
    // The resource (token audience) of the vault's cloud.
    const resource = host.endsWith(".vault.azure.cn")
      ? "https://vault.azure.cn"
      : "https://vault.azure.net";
    const challenge = {
      "www-authenticate":
        `Bearer authorization="https://login.microsoftonline.com/${v.tenant}", resource="${resource}"`,
    };
    const auth = req.headers.authorization ?? "";
    if (!auth.startsWith("Bearer ")) {
      return kvError(
        res,
        401,
        "Unauthorized",
        "AKV10000: Request is missing a Bearer or PoP token.",
        challenge,
      );
    }
    let claims: Record<string, unknown>;
    try {
      ({ payload: claims } = await jwtVerify(auth.slice(7), issuer.publicKey, {
        algorithms: ["ES256"],
      }));
    } catch {
      return kvError(res, 401, "Unauthorized", "AKV10032: Invalid issuer or signature.", challenge);
    }
    if (claims.aud !== resource) {
      return kvError(
        res,
        401,
        "Unauthorized",
        `AKV10022: Invalid audience. Expected ${resource}, found: ${claims.aud}.`,
        challenge,
      );
    }
    if (claims.tid !== v.tenant) {
      return kvError(
        res,
        401,
        "Unauthorized",
        `AKV10032: Invalid issuer. Expected one of https://sts.windows.net/${v.tenant}/, found https://sts.windows.net/${claims.tid}/.`,
        challenge,
      );
    }
    if (!q.get("api-version")) {
      return kvError(
        res,
        400,
        "BadParameter",
        "The request URI contains an invalid or missing api-version",
      );
    }
    if (fault === "hang") {
      hanging.add(res);
      return;
    }
    if (fault === "garbage") {
      res.writeHead(200, { "content-type": "text/html" });
      return res.end("<html>502 Bad Gateway</html>");
    }
    const app = String(claims.appid);
    const may = (perm: string) => {
      if (v.policies.get(app)?.has(perm)) return true;
      kvError(
        res,
        403,
        "Forbidden",
        `The user, group or application 'appid=${app};oid=${app};iss=https://sts.windows.net/${v.tenant}/' does not have keys ${perm} permission on key vault '${
          host.split(".")[0]
        };location=westeurope'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287`,
      );
      return false;
    };
    const bundle = (name: string, k: KeyVersion) => ({
      key: {
        kid: `https://${host}/keys/${name}/${k.version}`,
        kty: k.kty,
        key_ops: ["sign", "verify"],
        ...k.jwk,
      },
      attributes: {
        enabled: true,
        created: 1764662400,
        updated: 1764662400,
        recoveryLevel: "Recoverable+Purgeable",
      },
      tags: { use: "sigstore" },
    });
    const notFound = (name: string, version = "") =>
      kvError(
        res,
        404,
        "KeyNotFound",
        `A key with (name/id) ${name}${
          version ? `/${version}` : ""
        } was not found in this key vault. If you recently deleted this key you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
      );
    let m: RegExpExecArray | null;
    if (req.method === "GET" && (m = /^keys\/([^/]+)(?:\/([^/]*))?$/.exec(rest))) {
      if (!may("get")) return;
      const versions = v.keys.get(m[1]);
      const k = m[2] ? versions?.find((x) => x.version === m![2]) : versions?.at(-1);
      if (!k) return notFound(m[1], m[2]);
      return send(res, 200, bundle(m[1], k));
    }
    if (req.method === "POST" && (m = /^keys\/([^/]+)\/create$/.exec(rest))) {
      if (!may("create")) return;
      if (!/^[0-9a-zA-Z-]{1,127}$/.test(m[1])) {
        return kvError(res, 400, "BadParameter", "Key name is invalid.");
      }
      let spec: { kty?: string; crv?: string; key_size?: number };
      try {
        spec = JSON.parse(await readBody(req));
      } catch {
        return kvError(res, 400, "BadParameter", "The request body is not valid JSON.");
      }
      created.push(spec);
      const type = spec.kty === "EC" || spec.kty === "EC-HSM"
        ? `EC-${spec.crv ?? "P-256"}`
        : spec.kty === "RSA" && (spec.key_size ?? 2048) === 2048
        ? "RSA-2048"
        : "";
      if (!["EC-P-256", "EC-P-384", "RSA-2048"].includes(type)) {
        return kvError(
          res,
          400,
          "BadParameter",
          `Unsupported key type or curve: ${spec.kty} ${spec.crv ?? ""}`,
        );
      }
      const k = makeKey(type as AzureStandinKeyType);
      v.keys.set(m[1], [...(v.keys.get(m[1]) ?? []), k]);
      return send(res, 200, bundle(m[1], k));
    }
    if (req.method === "POST" && (m = /^keys\/([^/]+)\/([^/]*)\/sign$/.exec(rest))) {
      if (!may("sign")) return;
      const versions = v.keys.get(m[1]);
      const k = m[2] ? versions?.find((x) => x.version === m![2]) : versions?.at(-1);
      if (!k) return notFound(m[1], m[2]);
      let body: { alg?: string; value?: string };
      try {
        body = JSON.parse(await readBody(req));
      } catch {
        return kvError(res, 400, "BadParameter", "The request body is not valid JSON.");
      }
      if (typeof body.value !== "string" || !/^[A-Za-z0-9_-]*$/.test(body.value)) {
        return kvError(res, 400, "BadParameter", "Property value is not base64url.");
      }
      const digest = new Uint8Array(Buffer.from(body.value, "base64url"));
      const sig = fault === "wrong-signature" && k.kty === "EC"
        ? other.sign("ES256", digest)
        : k.sign(String(body.alg), digest);
      if (typeof sig === "string") return kvError(res, 400, "BadParameter", sig);
      return send(res, 200, {
        kid: `https://${host}/keys/${m[1]}/${k.version}`,
        value: Buffer.from(sig).toString("base64url"),
      });
    }
    kvError(res, 404, "NotFound", "The requested resource was not found.");
  }

  const server = createServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://127.0.0.1");
    requests.push(`${req.method} ${u.pathname}`);
    const done = (p: Promise<unknown>) =>
      p.catch((e) => {
        if (!res.headersSent) kvError(res, 500, "InternalError", String(e));
      });
    let m: RegExpExecArray | null;
    if (req.method === "GET" && u.pathname === "/metadata/identity/oauth2/token") {
      return done(managedIdentity(req, res, u.searchParams, false));
    }
    if (req.method === "GET" && u.pathname === "/msi/token") {
      return done(managedIdentity(req, res, u.searchParams, true));
    }
    if (req.method === "POST" && (m = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(u.pathname))) {
      return done(token(req, res, m[1]));
    }
    if ((m = /^\/([^/]+\.(?:vault\.azure\.net|vault\.azure\.cn))\/(.*)$/.exec(u.pathname))) {
      return done(vault(req, res, m[1], m[2], u.searchParams));
    }
    kvError(res, 404, "NotFound", "Not found");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  const state: AzureKvStandin = {
    authorityHost: base,
    vaultEndpoint: `${base}{vault}`,
    requests,
    created,
    get fault() {
      return fault;
    },
    set fault(f) {
      fault = f;
    },
    addApp(tenant, clientId, secret) {
      if (!tenants.has(tenant)) tenants.set(tenant, new Map());
      tenants.get(tenant)!.set(clientId, secret);
    },
    addAppCertificate(tenant, clientId, certPem) {
      if (!tenants.has(tenant)) tenants.set(tenant, new Map());
      // No client secret: an unguessable one, so only the certificate signs the app in.
      if (!tenants.get(tenant)!.has(clientId)) {
        tenants.get(tenant)!.set(clientId, crypto.randomUUID());
      }
      const cert = new X509Certificate(certPem);
      const x5t = createHash("sha1").update(cert.raw).digest("base64url");
      certificates.set(`${tenant}\0${clientId}\0${x5t}`, cert.publicKey);
    },
    addVault(host, tenant) {
      vaults.set(host, { tenant, policies: new Map(), keys: new Map() });
    },
    allow(host, clientId, permissions) {
      const p = vaults.get(host)!.policies;
      p.set(clientId, new Set([...(p.get(clientId) ?? []), ...permissions]));
    },
    addKey(host, name, type) {
      const k = makeKey(type);
      const keys = vaults.get(host)!.keys;
      keys.set(name, [...(keys.get(name) ?? []), k]);
      return k.version;
    },
    publicKeyPem(host, name, version) {
      const versions = vaults.get(host)!.keys.get(name)!;
      return (version ? versions.find((k) => k.version === version)! : versions.at(-1)!).pem;
    },
    async stop() {
      for (const r of hanging) r.destroy();
      server.closeAllConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  return state;
}
