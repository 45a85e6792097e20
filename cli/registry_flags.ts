/**
 * cosign's registry flags (`--allow-insecure-registry`, `--allow-http-registry`,
 * `--registry-cacert`, `--registry-username`, `--registry-password`, `--registry-token`) and
 * what they resolve to: plain {@link RegistrySettings} that the dispatcher puts into the plugin
 * context as `ctx.settings.registry`, where the oci/ client (and any artifact plugin) reads them.
 *
 * @example
 * ```ts
 * export const command: Command = { flags: [...REGISTRY_FLAGS, ...], ... };
 * // cli/run.ts: settings.registry = await registrySettingsFromFlags(parsed.flags);
 * ```
 * @module
 */
import { CosignError } from "../core/errors.ts";
import type { FlagSpec, FlagValues } from "../core/plugin.ts";
import type { RegistrySettings } from "../oci/registry_options.ts";

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
 * The registry settings the flags give. Throws CosignError("IO") when the CA file cannot be
 * read, CosignError("USAGE") for a password without a user name.
 */
export async function registrySettingsFromFlags(flags: FlagValues): Promise<RegistrySettings> {
  const settings: RegistrySettings = {
    allowHttp: flags["allow-http-registry"] === true,
    insecure: flags["allow-insecure-registry"] === true,
  };
  const caFile = flagString(flags, "registry-cacert");
  if (caFile) {
    try {
      // Loaded here, not at the top: plugins' light entries list REGISTRY_FLAGS at start-up.
      const { readFile } = await import("node:fs/promises");
      settings.caCerts = [await readFile(caFile, "utf8")];
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
  if (token) settings.credentials = { registryToken: token };
  else if (user) settings.credentials = { username: user, password: pass ?? "" };
  return settings;
}
