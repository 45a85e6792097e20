/**
 * A client for HashiCorp Vault's transit secrets engine, as cosign (sigstore's
 * `pkg/signature/kms/hashivault`) uses it, configured the way Vault's own CLI is:
 *
 * - `VAULT_ADDR` (required): the server, e.g. `https://vault.example.com:8200`;
 * - `VAULT_TOKEN`, else the token file `~/.vault-token` that `vault login` writes;
 * - `VAULT_NAMESPACE`: sent as the `X-Vault-Namespace` header (Vault Enterprise / HCP);
 * - `TRANSIT_SECRET_ENGINE_PATH`: where transit is mounted (default `transit`);
 * - `VAULT_KEY_PREFIX`: the `vault:vN:` prefix for remote verification (default: the key's
 *   latest version).
 *
 * Calls (Vault HTTP API, `/v1/<mount>/…`): `GET keys/<name>` (public keys by version),
 * `POST keys/<name>` `{"type"}` (create), `POST sign/<name>/sha2-256` with the base64 digest and
 * `prehashed: true` (Ed25519: `sign/<name>` with the message), `POST verify/<name>/sha2-256`.
 * Signatures come back as `vault:v<N>:<base64>`: DER ECDSA, PKCS#1 v1.5 RSA (requested with
 * `signature_algorithm`), raw Ed25519.
 *
 * The token is sent only in the `X-Vault-Token` header and never appears in messages.
 *
 * @example
 * ```ts
 * const vault = vaultTransitFor("hashivault://release", ctx);
 * const key = await vault.readKey();
 * const der = await vault.sign(sha256(data), "sha256");
 * ```
 * @module
 */
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { base64 } from "@scure/base";
import type { Context, HashAlgorithm, PublicKeyMaterial } from "../../core/plugin.ts";
import { CosignError, describeError } from "../../core/errors.ts";
import { httpUrl } from "../../core/http_url.ts";
import { kmsErrorMessage, type KmsFailure, kmsRequest } from "../../core/keys/kms_request.ts";
import {
  parsePublicKeyPem,
  type PublicKey,
  publicKeyMaterial,
} from "../../core/keys/public_key.ts";

/** The Vault transit key types cosign can create and use for signing. */
export const VAULT_KEY_TYPES: readonly string[] = [
  "ecdsa-p256",
  "ecdsa-p384",
  "ecdsa-p521",
  "ed25519",
  "rsa-2048",
  "rsa-3072",
  "rsa-4096",
];

/** The type `generate-key-pair --kms hashivault://…` creates, as cosign. */
export const VAULT_DEFAULT_KEY_TYPE = "ecdsa-p256";

/** cosign's reference syntax: `hashivault://NAME` (letters, digits, `_`, `-`, `.`). */
const REFERENCE = /^hashivault:\/\/(\w(?:[\w.-]*\w)?)$/;

/**
 * The key name of a `hashivault://NAME` reference. Throws CosignError("INVALID_INPUT") for
 * anything else.
 */
export function parseVaultReference(ref: string): string {
  const m = REFERENCE.exec(ref);
  if (!m) {
    throw new CosignError("INVALID_INPUT", `Cannot use key "${ref}": not a Vault key reference`, {
      hint:
        "Write hashivault://NAME, where NAME is a transit key name (letters, digits, _, - and .).",
    });
  }
  return m[1];
}

/** A transit key as read from Vault. */
export interface VaultKey {
  /** Transit key type, e.g. "ecdsa-p256". */
  type: string;
  /** The latest version's public key. */
  publicKey: PublicKeyMaterial;
  /** The latest version number. */
  latestVersion: number;
}

/** Where and as whom to reach Vault. */
export interface VaultConfig {
  /** Server address without a trailing slash. */
  address: string;
  /** The token (never printed). */
  token: string;
  /** Namespace, if any. */
  namespace?: string;
  /** Transit mount path (no surrounding slashes). */
  mount: string;
}

/** The hash as Vault's path segment names it. */
const HASH_SEGMENT: Record<HashAlgorithm, string> = {
  sha256: "sha2-256",
  sha384: "sha2-384",
  sha512: "sha2-512",
};

