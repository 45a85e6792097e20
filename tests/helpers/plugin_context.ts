/**
 * A plugin {@link Context} for unit tests: the given plugins registered (and third-party ones,
 * if any), the environment from a record (never the process's), a fixed password (or none:
 * ABORTED, as with no terminal) and a fixed answer to confirmations, recording what was asked and
 * logged.
 *
 * @example
 * ```ts
 * const { ctx, asked, info } = testContext([keyK8sPlugin], { KUBECONFIG: path }, { password: "pw" });
 * await ctx.plugins.signer("k8s://ns/name", ctx);
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import { type Context, type Plugin, PluginRegistry } from "../../core/plugin.ts";
import { currentRuntime } from "../../runtime/mod.ts";

/** What {@link testContext} returns. */
export interface TestContext {
  /** The context. */
  ctx: Context;
  /** Questions asked: `password: <purpose>`, `confirm: <question>`, in order. */
  asked: string[];
  /** Lines given to `ctx.log.info`. */
  info: string[];
  /** Lines given to `ctx.log.debug`. */
  debug: string[];
}

/** Options for {@link testContext}. */
export interface TestContextOptions {
  /** The password `ctx.password` gives; absent: it fails with ABORTED. */
  password?: string;
  /** The answer to `ctx.confirm` (default false). */
  yes?: boolean;
  /** Plugins registered after `plugins` as third-party ones (origin `test plugin NAME`). */
  thirdParty?: Plugin[];
}

/**
 * A context with `plugins` registered (built-in origin), `options.thirdParty` as third-party
 * ones, and `env` as its environment.
 */
export function testContext(
  plugins: Plugin[],
  env: Record<string, string>,
  options: TestContextOptions = {},
): TestContext {
  const asked: string[] = [];
  const info: string[] = [];
  const debug: string[] = [];
  const registry = new PluginRegistry();
  for (const p of plugins) registry.register(p);
  for (const p of options.thirdParty ?? []) registry.register(p, `test plugin ${p.name}`);
  const ctx: Context = {
    runtime: currentRuntime(),
    plugins: registry,
    env: (name) => env[name],
    log: { info: (m) => info.push(m), warn() {}, debug: (m) => debug.push(m) },
    password(req) {
      asked.push(`password: ${req.purpose}`);
      return options.password === undefined
        ? Promise.reject(new CosignError("ABORTED", "no password here"))
        : Promise.resolve(options.password);
    },
    confirm(q) {
      asked.push(`confirm: ${q}`);
      return Promise.resolve(options.yes ?? false);
    },
  };
  return { ctx, asked, info, debug };
}
