/**
 * The CLI dispatcher. In order: reads the global flags (`--plugin`, `-d/--verbose`, `-h/--help`,
 * `-t/--timeout`) wherever they appear before `--`; registers the built-in plugins and loads the
 * third-party ones (`COSIGN_TS_PLUGINS`, then `--plugin`); finds the command among the built-in
 * commands and the plugins' commands (one or two words; a group word alone such as `attach`
 * lists its subcommands); parses the command's flags; builds the {@link Context} (with
 * `settings.timeout` and a `signal` that aborts at the `--timeout` deadline); runs the command and
 * turns errors into one to three lines on stderr (`Error:`, `Hint:`, `Failed check:`) plus a
 * documented exit code. Never prints a stack trace unless `COSIGN_TS_DEBUG=1` or `--verbose`.
 *
 * @example
 * ```ts
 * const code = await run(["version"], { runtime: currentRuntime(), builtins: [] });
 * ```
 * @module
 */
import process from "node:process";
import { abortPromise, formatDuration, startDeadline } from "../core/deadline.ts";
import { CosignError, exitCodeFor, isCosignError } from "../core/errors.ts";
import {
  type Context,
  type Contribution,
  type Logger,
  type Plugin,
  PluginRegistry,
} from "../core/plugin.ts";
import type { Runtime } from "../core/runtime.ts";
import { type FlagSpec, parseArgs, parseDuration } from "./args.ts";
import type { Command, CommandEntry, IO } from "./command.ts";
import { commands as builtinCommands } from "./commands/mod.ts";
import type { PluginSource } from "./plugin_loader.ts";
import { progressFactory } from "./progress.ts";

/** cosign's default for `--timeout`. */
export const DEFAULT_TIMEOUT = "3m";

/** Flags every command accepts. */
export const GLOBAL_FLAGS: FlagSpec[] = [
  {
    name: "plugin",
    type: "strings",
    placeholder: "PATH|URL",
    description: "Load a plugin module: a path, or an https:// URL pinned with #sha256=<hex> " +
      "(repeatable; also COSIGN_TS_PLUGINS, comma-separated).",
  },
  {
    name: "timeout",
    short: "t",
    type: "string",
    placeholder: "DURATION",
    default: DEFAULT_TIMEOUT,
    description: "Timeout for commands, e.g. 30s, 10m, 1h30m (0: no limit).",
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
  /**
   * Aborted when the user interrupts (Ctrl-C; main.ts wires SIGINT to it): the command's signal
   * aborts, it gets {@link INTERRUPT_GRACE_MS} to unwind (temporary files removed, sessions
   * closed), and run() returns 130.
   */
  interrupt?: AbortSignal;
}

/** How long an interrupted command may take to unwind before run() returns anyway. */
export const INTERRUPT_GRACE_MS = 2000;

/** The exit code of an interrupted command (128 + SIGINT, as shells report it). */
export const EXIT_INTERRUPTED = 130;

/**
 * Waits up to `ms` for `running` to settle: its rejection reason, or undefined when it resolved or
 * is still running after `ms`.
 */
async function settleWithin(running: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const out = await Promise.race([
    running.then(() => undefined, (e) => e),
    new Promise((resolve) => timer = setTimeout(resolve, ms)),
  ]);
  clearTimeout(timer);
  return out;
}

/** Waits up to {@link INTERRUPT_GRACE_MS} for the command to unwind, then rejects with `reason`. */
async function unwind(running: Promise<unknown>, reason: unknown): Promise<never> {
  await settleWithin(running, INTERRUPT_GRACE_MS);
  throw reason;
}

function defaultIO(runtime: Runtime): IO {
  return {
    out: (data) =>
      runtime.writeStdout(typeof data === "string" ? new TextEncoder().encode(data) : data),
    err: (text) => runtime.writeStderr(text),
    stdin: () => runtime.stdin(),
  };
}

/** The global flags as read before the command is known, and where the command words are. */
export interface GlobalScan {
  /** `--plugin` values, in order. */
  plugins: string[];
  /** `-d/--verbose` given (and not `=false`). */
  verbose: boolean;
  /** `-h/--help` given (and not `=false`). */
  help: boolean;
  /** The last `-t/--timeout` value, if any. */
  timeout?: string;
  /** The command words (at most two leading non-flag arguments). */
  words: string[];
  /** Index in argv of each command word. */
  wordIndexes: number[];
}

const BOOL_GLOBAL = /^(?:--?(verbose|help)(?:=(.*))?|-(d|h))$/s;

/** A value-taking global flag in `a` (`--plugin[=v]`, `-timeout[=v]`, `-t`, `-t=v`, `-t30s`). */
function valueGlobal(a: string): { name: "plugin" | "timeout"; value?: string } | undefined {
  const long = /^--?(plugin|timeout)(?:=(.*))?$/s.exec(a);
  if (long) return { name: long[1] as "plugin" | "timeout", value: long[2] };
  const short = /^-t(?:=(.*)|(\d.*))?$/s.exec(a);
  if (short) return { name: "timeout", value: short[1] ?? short[2] };
  return undefined;
}

/**
 * Reads the global flags wherever they appear (up to `--`) and finds the command words: the
 * first one or two non-flag arguments, with global flags (and their values) allowed before and
 * between them. Any other flag ends the command words. Never throws; malformed values are
 * reported when the command's flags are parsed.
 *
 * @example
 * ```ts
 * scanGlobals(["--plugin", "p.ts", "upload", "wasm", "--help"]);
 * // { plugins: ["p.ts"], help: true, verbose: false, words: ["upload", "wasm"], wordIndexes: [2, 3] }
 * ```
 */
export function scanGlobals(argv: string[]): GlobalScan {
  const scan: GlobalScan = {
    plugins: [],
    verbose: false,
    help: false,
    words: [],
    wordIndexes: [],
  };
  let wordsOpen = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") break;
    const v = valueGlobal(a);
    if (v) {
      const value = v.value ?? argv[++i];
      if (value === undefined) break;
      if (v.name === "plugin") scan.plugins.push(value);
      else scan.timeout = value;
      continue;
    }
    const b = BOOL_GLOBAL.exec(a);
    if (b) {
      const name = b[1] ?? (b[3] === "d" ? "verbose" : "help");
      const on = b[2] === undefined || /^(true|1|t|yes)$/i.test(b[2]);
      if (name === "verbose") scan.verbose = on;
      else scan.help = on;
      continue;
    }
    if (a.startsWith("-") && a !== "-") {
      wordsOpen = false;
      continue;
    }
    if (wordsOpen && scan.words.length < 2) {
      scan.words.push(a);
      scan.wordIndexes.push(i);
    } else {
      wordsOpen = false;
    }
  }
  return scan;
}

