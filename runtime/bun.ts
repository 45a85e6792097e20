/**
 * The Bun runtime adapter (the compiled binary runs on Bun). Also used under Node.
 * Nothing heavy is loaded at start-up (every command pays for it): `node:stream` only under Node,
 * when standard input is first read; output bypasses Node's stdout/stderr streams under Bun.
 * @module
 */
import process from "node:process";
import type { NativeHasher, SyncHashAlgorithm, SyncHasher } from "../core/native_hash.ts";
import type { Runtime } from "../core/runtime.ts";
import { loadBunFfi } from "./ffi_bun.ts";
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

/** Node's stdout (Node only; Bun writes through Bun.write, see {@link bunRuntime}). */
function nodeWriteStdout(data: Uint8Array): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    // A reader that goes away (`| head`) surfaces as the write callback's error, which the
    // command reports; without a listener the 'error' event would also be dumped.
    if (process.stdout.listenerCount("error") === 0) process.stdout.on("error", () => {});
    process.stdout.write(data, (err) => (err ? reject(err) : resolve()));
  });
}

// deno-lint-ignore no-explicit-any
let stderrSink: any;

/**
 * Runtime adapter for Bun (and Node). Under Bun, output goes through `Bun.write(Bun.stdout)` and
 * a `Bun.stderr` sink rather than `process.stdout/stderr`, whose Node stream machinery costs every
 * command several milliseconds of start-up (a reader that goes away, `| head`, still surfaces as
 * a rejected write the command reports).
 */
export const bunRuntime: Runtime = {
  name: B ? "bun" : "node",
  version: B ? String(B.version) : process.versions.node,
  // isatty on the descriptor: reading process.stdout.isTTY would build the stream.
  isTerminal: (s) =>
    (process.getBuiltinModule("node:tty") as typeof import("node:tty"))
      .isatty(s === "stdin" ? 0 : s === "stdout" ? 1 : 2),
  readSecret: (prompt) => readTerminalLine(prompt, false),
  readLine: (prompt) => readTerminalLine(prompt, true),
  execPath: () => process.execPath,
  stdin: () => B ? B.stdin.stream() : nodeStdin(),
  writeStdout: (data) => B ? B.write(B.stdout, data).then(() => {}) : nodeWriteStdout(data),
  writeStderr(text) {
    if (!B) {
      process.stderr.write(text);
      return;
    }
    // Bun's own sink: touching process.stderr would build Node's stream machinery at a cost
    // of several milliseconds for every command.
    const sink = stderrSink ??= B.stderr.writer();
    sink.write(text);
    sink.flush();
  },
  // bun:ffi under Bun (and the compiled binary); Node has no FFI.
  ...(B ? { ffi: loadBunFfi } : {}),
  // Bun's native one-shot hasher (no module to load), answered as a plain Uint8Array of its own
  // (a copy: the Buffer may share a pooled ArrayBuffer).
  ...(B
    ? {
      digestSync(alg: "sha256" | "sha384" | "sha512", data: Uint8Array): Uint8Array {
        return new Uint8Array(B.CryptoHasher.hash(alg, data) as Uint8Array);
      },
    }
    : {}),
};

/**
 * Bun's native SHA-2 (`Bun.CryptoHasher`) for core/native_hash.ts, installed by
 * prepareCliProcess: no `node:crypto` to load. Digests are copied into plain Uint8Arrays (the
 * Buffers Bun returns may share a pooled ArrayBuffer). Undefined outside Bun.
 */
export const bunHasher: NativeHasher | undefined = B
  ? {
    create(alg: SyncHashAlgorithm): SyncHasher {
      const h = new B.CryptoHasher(alg);
      return {
        update: (d: Uint8Array) => void h.update(d),
        digest: () => new Uint8Array(h.digest() as Uint8Array),
        digestHex: () => h.digest("hex") as string,
      };
    },
    hex: (alg: SyncHashAlgorithm, data: Uint8Array) => B.CryptoHasher.hash(alg, data, "hex"),
  }
  : undefined;
