/**
 * Runs a command module in process (no compiled binary): its `run` with the flags and arguments
 * given (defaults are not applied: pass what the test means), collecting stdout. For commands
 * that need no plugin context `ctx` may be left out.
 *
 * @example
 * ```ts
 * const out = await runCommand(command, { out: "root.json" });
 * ```
 * @module
 */
import type { Command, Context, Invocation } from "../../core/plugin.ts";

/** Runs `command` and returns what it wrote to stdout. */
export async function runCommand(
  command: Command,
  flags: Record<string, unknown>,
  args: string[] = [],
  ctx?: Context,
): Promise<string> {
  let out = "";
  await command.run({
    args,
    flags,
    ctx,
    io: {
      out: (s: string | Uint8Array) => Promise.resolve(void (out += String(s))),
      err() {},
      stdin: () => new ReadableStream(),
    },
  } as unknown as Invocation);
  return out;
}

/** PEM `PUBLIC KEY` text of base64 DER (as trusted roots store keys). */
export function publicKeyPem(b64: string): string {
  return `-----BEGIN PUBLIC KEY-----\n${
    b64.replace(/(.{64})/g, "$1\n").replace(/\n$/, "")
  }\n-----END PUBLIC KEY-----\n`;
}
