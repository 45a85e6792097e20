/**
 * Generates `docs/commands.md`, the command reference, from the command specs themselves: every
 * built-in command (`cli/commands/mod.ts`) and every command of a built-in plugin (`main.ts`),
 * with its summary, usage, examples and flags, plus the global flags. The text is passed through
 * `deno fmt` so the file stays format-clean. `tests/docs_test.ts` renders it in memory and fails
 * when the file on disk differs (run `deno task docs` after changing a command).
 *
 * Usage: deno task docs            (writes docs/commands.md)
 *        deno task docs --check    (exit 1 when docs/commands.md is stale)
 *
 * @example
 * ```ts
 * const markdown = await renderCommandsDoc();
 * ```
 * @module
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import type { Command, FlagSpec, Plugin } from "../core/plugin.ts";
import { commands as builtinCommands } from "../cli/commands/mod.ts";
import { GLOBAL_FLAGS } from "../cli/run.ts";
import { BUILTIN_PLUGINS } from "../main.ts";

/** The repository root. */
export const ROOT: string = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** Where the reference is written. */
export const COMMANDS_DOC: string = join(ROOT, "docs", "commands.md");

/** Escapes text for a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/</g, "\\<")
    .replace(/\n/g, " ");
}

/** The anchor GitHub derives from a heading `` `name` ``. */
function anchor(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9 -]/g, "").replace(/ /g, "-");
}

function flagValue(f: FlagSpec): string {
  if (f.type === "boolean") return "";
  return f.placeholder ?? (f.type === "strings" ? "VALUE" : "STRING");
}

/** A flags table: flag (with short name and aliases), value, default, description. */
export function flagTable(flags: FlagSpec[]): string[] {
  const shown = flags.filter((f) => !f.hidden);
  if (shown.length === 0) return ["(none)"];
  const rows = shown.map((f) => {
    const names = [
      `\`--${f.name}\``,
      ...(f.short ? [`\`-${f.short}\``] : []),
      ...(f.aliases ?? []).map((a) => `\`--${a}\``),
    ].join(", ");
    const value = flagValue(f);
    const def = f.default === undefined || f.default === "" ? "" : `\`${String(f.default)}\``;
    const repeat = f.type === "strings" && !/repeat/i.test(f.description) ? " (repeatable)" : "";
    return `| ${names} | ${value ? `\`${cell(value)}\`` : ""} | ${def} | ${
      cell(f.description)
    }${repeat} |`;
  });
  return ["| flag | value | default | description |", "| --- | --- | --- | --- |", ...rows];
}

function commandSection(c: Command, plugin?: Plugin): string[] {
  const lines = [`### \`${c.name}\``, "", c.summary, ""];
  if (plugin) lines.push(`From the built-in plugin \`${plugin.name}\`.`, "");
  if (c.aliases?.length) {
    lines.push(`Also: ${c.aliases.map((a) => `\`${a}\``).join(", ")}.`, "");
  }
  lines.push("```text", ...c.usage.split("\n"), "```", "");
  if (c.examples.length) lines.push("Examples:", "", "```sh", ...c.examples, "```", "");
  lines.push("Flags (and the [global flags](#global-flags)):", "", ...flagTable(c.flags), "");
  return lines;
}

/** A table of what the built-in plugins add: key schemes, artifact kinds, logs, TSAs. */
export function builtinPluginTable(plugins: Plugin[]): string[] {
  const rows = plugins.flatMap((p) => [
    ...(p.keys ?? []).map((k) => ["key scheme", k.scheme, k.description, p.name]),
    ...(p.artifacts ?? []).map((a) => ["artifact kind", a.kind, a.description, p.name]),
    ...(p.tlogs ?? []).map((t) => ["transparency log", t.name, t.description, p.name]),
    ...(p.timestamps ?? []).map((t) => ["timestamp authority", t.name, t.description, p.name]),
  ]);
  return [
    "| kind | name | description | plugin |",
    "| --- | --- | --- | --- |",
    ...rows.map(([kind, name, description, plugin]) =>
      `| ${kind} | \`${name}\` | ${cell(description)} | \`${plugin}\` |`
    ),
  ];
}

/** Formats Markdown with this repository's `deno fmt` settings. */
function formatMarkdown(text: string): string {
  const deno = join(ROOT, "node_modules", ".bin", "deno");
  const r = spawnSync(deno, ["fmt", "--ext=md", "-"], {
    cwd: ROOT,
    input: text,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`deno fmt failed: ${r.stderr}`);
  return r.stdout;
}

/** Renders docs/commands.md (formatted) from the command specs. */
export async function renderCommandsDoc(): Promise<string> {
  const builtins: { command: Command; plugin?: Plugin }[] = [];
  for (const entry of builtinCommands) builtins.push({ command: (await entry.load()).command });
  for (const plugin of BUILTIN_PLUGINS) {
    for (const command of plugin.commands ?? []) builtins.push({ command, plugin });
  }
  const lines = [
    "# Command reference",
    "",
    "<!-- Generated by `deno task docs` (scripts/gen_docs.ts) from the command specs: do not edit",
    "by hand. tests/docs_test.ts fails when this file is stale. -->",
    "",
    "Every command also prints this with `cosign-ts COMMAND --help`. Flags follow cosign:",
    "`--key k`, `--key=k` and cosign 1.x's `-key k` all work; boolean flags take `--flag=false`.",
    "Commands added by plugins loaded with `--plugin` are listed by `cosign-ts --plugin P --help`.",
    "",
    "## Commands",
    "",
    "| command | what it does |",
    "| --- | --- |",
    ...builtins.map(({ command: c }) =>
      `| [\`${c.name}\`](#${anchor(c.name)}) | ${cell(c.summary)} |`
    ),
    "",
    "## Global flags",
    "",
    "Accepted by every command, before or after the command name.",
    "",
    ...flagTable(GLOBAL_FLAGS),
    "",
    "## Built-in plugins",
    "",
    "What the binary knows without `--plugin` (the same lists as `cosign-ts --help`):",
    "",
    ...builtinPluginTable(BUILTIN_PLUGINS),
    "",
    "## Reference",
    "",
    ...builtins.flatMap(({ command, plugin }) => commandSection(command, plugin)),
  ];
  return formatMarkdown(lines.join("\n"));
}

if (import.meta.main) {
  const text = await renderCommandsDoc();
  if (process.argv.includes("--check")) {
    let current = "";
    try {
      current = readFileSync(COMMANDS_DOC, "utf8");
    } catch { /* missing: stale */ }
    if (current !== text) {
      console.error("docs/commands.md is stale: run `deno task docs`.");
      process.exit(1);
    }
  } else {
    mkdirSync(dirname(COMMANDS_DOC), { recursive: true });
    writeFileSync(COMMANDS_DOC, text);
    console.error(`wrote ${COMMANDS_DOC}`);
  }
}
