/**
 * Terminal line collection shared by the runtime adapters: reads raw bytes until Enter,
 * handling backspace and Ctrl-C/Ctrl-D.
 * @module
 */
import { CosignError } from "../core/errors.ts";

/**
 * Reads one line from a raw-mode byte source. `next()` yields the next chunk, or null at end of
 * input. Throws CosignError("ABORTED") on Ctrl-C, or on Ctrl-D/end of input with nothing typed.
 */
export async function collectLine(next: () => Promise<Uint8Array | null>): Promise<string> {
  const bytes: number[] = [];
  for (;;) {
    const chunk = await next();
    if (chunk === null) {
      if (bytes.length === 0) throw new CosignError("ABORTED", "No input: the terminal was closed");
      break;
    }
    for (const b of chunk) {
      if (b === 0x0d || b === 0x0a) return new TextDecoder().decode(new Uint8Array(bytes));
      if (b === 0x03) throw new CosignError("ABORTED", "Interrupted (Ctrl-C)");
      if (b === 0x04) {
        if (bytes.length === 0) throw new CosignError("ABORTED", "No input (Ctrl-D)");
        return new TextDecoder().decode(new Uint8Array(bytes));
      }
      if (b === 0x7f || b === 0x08) {
        bytes.pop();
        continue;
      }
      bytes.push(b);
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** The error for a prompt with no terminal to ask. */
export function noTerminal(prompt: string): CosignError {
  return new CosignError(
    "ABORTED",
    `Cannot ask "${prompt.trim()}": standard input is not a terminal`,
    {
      hint: "Set COSIGN_PASSWORD for passwords, or pass --yes to confirm.",
    },
  );
}
