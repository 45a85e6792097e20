/**
 * `cosign-ts env`: prints the environment variables cosign reads, as cosign's `env` command
 * does: each registered variable as `NAME="value"` (Go `%q` quoting) in name order, preceded by
 * `# NAME description` and `# Expects: …` lines unless `--show-descriptions=false`; sensitive
 * values print as `"******"` unless `--show-sensitive-values`; then any other set variable
 * starting with `COSIGN_`, `SIGSTORE_` or `TUF_`, as `NAME=value`.
 *
 * @example
 * ```sh
 * cosign-ts env --show-descriptions=false
 * ```
 * @module
 */
import process from "node:process";
import { bool } from "../args.ts";
import type { Command } from "../command.ts";

/** One registered variable: [description, what it expects, sensitive?]. */
type Registered = [string, string, boolean];

/** The variables cosign registers (pkg/cosign/env), with cosign's descriptions. */
export const ENV_VARIABLES: Readonly<Record<string, Registered>> = {
  COSIGN_EXPERIMENTAL: [
    "enables experimental cosign features",
    "1 if experimental features should be enabled (0 by default)",
    false,
  ],
  COSIGN_DOCKER_MEDIA_TYPES: [
    "to be used with registries that do not support OCI media types",
    "1 to fallback to legacy OCI media types equivalents (0 by default)",
    false,
  ],
  COSIGN_PASSWORD: [
    "overrides password inputs with this value",
    "string with a password (asks on stdin by default)",
    true,
  ],
  COSIGN_PKCS11_PIN: ["to be used if PKCS11 PIN is not provided", "string with a PIN", true],
  COSIGN_PKCS11_MODULE_PATH: ["is PKCS11 module-path", "string with a module-path", false],
  COSIGN_PKCS11_IGNORE_CERTIFICATE: [
    "disables loading certificates with PKCS11",
    "1 if loading certificates should be disabled (0 by default)",
    false,
  ],
  COSIGN_REPOSITORY: [
    "can be used to store signatures in an alternate location",
    "string with a repository",
    false,
  ],
  COSIGN_MAX_ATTACHMENT_SIZE: [
    "maximum attachment size to download (default 128MiB)",
    "human-readable unit of memory, e.g. 5120, 20K, 3M, 45MiB, 1GB",
    false,
  ],
  SIGSTORE_CT_LOG_PUBLIC_KEY_FILE: [
    "overrides what is used to validate the SCT coming back from Fulcio",
    "path to the public key file",
    false,
  ],
  SIGSTORE_ROOT_FILE: ["overrides the public good instance root CA", "path to the root CA", false],
  SIGSTORE_REKOR_PUBLIC_KEY: [
    "if specified, you can specify an oob Public Key that Rekor uses",
    "path to the public key",
    false,
  ],
  SIGSTORE_TSA_CERTIFICATE_FILE: [
    "path to the concatenated PEM-encoded TSA certificate file (leaf, intermediate(s), root) " +
    "used by Sigstore",
    "path to the TSA certificate file",
    false,
  ],
  SIGSTORE_ID_TOKEN: [
    "is a OIDC token used to authenticate to Fulcio",
    "string with a OIDC token",
    true,
  ],
  TUF_ROOT: ["path to the TUF cache directory", "path to the TUF cache directory", false],
  TUF_MIRROR: [
    "URL of the TUF mirror. Use with TUF_ROOT_JSON to refresh TUF metadata during signing and " +
    "verification commands.",
    "URL of the TUF mirror",
    false,
  ],
  TUF_ROOT_JSON: [
    "path to the TUF root.json file used to initialize and update a local TUF repository. Use " +
    "with TUF_MIRROR to refresh TUF metadata during signing and verification commands.",
    "path to root.json",
    false,
  ],
  GITHUB_HOST: [
    "is URL of the GitHub Enterprise instance",
    "string with the URL of GitHub Enterprise instance",
    false,
  ],
  GITHUB_TOKEN: ["is a token used to authenticate with GitHub", "token generated on GitHub", true],
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: [
    "is bearer token for the request to the OIDC provider",
    "string with a bearer token",
    true,
  ],
  ACTIONS_ID_TOKEN_REQUEST_URL: [
    "is the URL for GitHub's OIDC provider",
    "string with the URL for the OIDC provider",
    false,
  ],
  GITLAB_HOST: ["is URL of the GitLab instance", "string with the URL of GitLab instance", false],
  GITLAB_TOKEN: ["is a token used to authenticate with GitLab", "string with a token", true],
  SOURCE_DATE_EPOCH: [
    "overrides current time for reproducible builds, see " +
    "https://reproducible-builds.org/docs/source-date-epoch/",
    "number of seconds since unix epoch",
    false,
  ],
};

/** Go's `%q` for the strings env values are (JSON escaping matches it for printable text). */
function goQuote(s: string): string {
  return JSON.stringify(s).replace(
    /[\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * The text `cosign-ts env` prints for `vars` (name → value).
 *
 * @example
 * ```ts
 * renderEnv({ COSIGN_PASSWORD: "x" }, { descriptions: false, sensitive: false });
 * ```
 */
export function renderEnv(
  vars: Record<string, string | undefined>,
  opts: { descriptions: boolean; sensitive: boolean },
): string {
  let out = "";
  for (const name of Object.keys(ENV_VARIABLES).sort()) {
    const [description, expects, sensitive] = ENV_VARIABLES[name];
    const value = vars[name] ?? "";
    if (opts.descriptions) out += `# ${name} ${description}\n# Expects: ${expects}\n`;
    out += sensitive && !opts.sensitive && value !== ""
      ? `${name}="******"\n`
      : `${name}=${goQuote(value)}\n`;
  }
  const others = Object.keys(vars).sort().filter((n) =>
    !(n in ENV_VARIABLES) && /^(COSIGN_|SIGSTORE_|TUF_)/.test(n) && vars[n] !== undefined
  );
  if (others.length && opts.descriptions) {
    out += "# Environment variables below are not registered with cosign,\n" +
      "# but might still influence cosign's behavior.\n";
  }
  for (const n of others) out += `${n}=${vars[n]}\n`;
  return out;
}

/** The env command. */
export const command: Command = {
  name: "env",
  summary: "Prints Cosign environment variables.",
  usage: "cosign-ts env [--show-descriptions=false] [--show-sensitive-values]",
  examples: ["cosign-ts env", "cosign-ts env --show-descriptions=false"],
  flags: [
    {
      name: "show-descriptions",
      type: "boolean",
      default: true,
      description: "show descriptions for environment variables",
    },
    {
      name: "show-sensitive-values",
      type: "boolean",
      description: "show values of sensitive environment variables",
    },
  ],
  args: { max: 0 },
  async run({ flags, io }) {
    await io.out(renderEnv({ ...process.env }, {
      descriptions: bool(flags, "show-descriptions"),
      sensitive: bool(flags, "show-sensitive-values"),
    }));
  },
};
