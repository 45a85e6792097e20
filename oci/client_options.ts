/**
 * The registry client's options and limits: defaults (timeouts, deadline, sizes, counts), the
 * environment variables that change them (`COSIGN_MAX_ATTACHMENT_SIZE`,
 * `COSIGN_TS_MAX_SIGNATURE_BYTES`, `COSIGN_TS_MAX_SIGNATURE_LAYERS`, `COSIGN_TS_MAX_REFERRERS`,
 * `COSIGN_TS_MAX_TAG_PAGES`) and their parsers.
 *
 * @example
 * ```ts
 * const max = envBytes((n) => process.env[n], "COSIGN_MAX_ATTACHMENT_SIZE") ?? DEFAULT_MAX_BLOB_SIZE;
 * ```
 * @module
 */
import { CosignError } from "../core/errors.ts";
import type { Logger } from "../core/plugin.ts";
import type { Credential } from "./auth.ts";
import type { RetryPolicy } from "./retry.ts";

/** Default time allowed for a response's headers (and for each chunk of a body): 60 s. */
export const DEFAULT_TIMEOUT_MS = 60_000;
/** Default total deadline of one registry operation: 3 minutes (cosign's `--timeout`). */
export const DEFAULT_DEADLINE_MS = 180_000;
/** cosign's default cap on downloaded attachments: 128 MiB. */
export const DEFAULT_MAX_BLOB_SIZE = 128 * 1024 * 1024;
/** Cap on manifests (distribution's own limit): 4 MiB. */
export const DEFAULT_MAX_MANIFEST_SIZE = 4 * 1024 * 1024;
/** Default chunk size for chunked uploads: 8 MiB. Blobs up to this size go up in one PUT. */
export const DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024;
/** Default budget for the signature layers read for one image: 256 MiB in total. */
export const DEFAULT_MAX_SIGNATURE_BYTES = 256 * 1024 * 1024;
/** Default cap on the signature layers read for one image. */
export const DEFAULT_MAX_SIGNATURE_LAYERS = 1000;
/** Default cap on the pages of one tag list. */
export const DEFAULT_MAX_TAG_PAGES = 1000;
/** Default cap on the referrers of one subject. */
export const DEFAULT_MAX_REFERRERS = 256;

/** Parses sizes like "134217728", "128MiB", "10MB", "64k". Undefined when malformed. */
export function parseByteSize(s: string | undefined): number | undefined {
  if (s === undefined || s.trim() === "") return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?)b?\s*$/i.exec(s);
  if (!m) return undefined;
  const unit = m[2].toLowerCase();
  const base = m[3] || unit === "" ? 1024 : 1000;
  const pow = { "": 0, k: 1, m: 2, g: 3, t: 4 }[unit] ?? 0;
  return Math.floor(Number(m[1]) * base ** pow);
}

/**
 * A byte size from the environment ("134217728", "128MiB"), or undefined when unset. Throws
 * CosignError("INVALID_INPUT") naming the variable when it is malformed.
 */
export function envBytes(
  env: (name: string) => string | undefined,
  name: string,
): number | undefined {
  const v = env(name);
  const parsed = parseByteSize(v);
  if (v !== undefined && v.trim() !== "" && parsed === undefined) {
    throw new CosignError(
      "INVALID_INPUT",
      `Invalid ${name} "${v}": expected a number of bytes`,
      { hint: `Set ${name} to a byte count such as 134217728 (or 128MiB), or unset it.` },
    );
  }
  return parsed;
}

/**
 * A positive whole number from the environment, or undefined when unset. Throws
 * CosignError("INVALID_INPUT") naming the variable when it is set to anything else.
 */
export function envCount(
  env: (name: string) => string | undefined,
  name: string,
): number | undefined {
  const v = env(name)?.trim();
  if (v === undefined || v === "") return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v))) {
    throw new CosignError("INVALID_INPUT", `Invalid ${name} "${v}": expected a positive number`, {
      hint: `Set ${name} to a whole number such as 1000, or unset it.`,
    });
  }
  return Number(v);
}

/** One request the client made (for counting and benchmarks). */
export interface RequestInfo {
  /** HTTP method. */
  method: string;
  /** Full URL. */
  url: string;
  /** HTTP status, or 0 when the connection failed. */
  status: number;
}

/** Options of {@link RegistryClient} (and of its {@link RegistryTransport}). */
export interface RegistryClientOptions {
  /** Environment lookup: DOCKER_CONFIG, HOME, COSIGN_MAX_ATTACHMENT_SIZE. Default: none. */
  env?: (name: string) => string | undefined;
  /**
   * Credentials: fixed for every registry, or a lookup by registry host. Default: docker's
   * config.json (`DOCKER_CONFIG` or `~/.docker/config.json`, with credential helpers).
   */
  credentials?: Credential | ((registry: string) => Promise<Credential | undefined>);
  /** Allow plain HTTP to any registry (cosign's --allow-http-registry). */
  allowHttp?: boolean;
  /** Allow plain HTTP and skip TLS verification (cosign's --allow-insecure-registry). */
  insecure?: boolean;
  /** Extra trusted CA certificates, PEM text (cosign's --registry-cacert, read by the caller). */
  caCerts?: string[];
  /** Cap on blob downloads in bytes. Default: COSIGN_MAX_ATTACHMENT_SIZE or 128 MiB. */
  maxBlobSize?: number;
  /** Cap on manifests in bytes. Default 4 MiB. */
  maxManifestSize?: number;
  /** Chunk size for chunked uploads. Default 8 MiB. */
  chunkSize?: number;
  /** Time allowed for each response's headers and each chunk of its body, ms. Default 60 s. */
  timeoutMs?: number;
  /**
   * Total time of one operation (all attempts, schemes, redirects and the body), ms.
   * Default 3 minutes; 0 or Infinity: none (the command's `signal` still applies).
   */
  deadlineMs?: number;
  /**
   * Budget in bytes for all signature layers read for one image (their sizes summed, before any
   * is fetched). Default COSIGN_TS_MAX_SIGNATURE_BYTES or 256 MiB.
   */
  maxSignatureBytes?: number;
  /** Most signature layers read for one image. Default COSIGN_TS_MAX_SIGNATURE_LAYERS or 1000. */
  maxSignatureLayers?: number;
  /** Most pages of a tag list followed (`Link: rel="next"`). Default COSIGN_TS_MAX_TAG_PAGES or 1000. */
  maxTagPages?: number;
  /** Most referrers accepted for one subject. Default COSIGN_TS_MAX_REFERRERS or 256. */
  maxReferrers?: number;
  /** Retry policy for 429, 5xx and dropped connections. */
  retry?: Partial<RetryPolicy>;
  /** User-Agent header. */
  userAgent?: string;
  /** Called after every HTTP request (registry and token server). */
  onRequest?: (info: RequestInfo) => void;
  /** Cancels everything (the command's `-t/--timeout`). */
  signal?: AbortSignal;
  /** Debug messages. */
  log?: Logger;
  /** A fetch implementation (default: global fetch, or one honouring caCerts/insecure). */
  fetch?: typeof fetch;
}
