/**
 * docker's `config.json` (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`): reading
 * credentials (`auths` with `auth`/`username`+`password`/`identitytoken`/`registrytoken`,
 * `credHelpers`, `credsStore`) and writing a login the way docker does.
 *
 * @example
 * ```ts
 * const cred = await resolveCredential("ghcr.io", (n) => process.env[n]);
 * ```
 * @module
 */
import { mkdir, readFile } from "node:fs/promises";
import { writeFileAtomic } from "../runtime/atomic_file.ts";
import { homedir } from "node:os";
import { join } from "node:path";
import { base64 } from "@scure/base";
import { CosignError } from "../core/errors.ts";
import type { Credential } from "./auth.ts";
import { credentialHelperGet, credentialHelperStore } from "./credential_helper.ts";
import { DEFAULT_REGISTRY } from "./reference.ts";

/** The key docker uses for Docker Hub in config.json. */
export const DOCKER_HUB_AUTH_KEY = "https://index.docker.io/v1/";

/** One `auths` entry. */
export interface DockerAuthEntry {
  /** base64 of "user:password". */
  auth?: string;
  /** User name. */
  username?: string;
  /** Password. */
  password?: string;
  /** OAuth2 refresh token. */
  identitytoken?: string;
  /** Bearer token sent as is. */
  registrytoken?: string;
  /** Other fields are kept when writing. */
  [k: string]: unknown;
}

/** The parts of config.json we use; other fields are preserved when writing. */
export interface DockerConfigFile {
  /** Credentials by registry key. */
  auths?: Record<string, DockerAuthEntry>;
  /** Default credential helper name (`docker-credential-<name>`). */
  credsStore?: string;
  /** Per-registry credential helper names. */
  credHelpers?: Record<string, string>;
  /** Anything else. */
  [k: string]: unknown;
}

/** Environment lookup. */
export type EnvLookup = (name: string) => string | undefined;

/** The directory holding config.json: `$DOCKER_CONFIG`, else `$HOME/.docker`. */
export function dockerConfigDir(env: EnvLookup): string {
  const d = env("DOCKER_CONFIG");
  if (d) return d;
  return join(env("HOME") || homedir(), ".docker");
}

/** Path of config.json. */
export function dockerConfigPath(env: EnvLookup): string {
  return join(dockerConfigDir(env), "config.json");
}

/**
 * Reads config.json; a missing file is an empty config. Throws CosignError("INVALID_INPUT") when
 * the file is not a JSON object.
 */
export async function loadDockerConfig(path: string): Promise<DockerConfigFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return {};
    throw new CosignError("IO", `Cannot read docker config "${path}": ${(e as Error).message}`);
  }
  return parseDockerConfig(text, path);
}

/** Parses config.json text. Throws CosignError("INVALID_INPUT") for malformed content. */
export function parseDockerConfig(text: string, path = "config.json"): DockerConfigFile {
  let json: unknown;
  try {
    json = text.trim() === "" ? {} : JSON.parse(text);
  } catch (e) {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot parse docker config "${path}": ${(e as Error).message}`,
      { hint: "Fix or remove the file, then log in again with cosign-ts login." },
    );
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new CosignError("INVALID_INPUT", `Cannot parse docker config "${path}": not an object`, {
      hint: "Fix or remove the file, then log in again with cosign-ts login.",
    });
  }
  const cfg = json as DockerConfigFile;
  for (const f of ["auths", "credHelpers"] as const) {
    const v = cfg[f];
    if (v !== undefined && (typeof v !== "object" || v === null || Array.isArray(v))) {
      throw new CosignError(
        "INVALID_INPUT",
        `Cannot parse docker config "${path}": "${f}" is not an object`,
      );
    }
  }
  if (cfg.credsStore !== undefined && typeof cfg.credsStore !== "string") {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot parse docker config "${path}": "credsStore" is not a string`,
    );
  }
  return cfg;
}

const HUB_ALIASES = new Set(["index.docker.io", "docker.io", "registry-1.docker.io"]);

/** docker's `ConvertToHostname`: strips the scheme and any path; maps Docker Hub aliases. */
export function normalizeRegistryKey(key: string): string {
  let h = key.trim();
  h = h.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "");
  const slash = h.indexOf("/");
  if (slash >= 0) h = h.slice(0, slash);
  h = h.toLowerCase();
  return HUB_ALIASES.has(h) ? DEFAULT_REGISTRY : h;
}

/** The key docker writes for a registry: Docker Hub's historic URL, else the host. */
export function authKeyFor(registry: string): string {
  return normalizeRegistryKey(registry) === DEFAULT_REGISTRY ? DOCKER_HUB_AUTH_KEY : registry;
}

/**
 * Decodes an `auths` entry into a credential; undefined when it holds none.
 * Throws CosignError("INVALID_INPUT") for an `auth` value that is not base64 "user:password".
 */
