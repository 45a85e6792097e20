/**
 * docker credential helpers: runs `docker-credential-<name> get|store|erase` as a child process
 * with the protocol docker uses (server URL or JSON on stdin, JSON on stdout).
 *
 * @example
 * ```ts
 * const c = await credentialHelperGet("pass", "registry.example.com");
 * ```
 * @module
 */
import { Buffer } from "node:buffer";
import { CosignError } from "../core/errors.ts";
import type { Credential } from "./auth.ts";

/** Result of running a helper. */
interface HelperResult {
  code: number;
  out: string;
  err: string;
}

async function runHelper(
  helper: string,
  action: string,
  input: string,
  env?: Record<string, string>,
): Promise<HelperResult> {
  const program = `docker-credential-${helper}`;
  // Loaded here, not at start-up: only commands that meet a credential helper pay for it.
  const { spawn } = await import("node:child_process");
  return await new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(program, [action], { stdio: ["pipe", "pipe", "pipe"], env });
    } catch (e) {
      reject(e);
      return;
    }
    const out: Uint8Array[] = [];
    const err: Uint8Array[] = [];
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.stdout.on("data", (d: Uint8Array) => out.push(d));
    child.stderr.on("data", (d: Uint8Array) => err.push(d));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const dec = (p: Uint8Array[]) => Buffer.concat(p).toString("utf8");
      resolve({ code: code ?? 1, out: dec(out), err: dec(err) });
    });
    child.stdin.on("error", () => {});
    child.stdin.end(input);
  });
}

function helperError(helper: string, action: string, server: string, why: string): CosignError {
  return new CosignError(
    "AUTH",
    `Cannot ${action} credentials for ${server} with docker-credential-${helper}: ${why}`,
    {
      hint:
        `Check that docker-credential-${helper} is installed and on PATH, or remove it from credsStore/credHelpers in your docker config.json.`,
    },
  );
}

/**
 * Asks a credential helper for the credentials of `serverUrl`. Returns undefined when the helper
 * has none ("credentials not found"). A Username of `<token>` means the secret is an identity
 * token. Throws CosignError("AUTH") when the helper is missing or fails otherwise.
 */
export async function credentialHelperGet(
  helper: string,
  serverUrl: string,
  env?: Record<string, string>,
): Promise<Credential | undefined> {
  let r: HelperResult;
  try {
    r = await runHelper(helper, "get", serverUrl, env);
  } catch (e) {
    throw helperError(helper, "get", serverUrl, (e as Error)?.message ?? String(e));
  }
  if (r.code !== 0) {
    const msg = (r.out + r.err).trim();
    if (/credentials not found/i.test(msg)) return undefined;
    throw helperError(helper, "get", serverUrl, msg || `exit code ${r.code}`);
  }
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(r.out);
  } catch {
    throw helperError(helper, "get", serverUrl, "its output is not JSON");
  }
  const user = typeof json.Username === "string" ? json.Username : undefined;
  const secret = typeof json.Secret === "string" ? json.Secret : undefined;
  if (!secret) return undefined;
  if (user === "<token>") return { identityToken: secret };
  return { username: user ?? "", password: secret };
}

/**
 * Stores credentials with a helper (`store`, JSON `{ServerURL, Username, Secret}` on stdin).
 * Throws CosignError("AUTH") when the helper fails.
 */
export async function credentialHelperStore(
  helper: string,
  serverUrl: string,
  username: string,
  secret: string,
  env?: Record<string, string>,
): Promise<void> {
  let r: HelperResult;
  const input = JSON.stringify({ ServerURL: serverUrl, Username: username, Secret: secret });
  try {
    r = await runHelper(helper, "store", input, env);
  } catch (e) {
    throw helperError(helper, "store", serverUrl, (e as Error)?.message ?? String(e));
  }
  if (r.code !== 0) {
    throw helperError(helper, "store", serverUrl, (r.out + r.err).trim() || `exit ${r.code}`);
  }
}
