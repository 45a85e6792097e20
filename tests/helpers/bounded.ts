/**
 * Bounded waits for tests (issue 13 item 11): every test that waits on a socket or a process
 * waits at most a known time, so a stuck peer fails the test with a message instead of stalling
 * the whole run (a Node/Deno `server.close()` waits for idle keep-alive connections, for minutes).
 *
 * @example
 * ```ts
 * await closeServer(server);                       // at most 5 s, connections dropped
 * const code = await within(exited, 10_000, "sget to exit after SIGKILL");
 * ```
 * @module
 */

/** Resolves or rejects as `p` does, or rejects after `ms` with an Error naming `what`. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

/** What {@link closeServer} needs: a node:http or node:net server. */
export interface ClosableServer {
  close(callback?: (err?: Error) => void): unknown;
  closeAllConnections?: () => void;
}

/**
 * Stops a server: drops its open (keep-alive) connections where the server can, then waits for
 * `close` at most `ms` (default 5 s); never rejects, a server that is slow to close is left.
 */
export async function closeServer(server: ClosableServer, ms = 5000): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections?.();
  await within(closed, ms, "server close").catch(() => {});
}
