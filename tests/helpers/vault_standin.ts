/**
 * A stand-in for HashiCorp Vault's transit secrets engine on 127.0.0.1 (a free port), written
 * from Vault's HTTP API documentation (https://developer.hashicorp.com/vault/api-docs/secret/transit)
 * — no Vault server can be installed here. It checks what Vault checks:
 *
 * - the token (`X-Vault-Token`): missing or wrong → 403 `{"errors":["permission denied"]}`;
 * - the namespace (`X-Vault-Namespace`) when one is configured: the token lives in that
 *   namespace, so any other namespace (or none) → 403 permission denied;
 * - paths under the transit mount (`/v1/<mount>/keys/<name>`, `sign/<name>[/<hash>]`,
 *   `verify/<name>[/<hash>]`); other paths → 404 "no handler for route";
 * - request bodies: JSON, base64 `input`, `prehashed` digests of the hash's length, `type`
 *   among the transit key types, `vault:vN:` signature prefixes naming an existing version.
 *
 * Keys are real (tests/helpers/kms_standin_keys.ts, node:crypto + @noble): signatures verify
 * with openssl. Faults for error tests: `delayMs` (answer late), `garbage` (answer non-JSON),
 * `badSignatures` (answer signatures that do not verify).
 *
 * @example
 * ```ts
 * const vault = await startVaultStandin({ token: "root-token" });
 * try {
 *   vault.addKey("release", "ecdsa-p256");
 *   // VAULT_ADDR=vault.url VAULT_TOKEN=root-token cosign-ts sign-blob --key hashivault://release
 * } finally {
 *   await vault.stop();
 * }
 * ```
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Buffer } from "node:buffer";
import {
  type StandinHash,
  type StandinKey,
  standinKey,
  type StandinKeyType,
} from "./kms_standin_keys.ts";
import { closeServer } from "./bounded.ts";

/** Options of {@link startVaultStandin}. */
export interface VaultStandinOptions {
  /** The one valid token. */
  token: string;
  /** The namespace the token belongs to (requests must name it). */
  namespace?: string;
  /** The transit mount path (default "transit"). */
  mount?: string;
}

/** One request as the stand-in saw it (headers without the token's value). */
export interface VaultRequest {
  /** HTTP method. */
  method: string;
  /** Path, e.g. "/v1/transit/sign/k/sha2-256". */
  path: string;
  /** Parsed JSON body, if any. */
  body?: Record<string, unknown>;
  /** The namespace header, if sent. */
  namespace?: string;
}

/** A running stand-in. */
export interface VaultStandin {
  /** `http://127.0.0.1:PORT` (VAULT_ADDR). */
  url: string;
  /** Requests seen, in order. */
  requests: VaultRequest[];
  /** Adds a key (a new version when it exists); returns the new version's key. */
  addKey(name: string, type: StandinKeyType | "aes256-gcm96"): StandinKey | undefined;
  /** The latest version's key of `name`, if it exists and can sign. */
  key(name: string): StandinKey | undefined;
  /** Fault injection. */
  faults: { delayMs?: number; garbage?: boolean; badSignatures?: boolean };
  /** Stops the server. */
  stop(): Promise<void>;
}

const KEY_TYPES = [
  "ecdsa-p256",
  "ecdsa-p384",
  "ecdsa-p521",
  "rsa-2048",
  "rsa-3072",
  "rsa-4096",
  "ed25519",
  "aes256-gcm96",
];
const HASHES: Record<string, StandinHash> = {
  "sha2-256": "sha256",
  "sha2-384": "sha384",
  "sha2-512": "sha512",
};
const HASH_LEN: Record<StandinHash, number> = { sha256: 32, sha384: 48, sha512: 64 };
const CURVE_NAME: Record<string, string> = {
  "ecdsa-p256": "P-256",
  "ecdsa-p384": "P-384",
  "ecdsa-p521": "P-521",
};

interface StoredKey {
  type: string;
  versions: (StandinKey | undefined)[];
  created: string;
}

