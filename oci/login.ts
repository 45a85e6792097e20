/**
 * `cosign-ts login`'s work: checks the credentials against the registry (without any stored
 * credential getting in the way) and saves them to docker's config.json, as `docker login` and
 * `cosign login` do. The client comes from the context's registry settings.
 *
 * @example
 * ```ts
 * const path = await loginToRegistry(ctx, "localhost:5000", "alice", password);
 * ctx.log.info(`logged in via ${path}`);
 * ```
 * @module
 */
import type { Context } from "../core/plugin.ts";
import { saveLogin } from "./docker_config.ts";
import { registryClientFor } from "./registry_options.ts";

/**
 * Checks `username`/`password` against `registry` and saves them; returns the config file's
 * path. Errors: CosignError("AUTH") for refused credentials, ("NETWORK") when the registry cannot
 * be reached, ("IO") when the config file cannot be written.
 */
export async function loginToRegistry(
  ctx: Pick<Context, "settings" | "env" | "log" | "signal">,
  registry: string,
  username: string,
  password: string,
): Promise<string> {
  const client = registryClientFor(ctx, { credentials: () => Promise.resolve(undefined) });
  await client.checkCredentials(registry, { username, password });
  return await saveLogin(registry, username, password, (n) => ctx.env(n));
}
