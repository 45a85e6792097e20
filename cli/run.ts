/**
 * The CLI dispatcher: finds the command, parses flags (adding the global ones), loads plugins,
 * builds the {@link Context}, runs the command and turns errors into one or two lines on stderr
 * plus a documented exit code. Never prints a stack trace unless `COSIGN_TS_DEBUG=1` or
 * `--verbose`.
 *
 * @example
 * ```ts
 * const code = await run(["version"], { runtime: currentRuntime(), builtins: [] });
 * ```
 * @module
 */
import process from "node:process";
import { CosignError, exitCodeFor, isCosignError } from "../core/errors.ts";
import { type Context, type Logger, type Plugin, PluginRegistry } from "../core/plugin.ts";
import type { Runtime } from "../core/runtime.ts";
import { type FlagSpec, parseArgs } from "./args.ts";
import type { Command, CommandEntry, IO } from "./command.ts";
import { commands as builtinCommands } from "./commands/mod.ts";
import { loadPlugins, pluginsFromEnv } from "./plugin_loader.ts";

/** Flags every command accepts. */
export const GLOBAL_FLAGS: FlagSpec[] = [
  {
    name: "plugin",
    type: "strings",
    placeholder: "PATH|URL",
    description: "Load a plugin module (repeatable; also COSIGN_TS_PLUGINS, comma-separated).",
  },
  {
    name: "verbose",
    short: "d",
    type: "boolean",
    description: "Log debug output (and stack traces of errors).",
  },
  { name: "help", short: "h", type: "boolean", description: "Show help for the command." },
];

/** What the dispatcher needs from its host. */
export interface RunOptions {
  /** The runtime adapter. */
  runtime: Runtime;
  /** Built-in plugins (from main.ts). */
  builtins: Plugin[];
  /** Commands; defaults to the built-in list. */
  commands?: CommandEntry[];
  /** Environment lookup; defaults to process.env. */
  env?: (name: string) => string | undefined;
  /** Standard streams; default to the runtime's. */
  io?: IO;
}

function defaultIO(runtime: Runtime): IO {
  return {
    out: (data) =>
      runtime.writeStdout(typeof data === "string" ? new TextEncoder().encode(data) : data),
    err: (text) => runtime.writeStderr(text),
    stdin: () => runtime.stdin(),
  };
}

function findCommand(
  argv: string[],
  list: CommandEntry[],
): { entry?: CommandEntry; rest: string[]; words: string[] } {
  // Skip leading global flags (e.g. "--plugin x sign ...").
  const lead: string[] = [];
  let i = 0;
  while (i < argv.length && argv[i].startsWith("-") && argv[i] !== "-") {
    const a = argv[i];
    lead.push(a);
    if (/^--?plugin$/.test(a) && i + 1 < argv.length) lead.push(argv[++i]);
    i++;
  }
  const words: string[] = [];
  for (let j = i; j < argv.length && !argv[j].startsWith("-") && words.length < 2; j++) {
    words.push(argv[j]);
  }
  const names = (e: CommandEntry) => [e.name, ...(e.aliases ?? [])];
  for (let n = words.length; n >= 1; n--) {
    const name = words.slice(0, n).join(" ");
    const entry = list.find((e) => names(e).includes(name));
    if (entry) return { entry, rest: [...lead, ...argv.slice(i + n)], words };
  }
  return { rest: [...lead, ...argv.slice(i)], words };
}

function pad(s: string, n: number): string {
  return s.length >= n ? s + "  " : s + " ".repeat(n - s.length);
}

/** The top-level help text. */
export function topHelp(list: CommandEntry[]): string {
  const width = Math.max(...list.map((c) => c.name.length)) + 2;
  return [
    "cosign-ts: container and artifact signing, verification and storage in OCI registries,",
    "compatible with cosign.",
    "",
    "Usage:",
    "  cosign-ts COMMAND [flags] [args]",
    "",
    "Commands:",
    ...list.map((c) => `  ${pad(c.name, width)}${c.summary}`),
    "",
    "Global flags:",
    ...flagHelp(GLOBAL_FLAGS),
    "",
    'Run "cosign-ts COMMAND --help" for a command\'s flags and examples.',
    "",
  ].join("\n");
}

function flagHelp(flags: FlagSpec[]): string[] {
  const rows = flags.filter((f) => !f.hidden).map((f) => {
    const value = f.type === "boolean"
      ? ""
      : ` ${f.placeholder ?? (f.type === "strings" ? "VALUE" : "STRING")}`;
    const left = `${f.short ? `-${f.short}, ` : "    "}--${f.name}${value}`;
    const def = f.default !== undefined && f.default !== "" && f.default !== false
      ? ` (default ${JSON.stringify(f.default)})`
      : "";
    return [left, f.description + def] as const;
  });
  const width = Math.max(0, ...rows.map((r) => r[0].length)) + 2;
  return rows.map(([l, r]) => `  ${pad(l, width)}${r}`);
}

/** The help text of one command. */
export function commandHelp(c: Command): string {
  return [
    c.summary,
    "",
    "Usage:",
    ...c.usage.split("\n").map((u) => `  ${u}`),
    "",
    "Examples:",
    ...c.examples.map((e) => `  ${e}`),
    "",
    "Flags:",
    ...flagHelp(c.flags),
    "",
    "Global flags:",
    ...flagHelp(GLOBAL_FLAGS),
    "",
  ].join("\n");
}

