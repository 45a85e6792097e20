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
import type { Command } from "../core/plugin.ts";
export type { Command, Invocation, IO } from "../core/plugin.ts";

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
