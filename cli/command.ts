/**
 * What a CLI command is: its name, help, flags and a `run` that gets parsed flags, arguments,
 * the plugin {@link Context} and the standard streams.
 *
 * @example
 * ```ts
 * export const command: Command = {
 *   name: "public-key",
 *   summary: "Gets a public key from the key-pair.",
 *   usage: "cosign-ts public-key --key REF [--outfile F]",
 *   examples: ["cosign-ts public-key --key cosign.key"],
 *   flags: [{ name: "key", type: "string", description: "key reference" }],
 *   async run({ flags, io }) { ... return 0; },
 * };
 * ```
 * @module
 */
import type { Context } from "../core/plugin.ts";
import type { FlagSpec, FlagValues } from "./args.ts";

/** Standard streams as the commands see them. */
export interface IO {
  /** Writes to stdout, honouring back-pressure. */
  out(data: string | Uint8Array): Promise<void>;
  /** Writes to stderr. */
  err(text: string): void;
  /** Standard input as a stream. */
  stdin(): ReadableStream<Uint8Array>;
}

/** What `run` receives. */
export interface Invocation {
  /** Parsed flags, defaults applied. */
  flags: FlagValues;
  /** Positional arguments. */
  args: string[];
  /** Plugin context (runtime, registry, logger, prompts). */
  ctx: Context;
  /** Standard streams. */
  io: IO;
}

/** A command. Multi-word names ("upload blob") are matched word by word. */
export interface Command {
  /** e.g. "sign-blob", "upload blob". */
  name: string;
  /** Other names, e.g. cosign's deprecated spellings. */
  aliases?: string[];
  /** One line for the command list. */
  summary: string;
  /** Usage line(s). */
  usage: string;
  /** At least one example for --help. */
  examples: string[];
  /** Flags (global ones are added by the dispatcher). */
  flags: FlagSpec[];
  /** Positional argument count bounds; checked before run. */
  args?: { min?: number; max?: number };
  /** Runs the command; returns the exit code (0 when omitted). */
  run(inv: Invocation): Promise<number | void>;
}

/** A lazily loaded command: the summary is known without loading the module. */
export interface CommandEntry {
  /** Same as the command's name. */
  name: string;
  /** Same as the command's aliases. */
  aliases?: string[];
  /** One line for the command list. */
  summary: string;
  /** Loads the module; its `command` export is the {@link Command}. */
  load(): Promise<{ command: Command }>;
}