function makeLogger(io: IO, verbose: boolean): Logger {
  return {
    info: (m) => io.err(m.endsWith("\n") ? m : m + "\n"),
    warn: (m) => io.err(`WARNING: ${m}${m.endsWith("\n") ? "" : "\n"}`),
    debug: (m) => {
      if (verbose) io.err(`DEBUG: ${m}${m.endsWith("\n") ? "" : "\n"}`);
    },
  };
}

/** Builds a plugin context. Exported for tests and for library users. */
export function makeContext(opts: {
  runtime: Runtime;
  plugins: PluginRegistry;
  env: (name: string) => string | undefined;
  log: Logger;
  yes?: boolean;
  settings?: Record<string, unknown>;
}): Context {
  const { runtime, env } = opts;
  return {
    runtime,
    plugins: opts.plugins,
    env,
    log: opts.log,
    settings: opts.settings ?? {},
    async password(req) {
      const fromEnv = env("COSIGN_PASSWORD");
      if (fromEnv !== undefined) return fromEnv;
      if (!runtime.isTerminal("stdin")) {
        throw new CosignError(
          "ABORTED",
          `Cannot get a password for ${req.purpose}: COSIGN_PASSWORD is not set and standard input is not a terminal`,
          { hint: "Set COSIGN_PASSWORD (it may be empty) or run in a terminal." },
        );
      }
      const first = await runtime.readSecret(`Enter password for ${req.purpose}: `);
      if (req.confirm) {
        const again = await runtime.readSecret(`Enter password for ${req.purpose} again: `);
        if (again !== first) {
          throw new CosignError("ABORTED", "The passwords do not match", {
            hint: "Run the command again and type the same password twice.",
          });
        }
      }
      return first;
    },
    async confirm(question) {
      if (opts.yes) return true;
      if (!runtime.isTerminal("stdin")) {
        throw new CosignError(
          "ABORTED",
          `${question} Standard input is not a terminal, so nobody can answer`,
          {
            hint: "Pass --yes (-y) to confirm.",
          },
        );
      }
      const answer = await runtime.readLine(`${question} [y/N]: `);
      return /^y(es)?$/i.test(answer.trim());
    },
  };
}

function printError(io: IO, e: unknown, debug: boolean): void {
  if (isCosignError(e)) {
    io.err(`Error: ${e.message}\n`);
    if (e.hint) io.err(`Hint: ${e.hint}\n`);
  } else {
    const msg = e instanceof Error ? e.message : String(e);
    io.err(`Error: unexpected failure: ${msg}\n`);
    if (!debug) {
      io.err("Hint: run again with COSIGN_TS_DEBUG=1 for details, and report it as a bug.\n");
    }
  }
  if (debug && e instanceof Error && e.stack) io.err(e.stack + "\n");
}

/** Runs the CLI with `argv` (without the program name) and returns the exit code. */
export async function run(argv: string[], opts: RunOptions): Promise<number> {
  const env = opts.env ?? ((name: string) => process.env[name]);
  const io = opts.io ?? defaultIO(opts.runtime);
  const list = opts.commands ?? builtinCommands;
  let debug = env("COSIGN_TS_DEBUG") === "1";
  try {
    if (argv.length === 0 || ["help", "--help", "-h", "-help"].includes(argv[0])) {
      if (argv[0] === "help" && argv.length > 1) {
        return await run([...argv.slice(1), "--help"], opts);
      }
      await io.out(topHelp(list));
      return 0;
    }
    if (argv[0] === "--version") return await run(["version"], opts);
    const { entry, rest, words } = findCommand(argv, list);
    if (!entry) {
      throw new CosignError("USAGE", `Unknown command "${words.join(" ") || argv.join(" ")}"`, {
        hint: 'Run "cosign-ts --help" to list the commands.',
      });
    }
    const { command } = await entry.load();
    const parsed = parseArgs(rest, [...command.flags, ...GLOBAL_FLAGS]);
    debug ||= parsed.flags.verbose === true;
    if (parsed.flags.help) {
      await io.out(commandHelp(command));
      return 0;
    }
    const { min = 0, max = Infinity } = command.args ?? {};
    if (parsed.args.length < min || parsed.args.length > max) {
      const want = min === max
        ? `${min}`
        : max === Infinity
        ? `at least ${min}`
        : `${min} to ${max}`;
      throw new CosignError(
        "USAGE",
        `"${command.name}" takes ${want} argument(s), got ${parsed.args.length}${
          parsed.args.length ? ` (${parsed.args.join(" ")})` : ""
        }`,
        { hint: `Usage: ${command.usage.split("\n")[0]}` },
      );
    }
    const registry = new PluginRegistry();
    for (const p of opts.builtins) registry.register(p);
    const specs = [
      ...pluginsFromEnv(env("COSIGN_TS_PLUGINS")),
      ...(parsed.flags.plugin as string[]),
    ];
    await loadPlugins(specs, registry);
    const settings: Record<string, unknown> = {};
    if (command.flags.some((f) => f.name === "registry-cacert")) {
      const { registrySettingsFromFlags } = await import("./registry_flags.ts");
      settings.registry = await registrySettingsFromFlags(parsed.flags);
    }
    const ctx = makeContext({
      runtime: opts.runtime,
      plugins: registry,
      env,
      log: makeLogger(io, debug),
      yes: parsed.flags.yes === true,
      settings,
    });
    const code = await command.run({ flags: parsed.flags, args: parsed.args, ctx, io });
    return typeof code === "number" ? code : 0;
  } catch (e) {
    printError(io, e, debug);
    return exitCodeFor(e);
  }
}
