/**
 * Where the file provider reads a key's text from, as cosign's `blob.LoadFileOrURL`: a path
 * (`cosign.key`, `file://cosign.pub`), an environment variable (`env://VAR`), or a URL
 * (`https://…/cosign.pub`; plain `http://` only to loopback, a cosign-ts rule: a public key
 * fetched in the clear could be swapped on the way). URL reads are capped at
 * {@link MAX_KEY_FILE_BYTES}, bounded in time (60 s and the command's `-t/--timeout`), and
 * refuse error statuses; nothing is cached or written.
 *
 * @example
 * ```ts
 * const pem = await readKeySource("env://COSIGN_PUBLIC_KEY", ctx);
 * const pub = await readKeySource("https://example.com/cosign.pub", ctx);
 * ```
 * @module
 */
import { readFile, stat } from "node:fs/promises";
import { CosignError, describeError } from "../../core/errors.ts";
import { isLoopbackHost } from "../../core/http_url.ts";
import type { Context } from "../../core/plugin.ts";
import { postToService, readBodyCapped } from "../../core/service_request.ts";

/** Largest key file read (keys are a few KiB; anything larger is not a key). */
export const MAX_KEY_FILE_BYTES = 1 << 20;

/** The path of a file key reference (`file://x` → `x`). */
export function keyPath(ref: string): string {
  return ref.startsWith("file://") ? ref.slice("file://".length) : ref;
}

/** Reads a key file as text. Throws CosignError("IO"/"TOO_LARGE") naming the file. */
export async function readKeyFile(ref: string): Promise<string> {
  const path = keyPath(ref);
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new Error("not a regular file");
    if (s.size > MAX_KEY_FILE_BYTES) {
      throw new CosignError(
        "TOO_LARGE",
        `Cannot read key "${ref}": ${s.size} bytes is too large for a key file`,
        { hint: "Pass the .key or .pub file written by generate-key-pair." },
      );
    }
    return await readFile(path, "utf8");
  } catch (e) {
    if (e instanceof CosignError) throw e;
    const why = (e as { code?: string })?.code === "ENOENT" ? "no such file" : describeError(e);
    throw new CosignError("IO", `Cannot read key "${ref}": ${why}`, {
      hint: "Check the path given to --key.",
      cause: e,
    });
  }
}

/** URL schemes the file provider reads keys from besides paths (its `urlSchemes`). */
export const KEY_SOURCE_SCHEMES: readonly string[] = ["env", "http", "https"];

/** The kind of source a key reference names. */
export type KeySourceKind = "file" | "env" | "url";

/** Which kind of source `ref` names: `env://…`, `http(s)://…`, else a file. */
export function keySourceKind(ref: string): KeySourceKind {
  if (/^env:\/\//i.test(ref)) return "env";
  if (/^https?:\/\//i.test(ref)) return "url";
  return "file";
}

/** Reads `env://VAR`. Throws CosignError("KEY") for a bad name, an unset or an empty variable. */
function readEnvKey(ref: string, ctx: Context): string {
  const name = ref.slice("env://".length);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new CosignError("KEY", `Cannot read key "${ref}": "${name}" is not a variable name`, {
      hint: "Write env://NAME, e.g. --key env://COSIGN_PUBLIC_KEY.",
    });
  }
  const value = ctx.env(name);
  if (value === undefined) {
    throw new CosignError("KEY", `Cannot read key "${ref}": ${name} is not set`, {
      hint: `Export ${name} with the PEM key, e.g. export ${name}="$(cat cosign.pub)".`,
    });
  }
  if (value.trim() === "") {
    throw new CosignError("KEY", `Cannot read key "${ref}": ${name} is empty`, {
      hint: `Put the PEM key in ${name}, e.g. export ${name}="$(cat cosign.pub)".`,
    });
  }
  return value;
}

/** Refuses what is not https (plain http only to loopback). Throws CosignError("INVALID_INPUT"). */
function checkKeyUrl(ref: string, url: URL): void {
  if (url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname))) {
    return;
  }
  throw new CosignError(
    "INVALID_INPUT",
    `Cannot read key "${ref}": ${url.protocol === "http:" ? "plain http" : url.protocol} is only ` +
      "allowed to loopback addresses",
    {
      hint: "Serve the key over https:// (a key fetched in the clear can be replaced on the way).",
    },
  );
}

/**
 * Fetches a key over https (plain http to loopback). Throws CosignError("INVALID_INPUT") for a
 * bad or non-https URL, ("NETWORK") when it cannot be fetched or the server answers an error
 * status, ("TOO_LARGE") beyond {@link MAX_KEY_FILE_BYTES}.
 */
async function readUrlKey(ref: string, ctx: Context): Promise<string> {
  let url: URL;
  try {
    url = new URL(ref);
  } catch {
    throw new CosignError("INVALID_INPUT", `Cannot read key "${ref}": it is not a valid URL`, {
      hint: "Pass --key https://HOST/PATH/cosign.pub.",
    });
  }
  checkKeyUrl(ref, url);
  const res = await postToService("key server", ref, {
    method: "GET",
    contentType: "application/x-pem-file",
    accept: "application/x-pem-file, text/plain, */*",
    signal: ctx.signal,
    anyStatus: true,
  }).catch((e) => {
    throw e instanceof CosignError
      ? new CosignError(e.code, `Cannot read key "${ref}": ${e.message}`, {
        hint: e.hint,
        cause: e,
      })
      : e;
  });
  if (res.url) checkKeyUrl(ref, new URL(res.url)); // after redirects
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    throw new CosignError(
      "NETWORK",
      `Cannot read key "${ref}": the server answered HTTP ${res.status}${
        res.statusText ? ` ${res.statusText}` : ""
      }`,
      {
        hint: res.status === 404
          ? "Check the URL given to --key: there is no key at that address."
          : "Check the URL given to --key and that the server serves the key.",
      },
    );
  }
  const bytes = await readBodyCapped(res, MAX_KEY_FILE_BYTES, () =>
    new CosignError(
      "TOO_LARGE",
      `Cannot read key "${ref}": the server sent more than ${MAX_KEY_FILE_BYTES} bytes`,
      {
        hint: "Point --key at the PEM public key (a few hundred bytes), not at a page or archive.",
      },
    ));
  return new TextDecoder().decode(bytes);
}

/**
 * The text of the key `ref` names: a file, `env://VAR` or an `https://` URL. Throws
 * CosignError("IO"/"TOO_LARGE") for files, ("KEY") for variables, and the errors of the URL read.
 */
export async function readKeySource(ref: string, ctx: Context): Promise<string> {
  switch (keySourceKind(ref)) {
    case "env":
      return readEnvKey(ref, ctx);
    case "url":
      return await readUrlKey(ref, ctx);
    default:
      return await readKeyFile(ref);
  }
}
