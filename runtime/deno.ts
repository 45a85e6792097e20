/**
 * The Deno runtime adapter. The only place (with runtime/bun.ts) that touches `Deno.*`.
 * @module
 */
import type { Runtime } from "../core/runtime.ts";
import { denoFfi } from "./ffi_deno.ts";
import { collectLine, noTerminal } from "./line.ts";

// deno-lint-ignore no-explicit-any
const D = (globalThis as any).Deno;

function stream(name: "stdin" | "stdout" | "stderr") {
  return D[name];
}

async function readRawLine(prompt: string, echo: boolean): Promise<string> {
  if (!D.stdin.isTerminal()) throw noTerminal(prompt);
  // Echo off before the prompt appears: a fast typist (or a script) must not be echoed.
  if (!echo) D.stdin.setRaw(true);
  await D.stderr.write(new TextEncoder().encode(prompt));
  const buf = new Uint8Array(256);
  try {
    return await collectLine(async () => {
      const n = await D.stdin.read(buf);
      return n === null ? null : buf.slice(0, n);
    });
  } finally {
    if (!echo) {
      D.stdin.setRaw(false);
      await D.stderr.write(new TextEncoder().encode("\n"));
    }
  }
}

/** Runtime adapter for Deno. */
export const denoRuntime: Runtime = {
  name: "deno",
  version: String(D?.version?.deno ?? "unknown"),
  isTerminal: (s) => Boolean(stream(s)?.isTerminal?.()),
  readSecret: (prompt) => readRawLine(prompt, false),
  readLine: (prompt) => readRawLine(prompt, true),
  execPath: () => String(D.execPath()),
  stdin: () => D.stdin.readable,
  async writeStdout(data) {
    let off = 0;
    while (off < data.length) off += await D.stdout.write(data.subarray(off));
  },
  writeStderr(text) {
    const b = new TextEncoder().encode(text);
    let off = 0;
    while (off < b.length) off += D.stderr.writeSync(b.subarray(off));
  },
  ffi: () => Promise.resolve(denoFfi),
};
