/**
 * The registry client's errors and answer reading: fetch failures as CosignError("NETWORK")
 * naming the action, the target and a cause a user can act on (refused, TLS, timeout, DNS,
 * dropped), capped body reads (TOO_LARGE naming COSIGN_MAX_ATTACHMENT_SIZE), the registry's own
 * error text, and the small message helpers the manifest, blob and tag modules share.
 *
 * @example
 * ```ts
 * const bytes = await readCapped(res, 4 << 20, `manifest ${refText(ref)}`);
 * ```
 * @module
 */
import { readAll } from "../core/read_all.ts";
import { DeadlineError } from "../core/deadline.ts";
import { CosignError, describeError } from "../core/errors.ts";
import { describeFetchFailure } from "../core/fetch_failure.ts";
import { identifier, type Reference, repositoryString } from "./reference.ts";

/**
 * Reads a response body up to `max` bytes; throws TOO_LARGE beyond it (before reading when the
 * registry announces the length), NETWORK naming `what` when the read fails.
 */
export async function readCapped(res: Response, max: number, what: string): Promise<Uint8Array> {
  const len = Number(res.headers.get("content-length") ?? NaN);
  if (Number.isFinite(len) && len > max) {
    await res.body?.cancel();
    throw tooLarge(what, len, max);
  }
  if (!res.body) return new Uint8Array(0);
  try {
    return await readAll(res.body, max, (read) => tooLarge(what, read, max));
  } catch (e) {
    if (e instanceof CosignError) throw e;
    throw networkError("download", what, e);
  }
}

/** CosignError("TOO_LARGE") for a download over its cap, naming COSIGN_MAX_ATTACHMENT_SIZE. */
export function tooLarge(what: string, size: number, max: number): CosignError {
  return new CosignError(
    "TOO_LARGE",
    `Cannot download ${what}: it is larger than the limit of ${max} bytes (${
      size > max ? `${size} bytes or more` : "too large"
    })`,
    {
      hint:
        "If this is expected, raise the limit with COSIGN_MAX_ATTACHMENT_SIZE (bytes, e.g. 268435456).",
    },
  );
}

interface RegistryErrorBody {
  errors?: { code?: string; message?: string; detail?: unknown }[];
}

/** The registry's error message of a failed answer (its `errors` JSON, else the text), short. */
export async function errorSummary(res: Response): Promise<string> {
  let text = "";
  try {
    text = new TextDecoder().decode(await readCapped(res, 64 * 1024, "error body"));
  } catch {
    return "";
  }
  try {
    const j = JSON.parse(text) as RegistryErrorBody;
    if (Array.isArray(j.errors) && j.errors.length) {
      return j.errors.map((e) => [e.code, e.message].filter(Boolean).join(": ")).join("; ");
    }
  } catch { /* not JSON */ }
  return text.trim().slice(0, 200);
}

/** `repo@digest` or `repo:tag` for messages. */
export function refText(r: Reference): string {
  return r.digest
    ? `${repositoryString(r)}@${r.digest}`
    : `${repositoryString(r)}:${identifier(r)}`;
}

/** The Docker-Content-Digest header, if any. */
export function headerDigest(res: Response): string | undefined {
  const d = res.headers.get("docker-content-digest")?.trim();
  return d || undefined;
}

/** CosignError("NOT_FOUND") for a missing object. */
export function notFound(what: string, target: string, code: string): CosignError {
  return new CosignError("NOT_FOUND", `Cannot find ${what} ${target}: not found (${code})`, {
    hint: "Check the repository, tag or digest.",
  });
}

/** CosignError("NETWORK") for an answer we cannot use. */
export function malformed(action: string, target: string, why: string): CosignError {
  return new CosignError("NETWORK", `Cannot ${action} ${target}: malformed answer: ${why}`);
}

/** True for a deadline or an answer that did not come within the per-response timeout. */
export function isTimeout(e: unknown): boolean {
  return e instanceof DeadlineError || /^timed out: no answer/.test(describeError(e));
}

/** True for failures worth retrying (dropped connections), not refusals, TLS or timeouts. */
export function isTransient(e: unknown): boolean {
  if (isTimeout(e)) return false; // bounded by the deadline: retrying a silent server only waits
  const msg = describeError(e).toLowerCase() + " " +
    describeError((e as Error)?.cause).toLowerCase();
  // Connection refused means nobody listens: retrying will not help and wastes time.
  if (/refused|enotfound|getaddrinfo|dns|certificate|tls|ssl|unknown ca|self.signed/.test(msg)) {
    return false;
  }
  return true;
}

function errorText(e: unknown): string {
  const parts = [describeError(e)];
  const cause = (e as { cause?: unknown })?.cause;
  if (cause) parts.push(describeError(cause));
  const code = (e as { code?: unknown })?.code ?? (cause as { code?: unknown })?.code;
  if (typeof code === "string") parts.push(code);
  return parts.join(" ");
}

/** A fetch failure as CosignError("NETWORK") naming the action, the target and the cause. */
export function networkError(action: string, target: string, e: unknown): CosignError {
  if (e instanceof CosignError) return e;
  const text = errorText(e);
  const lower = text.toLowerCase();
  let why = describeError(e);
  let hint = "Check the registry address and that it is running and reachable.";
  if (/timed out|timeout/.test(lower) && !/certificate|tls|ssl/.test(lower)) {
    hint = "The registry did not answer in time; check it, or try again.";
  } else {
    ({ why, hint } = describeFetchFailure(e, target, "registry"));
  }
  return new CosignError("NETWORK", `Cannot ${action} ${target}: ${why}`, { hint, cause: e });
}

/**
 * Reads the next chunk of a stream; a failed read (other than a CosignError, passed on) becomes
 * CosignError("NETWORK") naming the action and the target.
 */
export async function readStep(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  action: string,
  target: string,
): Promise<ReadableStreamReadResult<Uint8Array>> {
  try {
    return await reader.read();
  } catch (e) {
    if (e instanceof CosignError) throw e;
    throw networkError(action, target, e);
  }
}
