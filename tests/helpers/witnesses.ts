/**
 * A plugin context whose registry holds the built-in witness plugins ("rekor" from
 * plugins/tlog-rekor, "rfc3161" from plugins/tsa-rfc3161), plus any extra plugins given first
 * as third-party ones, for tests that verify bundles or log entries through the plugin
 * contracts (core/verify/witnesses.ts). Its log and prompts are silent; `debug` lines are kept.
 *
 * @example
 * ```ts
 * const { ctx } = witnessContext();
 * await verifyBundle(bundle, { bytes }, policy, trust, ctx);
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import { type Context, type Plugin, PluginRegistry } from "../../core/plugin.ts";
import { currentRuntime } from "../../runtime/mod.ts";
import { tlogRekorPlugin } from "../../plugins/tlog-rekor/plugin.ts";
import { tsaRfc3161Plugin } from "../../plugins/tsa-rfc3161/plugin.ts";

/** A context with the built-in witness plugins and `thirdParty` (registered as third-party). */
export function witnessContext(thirdParty: Plugin[] = []): { ctx: Context; debug: string[] } {
  const plugins = new PluginRegistry();
  plugins.register(tlogRekorPlugin);
  plugins.register(tsaRfc3161Plugin);
  for (const p of thirdParty) plugins.register(p, `test plugin ${p.name}`);
  const debug: string[] = [];
  const ctx: Context = {
    runtime: currentRuntime(),
    plugins,
    env: () => undefined,
    log: { info() {}, warn() {}, debug: (m) => debug.push(m) },
    password: () => Promise.reject(new CosignError("ABORTED", "no password in tests")),
    confirm: () => Promise.resolve(false),
  };
  return { ctx, debug };
}
