/**
 * cosign's registry flags (`--allow-insecure-registry`, `--allow-http-registry`,
 * `--registry-cacert`, `--registry-username`, `--registry-password`, `--registry-token`) and a
 * helper that builds a {@link RegistryClient} from them and the plugin context, so every image
 * command wires them the same way.
 *
 * @example
 * ```ts
 * export const command: Command = {
 *   flags: [...REGISTRY_FLAGS, ...],
 *   async run({ flags, ctx }) {
 *     const client = await registryClientFromFlags(flags, ctx);
 *   },
 * };
 * ```
 * @module
 */
import { readFile } from "node:fs/promises";
import { CosignError } from "../core/errors.ts";
import type { Context } from "../core/plugin.ts";
import type { FlagSpec, FlagValues } from "../cli/args.ts";
import type { Credential } from "./auth.ts";
import { RegistryClient, type RegistryClientOptions } from "./client.ts";

/** The registry flags, as cosign spells them. */
export const REGISTRY_FLAGS: FlagSpec[] = [
  {
    name: "allow-insecure-registry",
    type: "boolean",
    description:
      "Allow plain HTTP and skip TLS certificate verification for registries (not for production).",
  },
  {
    name: "allow-http-registry",
    type: "boolean",
    description:
      "Allow plain HTTP to registries (localhost, 127.0.0.1, ::1 and private addresses fall back to it anyway).",
  },
  {
    name: "registry-cacert",
    type: "string",
    placeholder: "FILE",
    description: "PEM file of CA certificates to trust for registries, besides the system roots.",
  },
  {
    name: "registry-username",
    type: "string",
    description: "User name for the registry (instead of docker's config.json).",
  },
  {
    name: "registry-password",
    type: "string",
    description: "Password for the registry (with --registry-username).",
  },
  {
    name: "registry-token",
    type: "string",
    description: "Bearer token for the registry (instead of docker's config.json).",
  },
];

function flagString(flags: FlagValues, name: string): string | undefined {
  const v = flags[name];
  return typeof v === "string" && v !== "" ? v : undefined;
}

/**
 * Client options from the registry flags and the context (env for DOCKER_CONFIG and
 * COSIGN_MAX_ATTACHMENT_SIZE, logger, cancel signal). Throws CosignError("IO") when the CA file
 * cannot be read, CosignError("USAGE") for a password without a user name.
 */
export async function registryOptionsFromFlags(
  flags: FlagValues,
  ctx: Context,
  extra: Partial<RegistryClientOptions> = {},
): Promise<RegistryClientOptions> {
  const opts: RegistryClientOptions = {
    env: (n) => ctx.env(n),
    log: ctx.log,
    signal: ctx.signal,
    allowHttp: flags["allow-http-registry"] === true,
    insecure: flags["allow-insecure-registry"] === true,
    userAgent: "cosign-ts",
    ...extra,
  };
  const caFile = flagString(flags, "registry-cacert");
  if (caFile) {
    try {
      opts.caCerts = [...(opts.caCerts ?? []), await readFile(caFile, "utf8")];
    } catch (e) {
      throw new CosignError(
        "IO",
        `Cannot read registry CA certificates "${caFile}": ${(e as Error).message}`,
        { hint: "Give --registry-cacert a readable PEM file." },
      );
    }
  }
  const user = flagString(flags, "registry-username");
  const pass = flagString(flags, "registry-password");
  const token = flagString(flags, "registry-token");
  if (pass && !user) {
    throw new CosignError("USAGE", "--registry-password needs --registry-username", {
      hint: "Pass both, or log in with cosign-ts login.",
    });
  }
  if (token || user) {
    const cred: Credential = token
      ? { registryToken: token }
      : { username: user, password: pass ?? "" };
    opts.credentials = cred;
  }
  return opts;
}

/** A {@link RegistryClient} configured from the registry flags and the context. */
export async function registryClientFromFlags(
  flags: FlagValues,
  ctx: Context,
  extra: Partial<RegistryClientOptions> = {},
): Promise<RegistryClient> {
  return new RegistryClient(await registryOptionsFromFlags(flags, ctx, extra));
}
