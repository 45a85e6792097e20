/**
 * Small pieces the HTTP stand-ins (k8s_api_standin.ts, github_api_standin.ts,
 * gitlab_api_standin.ts) share: reading a request body with a size cap, answering JSON, and
 * listening on a free loopback port. Stand-ins use node:http/node:https, so they run under
 * `deno test` and `bun test`.
 *
 * @example
 * ```ts
 * const server = createServer(async (req, res) => sendJson(res, 200, await readJson(req)));
 * const port = await listenLoopback(server);
 * ```
 * @module
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** Largest request body a stand-in reads (the services' own limits are of this order). */
export const MAX_STANDIN_BODY = 1 << 20;

/** The request body as text; undefined when it is larger than {@link MAX_STANDIN_BODY}. */
export async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const chunk of req) {
    n += (chunk as Uint8Array).length;
    if (n > MAX_STANDIN_BODY) return undefined;
    parts.push(chunk as Uint8Array);
  }
  const all = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return new TextDecoder().decode(all);
}

/** The body parsed as JSON; `{ error }` when it is too large or not JSON. */
export async function readJson(
  req: IncomingMessage,
): Promise<{ value?: unknown; error?: string }> {
  const text = await readBody(req);
  if (text === undefined) return { error: "request body too large" };
  try {
    return { value: JSON.parse(text) };
  } catch (e) {
    return { error: `invalid JSON: ${(e as Error).message}` };
  }
}

/** Answers `status` with a JSON body (or an empty body for `undefined`). */
export function sendJson(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(new TextEncoder().encode(text).length),
  });
  res.end(text);
}

/** Listens on 127.0.0.1 on a free port; returns the port. */
export async function listenLoopback(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return (server.address() as AddressInfo).port;
}
