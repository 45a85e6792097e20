/**
 * A {@link RegistryClient} for a plugin context: the registry settings the command line gave
 * (`ctx.settings.registry`, plain {@link RegistrySettings} built by cli/registry_flags.ts) plus
 * the context's environment (DOCKER_CONFIG, COSIGN_MAX_ATTACHMENT_SIZE), logger and signal.
 * Artifact plugins build their clients here; commands never build one themselves.
 *
 * @example
 * ```ts
 * const client = registryClientFor(ctx);
 * const digest = await client.resolveDigest(parseReference("localhost:5000/app:v1"));
 * ```
 * @module
 */
import type { Context } from "../core/plugin.ts";
import type { Credential } from "./auth.ts";
import { RegistryClient, type RegistryClientOptions } from "./client.ts";

/** Registry settings from the command line (cosign's registry flags), as plain data. */
export interface RegistrySettings {
  /** Allow plain HTTP to any registry (`--allow-http-registry`). */
  allowHttp?: boolean;
  /** Allow plain HTTP and skip TLS verification (`--allow-insecure-registry`). */
  insecure?: boolean;
  /** Extra trusted CA certificates, PEM text (`--registry-cacert`). */
  caCerts?: string[];
  /** Fixed credentials (`--registry-username/--registry-password`, `--registry-token`). */
  credentials?: Credential;
}

/** The registry settings in a context, or none. */
export function registrySettings(ctx: Pick<Context, "settings">): RegistrySettings {
  const s = ctx.settings?.registry;
  return (s && typeof s === "object" ? s : {}) as RegistrySettings;
}

/**
 * Client options from the context's registry settings, environment, logger and signal. The
 * command's `--timeout` (`ctx.settings.timeout`, ms) is also each operation's total deadline.
 */
export function registryOptionsFor(
  ctx: Pick<Context, "settings" | "env" | "log" | "signal">,
  extra: Partial<RegistryClientOptions> = {},
): RegistryClientOptions {
  const s = registrySettings(ctx);
  const opts: RegistryClientOptions = {
    env: (n) => ctx.env(n),
    log: ctx.log,
    signal: ctx.signal,
    allowHttp: s.allowHttp === true,
    insecure: s.insecure === true,
    userAgent: "cosign-ts",
  };
  if (s.caCerts?.length) opts.caCerts = [...s.caCerts];
  if (s.credentials) opts.credentials = s.credentials;
  const timeout = ctx.settings?.timeout;
  // `-t 0` (no limit) lifts the per-operation deadline too (0 or Infinity: none).
  if (typeof timeout === "number" && !Number.isNaN(timeout) && timeout >= 0) {
    opts.deadlineMs = timeout;
  }
  return { ...opts, ...extra };
}

/** A {@link RegistryClient} configured from the context (see {@link registryOptionsFor}). */
export function registryClientFor(
  ctx: Pick<Context, "settings" | "env" | "log" | "signal">,
  extra: Partial<RegistryClientOptions> = {},
): RegistryClient {
  return new RegistryClient(registryOptionsFor(ctx, extra));
}