/** Reads Vault's configuration from the environment (and ~/.vault-token). */
export async function vaultConfig(ref: string, ctx: Context): Promise<VaultConfig> {
  const addr = ctx.env("VAULT_ADDR")?.trim();
  if (!addr) {
    throw new CosignError("INVALID_INPUT", `Cannot use key "${ref}": VAULT_ADDR is not set`, {
      hint: "Set VAULT_ADDR to the Vault server's address, e.g. https://vault.example.com:8200.",
    });
  }
  httpUrl(
    addr,
    `VAULT_ADDR "${addr}" for key "${ref}"`,
    "Set VAULT_ADDR to the Vault server's address, e.g. https://vault.example.com:8200.",
  );
  let token = ctx.env("VAULT_TOKEN")?.trim();
  if (!token) {
    const file = join(ctx.env("HOME") || homedir(), ".vault-token");
    token = await readFile(file, "utf8").then((t) => t.trim(), () => undefined);
    if (!token) {
      throw new CosignError(
        "AUTH",
        `Cannot use key "${ref}": no Vault token: VAULT_TOKEN is not set and ${file} cannot be read`,
        { hint: "Set VAULT_TOKEN, or log in with `vault login` (it writes ~/.vault-token)." },
      );
    }
  }
  const mount = (ctx.env("TRANSIT_SECRET_ENGINE_PATH") || "transit").replace(/^\/+|\/+$/g, "");
  const namespace = ctx.env("VAULT_NAMESPACE")?.trim() || undefined;
  return { address: addr.replace(/\/+$/, ""), token, namespace, mount };
}

/** A transit client for one key. */
export class VaultTransit {
  readonly #config: VaultConfig;
  readonly #name: string;
  readonly #ref: string;
  readonly #ctx: Context;

  /** A client for key `name` (from `ref`, for messages). */
  constructor(config: VaultConfig, name: string, ref: string, ctx: Context) {
    this.#config = config;
    this.#name = name;
    this.#ref = ref;
    this.#ctx = ctx;
  }