/** A command entry with the plugin that provides it (absent for built-ins). */
export interface ListedCommand extends CommandEntry {
  /** The providing plugin's name, for third-party commands. */
  plugin?: string;
}

/**
 * The built-in commands followed by the plugins' commands. A plugin command whose name (or
 * alias) is a built-in command, a built-in command group (`attach`) or `help`, or that starts
 * with a built-in one-word command (`sign thing` would take `sign`'s argument), is an error
 * naming the plugin. Joining a built-in group (`upload thing`) is fine.
 */
export function commandList(
  builtins: CommandEntry[],
  contributed: Contribution<Command>[],
): ListedCommand[] {
  const taken = new Set<string>(["help"]); // built-in names and group words
  const single = new Set<string>(["help"]); // built-in one-word commands
  for (const e of builtins) {
    for (const n of [e.name, ...(e.aliases ?? [])]) {
      taken.add(n);
      if (n.includes(" ")) taken.add(n.split(" ")[0]);
      else single.add(n);
    }
  }
  const list: ListedCommand[] = [...builtins];
  for (const { item: command, plugin } of contributed) {
    for (const n of [command.name, ...(command.aliases ?? [])]) {
      const first = n.split(" ")[0];
      const clash = taken.has(n) ? n : n.includes(" ") && single.has(first) ? first : undefined;
      if (clash !== undefined) {
        throw new CosignError(
          "PLUGIN",
          `Cannot load plugin "${plugin.name}": command "${n}" ${
            clash === n
              ? "is already a built-in command"
              : `would hide the built-in command "${clash}"`
          }`,
          { hint: `Rename the plugin's command, or remove the plugin.` },
        );
      }
    }
    list.push({
      name: command.name,
      aliases: command.aliases,
      summary: command.summary,
      plugin: plugin.name,
      load: () => Promise.resolve({ command }),
    });
  }
  return list;
}