class VaultError extends Error {
  constructor(readonly status: number, readonly errors: string[]) {
    super(errors.join("; "));
  }
}

const bad = (msg: string) => new VaultError(400, [msg]);

function b64(input: unknown, field: string): Uint8Array {
  if (typeof input !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(input) || input.length % 4) {
    throw bad(`unable to decode ${field} as base64: illegal base64 data`);
  }
  return new Uint8Array(Buffer.from(input, "base64"));
}

/** Starts the stand-in. */
export async function startVaultStandin(options: VaultStandinOptions): Promise<VaultStandin> {
  const mount = options.mount ?? "transit";
  const keys = new Map<string, StoredKey>();
  const requests: VaultRequest[] = [];
  const faults: VaultStandin["faults"] = {};

  const addKey = (name: string, type: string): StandinKey | undefined => {
    const k = type === "aes256-gcm96" ? undefined : standinKey(type as StandinKeyType);
    const existing = keys.get(name);
    if (existing) existing.versions.push(k);
    else keys.set(name, { type, versions: [k], created: new Date().toISOString() });
    return k;
  };

  const keyInfo = (name: string, k: StoredKey) => {
    const versions: Record<string, unknown> = {};
    k.versions.forEach((v, i) => {
      versions[String(i + 1)] = v
        ? {
          creation_time: k.created,
          name: CURVE_NAME[k.type] ?? (k.type === "ed25519" ? "ed25519" : "rsa"),
          public_key: k.type === "ed25519" ? Buffer.from(v.raw!).toString("base64") : v.pem,
        }
        : Math.floor(Date.parse(k.created) / 1000);
    });
    return {
      name,
      type: k.type,
      keys: versions,
      latest_version: k.versions.length,
      min_decryption_version: 1,
      min_encryption_version: 0,
      supports_signing: k.type !== "aes256-gcm96",
      supports_encryption: k.type === "aes256-gcm96" || k.type.startsWith("rsa"),
      exportable: false,
      deletion_allowed: false,
      derived: false,
    };
  };

  const handle = (
    method: string,
    path: string,
    body: Record<string, unknown> | undefined,
  ): unknown => {
    const prefix = `/v1/${mount}/`;
    const route = path.startsWith(prefix) ? path.slice(prefix.length).split("/") : [];
    const [op, name, hashSeg, ...rest] = route;
    if (!name || rest.length) {
      throw new VaultError(404, [
        `no handler for route "${path.replace(/^\/v1\//, "")}". route entry not found.`,
      ]);
    }
    if (op === "keys" && !hashSeg) {
      if (method === "GET") {
        const k = keys.get(name);
        if (!k) throw new VaultError(404, []);
        return { data: keyInfo(name, k) };
      }
      if (method === "POST" || method === "PUT") {
        const type = body?.type ?? "aes256-gcm96";
        if (typeof type !== "string" || !KEY_TYPES.includes(type)) {
          throw bad(`unknown key type: ${JSON.stringify(type)}`);
        }
        if (!keys.has(name)) addKey(name, type);
        return undefined; // 204, as Vault answers a create
      }
    }
    if ((op === "sign" || op === "verify") && (method === "POST" || method === "PUT")) {
      const k = keys.get(name);
      if (!k) {
        throw bad(op === "sign" ? "signing key not found" : "signature verification key not found");
      }
      if (k.type === "aes256-gcm96") throw bad(`key type ${k.type} does not support signing`);
      if (!body) throw bad("missing request body");
      const input = b64(body.input, "input");
      const prehashed = body.prehashed === true || body.prehashed === "true";
      const hashName = hashSeg ??
        (typeof body.hash_algorithm === "string" ? body.hash_algorithm : "sha2-256");
      const hash = HASHES[hashName];
      if (!hash) throw bad(`unsupported hash algorithm ${hashName}`);
      const sigAlg = body.signature_algorithm ?? "pss";
      if (k.type.startsWith("rsa") && sigAlg !== "pkcs1v15") {
        throw bad("this stand-in signs RSA with signature_algorithm pkcs1v15 only");
      }
      if (k.type === "ed25519" && prehashed) {
        throw bad("ed25519 does not support prehashed input");
      }
      if (k.type !== "ed25519" && prehashed && input.length !== HASH_LEN[hash]) {
        throw bad(`prehashed input must be a ${hashName} digest of ${HASH_LEN[hash]} bytes`);
      }
      if (k.type !== "ed25519" && !prehashed) {
        throw bad("this stand-in expects prehashed input, as cosign sends");
      }
      if (op === "sign") {
        const kv = Number(body.key_version ?? 0);
        if (!Number.isInteger(kv) || kv < 0 || kv > k.versions.length) {
          throw bad(`invalid key version ${JSON.stringify(body.key_version)}`);
        }
        const version = kv || k.versions.length;
        const key = k.versions[version - 1]!;
        let sig = k.type === "ed25519" ? key.signMessage(input) : key.signDigest(input, hash);
        if (faults.badSignatures) sig = sig.map((b, i) => (i > 8 ? b ^ 0x55 : b));
        return {
          data: {
            signature: `vault:v${version}:${Buffer.from(sig).toString("base64")}`,
            key_version: version,
          },
        };
      }
      const m = typeof body.signature === "string"
        ? /^vault:v(\d+):(.*)$/.exec(body.signature)
        : null;
      if (!m) throw bad("invalid signature: missing or bad vault:vN: prefix");
      const key = k.versions[Number(m[1]) - 1];
      if (!key) throw bad(`invalid key version ${m[1]}`);
      const sig = b64(m[2], "signature");
      const valid = k.type === "ed25519"
        ? key.verifyMessage(input, sig)
        : key.verifyDigest(input, sig, hash);
      return { data: { valid } };
    }
    throw new VaultError(405, [`unsupported operation`]);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const answer = (status: number, json?: unknown) => {
        const send = () => {
          if (faults.garbage) {
            res.writeHead(200, { "content-type": "text/html" });
            res.end("<html><body>Vault is sealed</body></html>");
            return;
          }
          if (json === undefined) {
            res.writeHead(204);
            res.end();
            return;
          }
          res.writeHead(status, { "content-type": "application/json" });
          res.end(JSON.stringify(json));
        };
        if (faults.delayMs) setTimeout(send, faults.delayMs);
        else send();
      };
      const path = (req.url ?? "").split("?")[0];
      const namespace = req.headers["x-vault-namespace"] as string | undefined;
      let body: Record<string, unknown> | undefined;
      const text = Buffer.concat(chunks).toString("utf8");
      try {
        if (text) body = JSON.parse(text);
      } catch {
        requests.push({ method: req.method ?? "", path, namespace });
        return answer(400, { errors: ["failed to parse JSON input"] });
      }
      requests.push({ method: req.method ?? "", path, body, namespace });
      const token = req.headers["x-vault-token"];
      if (token !== options.token) {
        return answer(403, { errors: ["permission denied", ...(token ? ["invalid token"] : [])] });
      }
      if ((options.namespace ?? undefined) !== (namespace?.replace(/^\/|\/$/g, "") || undefined)) {
        return answer(403, { errors: ["permission denied"] });
      }
      try {
        const out = handle(req.method ?? "", path, body);
        answer(
          200,
          out === undefined ? undefined : {
            request_id: crypto.randomUUID(),
            lease_id: "",
            renewable: false,
            lease_duration: 0,
            wrap_info: null,
            warnings: null,
            auth: null,
            ...(out as object),
          },
        );
      } catch (e) {
        if (e instanceof VaultError) answer(e.status, { errors: e.errors });
        else answer(500, { errors: [String(e)] });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    faults,
    addKey,
    key: (name) => keys.get(name)?.versions.at(-1),
    stop: () => closeServer(server),
  };
}
