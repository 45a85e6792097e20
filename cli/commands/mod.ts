/**
 * The built-in command list. Each entry loads its module lazily so start-up stays fast.
 * Keep entries in the order `cosign-ts --help` should list them.
 * @module
 */
import type { CommandEntry } from "../command.ts";

/** All built-in commands. */
export const commands: CommandEntry[] = [
  // keys
  // blobs
  // images
  // transparency and trust
  // misc
  {
    name: "version",
    summary: "Prints the cosign-ts version.",
    load: () => import("./version.ts"),
  },
];