function findCommand(words: string[], list: ListedCommand[]): ListedCommand | undefined {
  const names = (e: CommandEntry) => [e.name, ...(e.aliases ?? [])];
  for (let n = words.length; n >= 1; n--) {
    const name = words.slice(0, n).join(" ");
    const entry = list.find((e) => names(e).includes(name));
    if (entry) return entry;
  }
  return undefined;
}

/** The subcommands of a group word (`attach` → `attach signature`, …), in list order. */
function groupMembers(word: string, list: ListedCommand[]): ListedCommand[] {
  return list.filter((e) => e.name.startsWith(word + " "));
}

function pad(s: string, n: number): string {
  return s.length >= n ? s + "  " : s + " ".repeat(n - s.length);
}

function rows(items: [string, string][], empty = "(none loaded)"): string[] {
  if (items.length === 0) return [`  ${empty}`];
  const width = Math.max(...items.map(([l]) => l.length)) + 2;
  return items.map(([l, r]) => `  ${pad(l, width)}${r}`.trimEnd());
}

function commandRows(list: ListedCommand[]): string[] {
  return rows(list.map((c) => [c.name, c.summary + (c.plugin ? ` (plugin ${c.plugin})` : "")]));
}

/** What a help section lists: a name and a one-line description per contribution. */
type Listed = { name: string; description: string };

/** The top-level help sections of plugin contributions, in order. */
const HELP_SECTIONS: [string, (p: Plugin) => Listed[] | undefined][] = [
  ["Key schemes", (p) => p.keys?.map((k) => ({ name: k.scheme, description: k.description }))],
  [
    "Artifact kinds",
    (p) => p.artifacts?.map((a) => ({ name: a.kind, description: a.description })),
  ],
  ["Transparency logs", (p) => p.tlogs],
  ["Timestamp authorities", (p) => p.timestamps],
  ["Policy engines", (p) => p.policies],
];

/**
 * The top-level help text: the commands (plugin commands with their plugin's name), then the key
 * schemes, artifact kinds, transparency logs, timestamp authorities and policy engines of the
 * loaded plugins, each with its description and plugin, then the plugins themselves and the global
 * flags.
 * Without a registry only the commands and flags are listed.
 */
export function topHelp(list: ListedCommand[], registry?: PluginRegistry): string {
  const sections: string[] = [];
  if (registry) {
    for (const [title, pick] of HELP_SECTIONS) {
      sections.push(
        `${title}:`,
        ...rows(
          registry.contributions(pick).map((c) => [
            c.item.name,
            `${c.item.description ?? ""} (plugin ${c.plugin.name})`.trim(),
          ]),
        ),
        "",
      );
    }
    sections.push(
      "Plugins:",
      ...rows(
        registry.contributions((p) => [p]).sort((a, b) => +a.thirdParty - +b.thirdParty).map((
          { plugin, thirdParty },
        ) => [
          plugin.name,
          [plugin.description, thirdParty ? "(loaded)" : "(built-in)"].filter(Boolean).join(" "),
        ]),
      ),
      "",
    );
  }
  return [
    "cosign-ts: container and artifact signing, verification and storage in OCI registries,",
    "compatible with cosign.",
    "",
    "Usage:",
    "  cosign-ts COMMAND [flags] [args]",
    "",
    "Commands:",
    ...commandRows(list),
    "",
    ...sections,
    "Global flags:",
    ...flagHelp(GLOBAL_FLAGS),
    "",
    'Run "cosign-ts COMMAND --help" for a command\'s flags and examples.',
    "",
  ].join("\n");
}

/** The help text of a command group (`cosign-ts attach`): its subcommands. */
export function groupHelp(word: string, members: ListedCommand[]): string {
  return [
    `Subcommands of "${word}":`,
    "",
    "Usage:",
    `  cosign-ts ${word} SUBCOMMAND [flags] [args]`,
    "",
    "Commands:",
    ...commandRows(members),
    "",
    `Run "cosign-ts ${word} SUBCOMMAND --help" for a subcommand's flags and examples.`,
    "",
  ].join("\n");
}

