/**
 * Which trusted root a command uses, and where `initialize` caches TUF metadata:
 *
 * 1. `--trusted-root FILE`;
 * 2. else `<cache>/trusted_root.json` written by `cosign-ts initialize`;
 * 3. else the public-good trusted root embedded in the binary.
 *
 * `<cache>` is `$COSIGN_TS_CACHE`, else `$TUF_ROOT` (cosign's variable), else
 * `~/.sigstore/root`. Nothing here touches the network.
 *
 * @example
 * ```ts
 * const trust = await loadTrustedRoot(ctx, str(flags, "trusted-root"));
 * ```
 * @module
 */
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { CosignError, describeError } from "../core/errors.ts";
import type { Context } from "../core/plugin.ts";
import type { TrustedRoot } from "../core/trust/trusted_root.ts";

/** Largest trusted_root.json accepted. */
const MAX_TRUSTED_ROOT_BYTES = 8 * 1024 * 1024;

/** The TUF cache directory (see the module documentation). */
export function trustCacheDir(ctx: Pick<Context, "env">): string {
  return ctx.env("COSIGN_TS_CACHE") || ctx.env("TUF_ROOT") ||
    join(ctx.env("HOME") || homedir(), ".sigstore", "root");
}

async function readText(path: string, what: string): Promise<string | undefined> {
  try {
    const data = await readFile(path);
    if (data.length > MAX_TRUSTED_ROOT_BYTES) {
      throw new CosignError("TOO_LARGE", `Cannot read ${what} "${path}": larger than 8 MiB`);
    }
    return new TextDecoder().decode(data);
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return undefined;
    if (e instanceof CosignError) throw e;
    throw new CosignError("IO", `Cannot read ${what} "${path}": ${describeError(e)}`);
  }
}

/**
 * Loads the trusted root to verify with. Throws CosignError("IO") for an unreadable
 * `--trusted-root` file and CosignError("INVALID_INPUT") for a malformed one.
 */
export async function loadTrustedRoot(ctx: Context, path?: string): Promise<TrustedRoot> {
  const { parseTrustedRoot, publicGoodTrustedRoot } = await import("../core/trust/trusted_root.ts");
  if (path) {
    const text = await readText(path, "trusted root");
    if (text === undefined) {
      throw new CosignError("IO", `Cannot read trusted root "${path}": no such file`, {
        hint: "Pass the path of a trusted_root.json with --trusted-root.",
      });
    }
    return await parseTrustedRoot(text, `"${path}"`);
  }
  const cached = join(trustCacheDir(ctx), "trusted_root.json");
  const text = await readText(cached, "cached trusted root");
  if (text !== undefined) {
    ctx.log.debug(`using the trusted root cached by initialize: ${cached}`);
    return await parseTrustedRoot(text, `"${cached}" (from cosign-ts initialize)`);
  }
  return await publicGoodTrustedRoot();
}