export function credentialFromEntry(
  entry: DockerAuthEntry,
  key = "?",
): Credential | undefined {
  if (typeof entry.registrytoken === "string" && entry.registrytoken) {
    return { registryToken: entry.registrytoken };
  }
  if (typeof entry.identitytoken === "string" && entry.identitytoken) {
    return { identityToken: entry.identitytoken, username: entry.username };
  }
  if (typeof entry.auth === "string" && entry.auth) {
    let decoded: string;
    try {
      const padded = entry.auth + "=".repeat((4 - (entry.auth.length % 4)) % 4);
      decoded = new TextDecoder("utf-8", { fatal: true }).decode(base64.decode(padded));
    } catch {
      throw new CosignError(
        "INVALID_INPUT",
        `Cannot read credentials for "${key}" in docker config: "auth" is not base64`,
        { hint: "Log in again with cosign-ts login." },
      );
    }
    const colon = decoded.indexOf(":");
    if (colon < 0) {
      throw new CosignError(
        "INVALID_INPUT",
        `Cannot read credentials for "${key}" in docker config: "auth" is not "user:password"`,
        { hint: "Log in again with cosign-ts login." },
      );
    }
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (typeof entry.username === "string" && typeof entry.password === "string") {
    return { username: entry.username, password: entry.password };
  }
  return undefined;
}

/** Finds the `auths` entry for a registry (exact key first, then normalised keys). */
export function findAuthEntry(
  cfg: DockerConfigFile,
  registry: string,
): [string, DockerAuthEntry] | undefined {
  const auths = cfg.auths ?? {};
  const wanted = normalizeRegistryKey(registry);
  for (const k of [registry, authKeyFor(registry)]) {
    if (auths[k]) return [k, auths[k]];
  }
  for (const [k, v] of Object.entries(auths)) {
    if (normalizeRegistryKey(k) === wanted) return [k, v];
  }
  return undefined;
}

function helperFor(cfg: DockerConfigFile, registry: string): string | undefined {
  const helpers = cfg.credHelpers ?? {};
  const wanted = normalizeRegistryKey(registry);
  for (const [k, v] of Object.entries(helpers)) {
    if (k === registry || normalizeRegistryKey(k) === wanted) return v;
  }
  return cfg.credsStore || undefined;
}

function envRecord(env: EnvLookup): Record<string, string> | undefined {
  const path = env("PATH");
  const home = env("HOME");
  if (path === undefined && home === undefined) return undefined;
  const r: Record<string, string> = {};
  if (path !== undefined) r.PATH = path;
  if (home !== undefined) r.HOME = home;
  return r;
}

/**
 * The credential for `registry` from a parsed config: a credential helper (`credHelpers` for the
 * registry, else `credsStore`), falling back to the `auths` entry; undefined for anonymous.
 * Throws CosignError("AUTH") when a configured helper cannot be run.
 */
export async function credentialFromConfig(
  cfg: DockerConfigFile,
  registry: string,
  env: EnvLookup = () => undefined,
): Promise<Credential | undefined> {
  const helper = helperFor(cfg, registry);
  if (helper) {
    const c = await credentialHelperGet(helper, authKeyFor(registry), envRecord(env));
    if (c) return c;
  }
  const entry = findAuthEntry(cfg, registry);
  return entry ? credentialFromEntry(entry[1], entry[0]) : undefined;
}

/**
 * The credential for `registry` from `$DOCKER_CONFIG/config.json` (or `~/.docker/config.json`).
 * Throws CosignError("INVALID_INPUT") for a malformed file, CosignError("AUTH") for a broken helper.
 */
export async function resolveCredential(
  registry: string,
  env: EnvLookup,
): Promise<Credential | undefined> {
  const cfg = await loadDockerConfig(dockerConfigPath(env));
  return credentialFromConfig(cfg, registry, env);
}

/**
 * Saves a login as docker does: through the registry's credential helper when one is configured
 * (keeping an empty `auths` entry), else as `auths[KEY].auth = base64(user:password)`. The file
 * is written atomically (temp file + rename) with mode 0600. Returns the config path.
 * Throws CosignError("IO") when the file cannot be written.
 */
export async function saveLogin(
  registry: string,
  username: string,
  password: string,
  env: EnvLookup,
): Promise<string> {
  const dir = dockerConfigDir(env);
  const path = join(dir, "config.json");
  const cfg = await loadDockerConfig(path);
  const key = authKeyFor(registry);
  const helper = helperFor(cfg, registry);
  cfg.auths = { ...(cfg.auths ?? {}) };
  // Drop other spellings of the same registry so the new login wins.
  for (const k of Object.keys(cfg.auths)) {
    if (k !== key && normalizeRegistryKey(k) === normalizeRegistryKey(registry)) {
      delete cfg.auths[k];
    }
  }
  if (helper) {
    await credentialHelperStore(helper, key, username, password, envRecord(env));
    cfg.auths[key] = {};
  } else {
    cfg.auths[key] = {
      auth: base64.encode(new TextEncoder().encode(`${username}:${password}`)),
    };
  }
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(path, JSON.stringify(cfg, null, "\t") + "\n", {
      mode: 0o600,
      exactMode: true,
    });
  } catch (e) {
    throw new CosignError(
      "IO",
      `Cannot write docker config "${path}": ${
        ((e as { cause?: Error }).cause ?? e as Error).message
      }`,
      {
        hint: "Check the permissions of the directory, or set DOCKER_CONFIG to a writable one.",
      },
    );
  }
  return path;
}