  async #call(
    method: "GET" | "POST",
    path: string,
    action: string,
    body?: unknown,
  ): Promise<Record<string, unknown>> {
    const c = this.#config;
    const headers: Record<string, string> = { "x-vault-token": c.token };
    if (c.namespace) headers["x-vault-namespace"] = c.namespace;
    const url = `${c.address}/v1/${c.mount}/${path}`;
    const json = await kmsRequest("Vault", url, {
      method,
      headers,
      body,
      action: `${action} "${this.#ref}"`,
      signal: this.#ctx.signal,
      failure: (f) => this.#failure(f, url, action),
    });
    if (json === undefined) return {};
    if (typeof json !== "object" || json === null) this.#garbage(url, "a JSON object");
    return json as Record<string, unknown>;
  }

  #failure(f: KmsFailure, url: string, action: string): CosignError | undefined {
    const said = kmsErrorMessage(f.json, f.text);
    const where = `Vault at ${url} answered HTTP ${f.status}${said ? `: ${said}` : ""}`;
    const c = this.#config;
    if (f.status === 401 || f.status === 403) {
      return new CosignError("AUTH", `Cannot ${action} "${this.#ref}": ${where}`, {
        hint: `Check VAULT_TOKEN (or ~/.vault-token)${
          c.namespace ? ` and VAULT_NAMESPACE ("${c.namespace}")` : ""
        }: the token must be valid and its policy must allow this call on ${c.mount}/…/${this.#name}.`,
      });
    }
    if (f.status === 404 || /not found|no existing key/i.test(said)) {
      return new CosignError("KEY", `Cannot ${action} "${this.#ref}": ${where}`, {
        hint: `Vault has no transit key "${this.#name}" under "${c.mount}"${
          c.namespace ? ` in namespace "${c.namespace}"` : ""
        }: create it with \`cosign-ts generate-key-pair --kms ${this.#ref}\`, or check TRANSIT_SECRET_ENGINE_PATH and VAULT_NAMESPACE.`,
      });
    }
    return undefined;
  }

  #garbage(url: string, what: string): never {
    throw new CosignError(
      "NETWORK",
      `Cannot use key "${this.#ref}": Vault at ${url} answered without ${what}`,
      { hint: "Check that VAULT_ADDR points at a Vault server." },
    );
  }

  /** Reads the key's type and latest public key. Throws CosignError("KEY"/"AUTH"/"NETWORK"). */
  async readKey(): Promise<VaultKey> {
    const path = `keys/${this.#name}`;
    const json = await this.#call("GET", path, "read key");
    const url = `${this.#config.address}/v1/${this.#config.mount}/${path}`;
    const data = json.data as Record<string, unknown> | undefined;
    const type = data?.type;
    const latest = Number(data?.latest_version);
    const keys = data?.keys as Record<string, Record<string, unknown>> | undefined;
    if (typeof type !== "string" || !Number.isInteger(latest) || !keys) {
      this.#garbage(url, "the key's type, versions and public keys");
    }
    if (!VAULT_KEY_TYPES.includes(type)) {
      throw new CosignError(
        "UNSUPPORTED",
        `Cannot use key "${this.#ref}": Vault key "${this.#name}" has type ${type}, which cannot sign`,
        { hint: `Use a signing key type: ${VAULT_KEY_TYPES.join(", ")}.` },
      );
    }
    const pub = keys[String(latest)]?.public_key;
    if (typeof pub !== "string" || !pub) this.#garbage(url, `a public key for version ${latest}`);
    let key: PublicKey;
    try {
      key = type === "ed25519"
        ? { type: "ed25519", key: ed25519Raw(pub) }
        : parsePublicKeyPem(pub, `Vault key ${this.#name}`);
    } catch (e) {
      this.#garbage(url, `a valid public key (${describeError(e)})`);
    }
    return { type, latestVersion: latest, publicKey: publicKeyMaterial(key) };
  }

  /**
   * Signs a digest (`hash` given: `prehashed`) or a whole message (Ed25519). Returns the raw
   * signature bytes. Throws CosignError("KEY"/"AUTH"/"NETWORK").
   */
  async sign(input: Uint8Array, hash?: HashAlgorithm): Promise<Uint8Array> {
    const path = `sign/${this.#name}${hash ? `/${HASH_SEGMENT[hash]}` : ""}`;
    const json = await this.#call("POST", path, "sign with", {
      input: base64.encode(input),
      key_version: "0",
      prehashed: hash !== undefined,
      signature_algorithm: "pkcs1v15",
    });
    const sig = (json.data as Record<string, unknown> | undefined)?.signature;
    const m = typeof sig === "string" ? /^vault:v\d+:([A-Za-z0-9+/]+={0,2})$/.exec(sig) : null;
    if (!m) {
      this.#garbage(`${this.#config.address}/v1/${this.#config.mount}/${path}`, "a signature");
    }
    return base64.decode(m[1]);
  }

  /**
   * Asks Vault whether `signature` is valid over the digest (or message, Ed25519), as cosign
   * does: with the `vault:vN:` prefix of `VAULT_KEY_PREFIX` or the key's latest version.
   */
  async verify(
    input: Uint8Array,
    signature: Uint8Array,
    latestVersion: number,
    hash?: HashAlgorithm,
  ): Promise<boolean> {
    const prefix = this.#ctx.env("VAULT_KEY_PREFIX") || `vault:v${latestVersion}:`;
    const path = `verify/${this.#name}${hash ? `/${HASH_SEGMENT[hash]}` : ""}`;
    const json = await this.#call("POST", path, "verify with", {
      input: base64.encode(input),
      prehashed: hash !== undefined,
      signature: `${prefix}${base64.encode(signature)}`,
      signature_algorithm: "pkcs1v15",
    });
    const valid = (json.data as Record<string, unknown> | undefined)?.valid;
    if (typeof valid !== "boolean") {
      this.#garbage(`${this.#config.address}/v1/${this.#config.mount}/${path}`, "a verdict");
    }
    return valid;
  }

  /** Creates the key (type as cosign: ecdsa-p256) and returns it as read back. */
  async createKey(type: string = VAULT_DEFAULT_KEY_TYPE): Promise<VaultKey> {
    await this.#call("POST", `keys/${this.#name}`, "create key", { type });
    return await this.readKey();
  }
}

/** A Vault Ed25519 public key: base64 of the 32 raw bytes. */
function ed25519Raw(text: string): Uint8Array {
  const raw = base64.decode(text.trim());
  if (raw.length !== 32) throw new Error(`an Ed25519 key of ${raw.length} bytes`);
  return raw;
}

/** A transit client for a `hashivault://NAME` reference, configured from the environment. */
export async function vaultTransitFor(ref: string, ctx: Context): Promise<VaultTransit> {
  const name = parseVaultReference(ref);
  return new VaultTransit(await vaultConfig(ref, ctx), name, ref, ctx);
}