function flagHelp(flags: FlagSpec[]): string[] {
  return rows(
    flags.filter((f) => !f.hidden).map((f) => {
      const value = f.type === "boolean"
        ? ""
        : ` ${f.placeholder ?? (f.type === "strings" ? "VALUE" : "STRING")}`;
      const left = `${f.short ? `-${f.short}, ` : "    "}--${f.name}${value}`;
      const def = f.default !== undefined && f.default !== "" && f.default !== false
        ? ` (default ${JSON.stringify(f.default)})`
        : "";
      return [left, f.description + def];
    }),
    "",
  );
}

/** The help text of one command (`plugin`: the providing plugin's name, for plugin commands). */
export function commandHelp(c: Command, plugin?: string): string {
  return [
    c.summary,
    ...(plugin ? ["", `Provided by plugin "${plugin}".`] : []),
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
  signal?: AbortSignal;
}): Context {
  const { runtime, env } = opts;
  let progress: ReturnType<typeof progressFactory> | null = null;
  return {
    runtime,
    plugins: opts.plugins,
    env,
    log: opts.log,
    settings: opts.settings ?? {},
    ...(opts.signal ? { signal: opts.signal } : {}),
    // Progress for long transfers: on a terminal only, never on a pipe or in CI (cli/progress.ts).
    // Decided on first use: asking whether standard error is a terminal loads node:tty under
    // Bun, which costs more CPU than the rest of a short command such as `version`.
    get progress() {
      if (progress === null) {
        progress = progressFactory({
          isTerminal: runtime.isTerminal("stderr"),
          env,
          write: (t) => runtime.writeStderr(t),
        });
      }
      return progress;
    },
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

/**
 * Prints an error: `Error: …`, then `Hint: …` when there is one, then `Failed check: <check>`
 * for verification failures that name their check (a stable code scripts may rely on). Errors
 * that are not CosignErrors are reported as unexpected failures (bugs).
 */
export function printError(io: IO, e: unknown, debug: boolean): void {
  if (isCosignError(e)) {
    io.err(`Error: ${e.message}\n`);
    if (e.hint) io.err(`Hint: ${e.hint}\n`);
    if (e.check) io.err(`Failed check: ${e.check}\n`);
  } else {
    const msg = e instanceof Error ? e.message : String(e);
    io.err(`Error: unexpected failure: ${msg}\n`);
    if (!debug) {
      io.err("Hint: run again with COSIGN_TS_DEBUG=1 for details, and report it as a bug.\n");
    }
  }
  if (debug && e instanceof Error && e.stack) io.err(e.stack + "\n");
}

/** True for a CosignError that already says what timed out (e.g. "Cannot reach Vault at …: timed out"). */
function namesTimeout(e: unknown): boolean {
  // A registry operation stopped by the command's own deadline only repeats it ("… the command
  // did not complete within …"): the generic message naming the command and --timeout is clearer.
  return isCosignError(e) && /timed out/.test(e.message) &&
    !/the command did not complete/.test(e.message);
}

/** How long, after the deadline, the command's own timeout error may take to arrive. */
const OWN_TIMEOUT_ERROR_GRACE_MS = 1000;

/**
 * At the --timeout deadline: the command's own error when it fails within 1 s and names what
 * timed out (a service request stopped by the same deadline says which service and URL; on a
 * loaded machine its rejection can take a few hundred milliseconds to come through), else
 * `reason` (the generic timeout error is made from it).
 */
async function ownTimeoutError(running: Promise<unknown>, reason: unknown): Promise<never> {
  const own = await settleWithin(running, OWN_TIMEOUT_ERROR_GRACE_MS);
  throw namesTimeout(own) ? own : reason;
}

function timeoutError(what: string, ms: number, cause: unknown): CosignError {
  return new CosignError(
    "NETWORK",
    `${what} did not finish within the ${formatDuration(ms)} timeout (--timeout)`,
    {
      hint: "Raise the limit with --timeout (e.g. --timeout 10m; 0 means no limit), or check " +
        "that the registries and services involved answer.",
      cause,
    },
  );
}

function checkArgCount(command: Command, args: string[]): void {
  const { min = 0, max = Infinity } = command.args ?? {};
  if (args.length >= min && args.length <= max) return;
  const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
  throw new CosignError(
    "USAGE",
    `"${command.name}" takes ${want} argument(s), got ${args.length}${
      args.length ? ` (${args.join(" ")})` : ""
    }`,
    { hint: `Usage: ${command.usage.split("\n")[0]}` },
  );
}

/** Runs the CLI with `argv` (without the program name) and returns the exit code. */
export async function run(argv: string[], opts: RunOptions): Promise<number> {
  const env = opts.env ?? ((name: string) => process.env[name]);
  const io = opts.io ?? defaultIO(opts.runtime);
  let debug = env("COSIGN_TS_DEBUG") === "1";
  let deadline: ReturnType<typeof startDeadline> | undefined;
  let doing = "cosign-ts";
  try {
    if (argv[0] === "--version") return await run(["version", ...argv.slice(1)], opts);
    const scan = scanGlobals(argv);
    if (scan.words[0] === "help") {
      const rest = argv.filter((_, i) => i !== scan.wordIndexes[0]);
      return await run([...rest, "--help"], opts);
    }
    debug ||= scan.verbose;
    const timeoutMs = parseDuration(scan.timeout ?? DEFAULT_TIMEOUT);
    deadline = startDeadline(timeoutMs, opts.interrupt, "the command");

    const registry = new PluginRegistry();
    for (const p of opts.builtins) registry.register(p);
    const fromEnv = env("COSIGN_TS_PLUGINS") ?? "";
    if (scan.plugins.length > 0 || fromEnv.trim() !== "") {
      // Loaded only when plugins are named, so plain commands start without it.
      const { loadPlugins, pluginsFromEnv } = await import("./plugin_loader.ts");
      const sources: PluginSource[] = [
        ...pluginsFromEnv(fromEnv).map((spec) => ({ spec, from: "COSIGN_TS_PLUGINS" as const })),
        ...scan.plugins.map((spec) => ({ spec, from: "--plugin" as const })),
      ];
      doing = "Loading plugins";
      await Promise.race([
        loadPlugins(sources, registry, {
          signal: deadline.signal,
          notice: (m) => io.err(m + "\n"),
        }),
        abortPromise(deadline.signal),
      ]);
    }
    const list = commandList(opts.commands ?? builtinCommands, registry.commands());

    if (scan.words.length === 0) {
      parseArgs(argv, GLOBAL_FLAGS); // refuses flags that need a command
      await io.out(topHelp(list, registry));
      return 0;
    }
    const entry = findCommand(scan.words, list);
    if (!entry) {
      const members = groupMembers(scan.words[0], list);
      if (members.length > 0 && scan.words.length === 1) {
        await io.out(groupHelp(scan.words[0], members));
        return 0;
      }
      const unknown = members.length > 0 ? scan.words.join(" ") : scan.words[0];
      throw new CosignError("USAGE", `Unknown command "${unknown}"`, {
        hint: members.length > 0
          ? `"${scan.words[0]}" has these subcommands: ${
            members.map((m) => m.name.split(" ")[1]).join(", ")
          }.`
          : 'Run "cosign-ts --help" to list the commands.',
      });
    }
    const { command } = await entry.load();
    const used = entry.name.split(" ").length;
    const rest = argv.filter((_, i) => !scan.wordIndexes.slice(0, used).includes(i));
    const parsed = parseArgs(rest, [...command.flags, ...GLOBAL_FLAGS]);
    debug ||= parsed.flags.verbose === true;
    if (parsed.flags.help) {
      await io.out(commandHelp(command, entry.plugin));
      return 0;
    }
    checkArgCount(command, parsed.args);
    const settings: Record<string, unknown> = { timeout: timeoutMs };
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
      signal: deadline.signal,
    });
    doing = `"${command.name}"`;
    const running = command.run({ flags: parsed.flags, args: parsed.args, ctx, io });
    const code = await Promise.race([
      running,
      abortPromise(deadline.signal).catch((e) =>
        opts.interrupt?.aborted ? unwind(running, e) : ownTimeoutError(running, e)
      ),
    ]);
    return typeof code === "number" ? code : 0;
  } catch (e) {
    if (opts.interrupt?.aborted) {
      io.err("Error: interrupted (Ctrl-C)\n");
      return EXIT_INTERRUPTED;
    }
    const err = deadline?.signal.aborted && !namesTimeout(e)
      ? timeoutError(doing, deadline.ms, e)
      : e;
    printError(io, err, debug);
    return exitCodeFor(err);
  } finally {
    deadline?.dispose();
  }
}
