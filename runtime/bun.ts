/**
 * The Bun runtime adapter (the compiled binary runs on Bun). Also used under Node.
 * Nothing heavy is imported at start-up (every command pays for it): `node:stream` is loaded
 * only under Node, when standard input is first read.
 * @module
 */
import process from "node:process";
import type { Runtime } from "../core/runtime.ts";
import { collectLine, noTerminal } from "./line.ts";

// deno-lint-ignore no-explicit-any
const B = (globalThis as any).Bun;

async function readTerminalLine(prompt: string, echo: boolean): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) throw noTerminal(prompt);
  // Echo off before the prompt appears: a fast typist (or a script) must not be echoed.
  if (!echo) stdin.setRawMode(true);
  process.stderr.write(prompt);
  const queue: (Uint8Array | null)[] = [];
  let wake: (() => void) | undefined;
  const onData = (d: Uint8Array) => {
    queue.push(d);
    wake?.();
  };
  const onEnd = () => {
    queue.push(null);
    wake?.();
  };
  stdin.on("data", onData);
  stdin.on("end", onEnd);
  stdin.resume();
  try {
    return await collectLine(async () => {
      while (queue.length === 0) await new Promise<void>((r) => (wake = r));
      return queue.shift()!;
    });
  } finally {
    stdin.off("data", onData);
    stdin.off("end", onEnd);
    stdin.pause();
    if (!echo) {
      stdin.setRawMode(false);
      process.stderr.write("\n");
    }
  }
}

/** Node's standard input as a web stream, importing node:stream on the first read. */
function nodeStdin(): ReadableStream<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const open = async () => {
    const { Readable } = await import("node:stream");
    return reader ??= (Readable.toWeb(process.stdin) as unknown as ReadableStream<Uint8Array>)
      .getReader();
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const r = await (await open()).read();
      if (r.done) controller.close();
      else controller.enqueue(r.value);
    },
    async cancel(reason) {
      await (await open()).cancel(reason);
    },
  });
}

/** Runtime adapter for Bun (and Node). */
export const bunRuntime: Runtime = {
  name: B ? "bun" : "node",
  version: B ? String(B.version) : process.versions.node,
  isTerminal: (s) => Boolean(process[s]?.isTTY),
  readSecret: (prompt) => readTerminalLine(prompt, false),
  readLine: (prompt) => readTerminalLine(prompt, true),
  execPath: () => process.execPath,
  stdin: () => B ? B.stdin.stream() : nodeStdin(),
  writeStdout: (data) =>
    new Promise<void>((resolve, reject) => {
      // A reader that goes away (`| head`) surfaces as the write callback's error, which the
      // command reports; without a listener Bun would also dump the 'error' event.
      if (process.stdout.listenerCount("error") === 0) process.stdout.on("error", () => {});
      process.stdout.write(data, (err) => (err ? reject(err) : resolve()));
    }),
  writeStderr(text) {
    process.stderr.write(text);
  },
};
