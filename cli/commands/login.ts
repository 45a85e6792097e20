/**
 * `cosign-ts login REGISTRY -u USER (-p PASS | --password-stdin)`: checks the credentials with
 * the registry (as `docker login` does) and saves them in docker's config.json
 * (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`), through the configured
 * credential helper when there is one. Every image command then uses them.
 * @module
 */
import type { Command } from "../command.ts";
import { bool, str } from "../args.ts";
import { CosignError } from "../../core/errors.ts";
import { readAll } from "../../core/read_all.ts";

async function readPassword(stream: ReadableStream<Uint8Array>): Promise<string> {
  const bytes = await readAll(stream, 64 * 1024, () =>
    new CosignError(
      "TOO_LARGE",
      "Cannot read the password from standard input: over 64 KiB",
    ));
  return new TextDecoder().decode(bytes);
}

/** The login command. */
export const command: Command = {
  name: "login",
  summary: "Log in to a registry.",
  usage: "cosign-ts login REGISTRY -u USER (-p PASSWORD | --password-stdin)",
  examples: [
    "cosign-ts login ghcr.io -u octocat --password-stdin < token.txt",
    'echo "$PASSWORD" | cosign-ts login registry.example.com:5000 -u alice --password-stdin',
    "cosign-ts login localhost:5000 -u alice -p secret",
  ],
  flags: [
    { name: "username", short: "u", type: "string", description: "User name." },
    {
      name: "password",
      short: "p",
      type: "string",
      description: "Password (prefer --password-stdin: arguments are visible to other users).",
    },
    { name: "password-stdin", type: "boolean", description: "Read the password from stdin." },
    {
      name: "allow-insecure-registry",
      type: "boolean",
      description: "Allow plain HTTP and skip TLS certificate verification.",
    },
    { name: "allow-http-registry", type: "boolean", description: "Allow plain HTTP." },
    {
      name: "registry-cacert",
      type: "string",
      placeholder: "FILE",
      description: "PEM file of CA certificates to trust for the registry.",
    },
  ],
  args: { min: 1, max: 1 },
  async run({ flags, args, ctx, io }) {
    const { parseRegistry } = await import("../../oci/reference.ts");
    const raw = args[0].replace(/^https?:\/\//i, "").replace(/\/.*$/, "");
    const registry = parseRegistry(raw, args[0]);
    const username = str(flags, "username");
    let password = str(flags, "password");
    if (bool(flags, "password-stdin")) {
      if (password !== undefined) {
        throw new CosignError("USAGE", "--password and --password-stdin are mutually exclusive", {
          hint: "Use --password-stdin alone.",
        });
      }
      password = (await readPassword(io.stdin())).replace(/\r?\n$/, "");
    }
    if (!username || password === undefined || password === "") {
      throw new CosignError(
        "USAGE",
        `Cannot log in to ${registry}: username and password required`,
        {
          hint: "Pass -u USER and --password-stdin (or -p PASSWORD).",
        },
      );
    }
    const { loginToRegistry } = await import("../../oci/login.ts");
    const path = await loginToRegistry(ctx, registry, username, password);
    ctx.log.info(`logged in via ${path}`);
    return 0;
  },
};
