/**
 * Loads third-party plugins at run time (`--plugin`, `COSIGN_TS_PLUGINS`) from a path, or from
 * an `https://` URL pinned by digest (`https://host/p.js#sha256=<64 hex>`). A plugin module's
 * default export (or its `plugin` export) must be `definePlugin({...})`.
 *
 * URLs: plain `http://` is refused except on loopback (127.0.0.0/8, ::1, localhost), and every
 * URL must carry the `#sha256=` pin. The module is fetched with a size cap and a deadline, its
 * SHA-256 is checked against the pin, and only the verified bytes are imported (written to a
 * fresh private directory with an exclusive create, imported from there, then removed), so
 * nothing the server sends after the check is ever run. A plugin loaded from a URL must be one
 * self-contained module (bundled); it may import the library as `cosign-ts` and `node:` modules.
 *
 * Plugins named in `COSIGN_TS_PLUGINS` are announced on stderr before they run (a plugin in
 * the environment is easy to overlook). Before the first plugin is imported, the library
 * (`mod.ts`, loaded only then) is registered as the module `cosign-ts` where the runtime allows
 * it (the compiled binary).
 *
 * @example
 * ```ts
 * await loadPlugins(["./examples/plugins/env_key.ts"], registry);
 * await loadPlugins([{ spec: "https://example.com/p.js#sha256=…", from: "--plugin" }], registry);
 * ```
 * @module
 */
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { CosignError, describeError } from "../core/errors.ts";
import { describeFetchFailure } from "../core/fetch_failure.ts";
import { isLoopbackHost } from "../core/http_url.ts";
import type { PluginRegistry } from "../core/plugin.ts";
import { readBodyCapped } from "../core/service_request.ts";
import { sha256, toHex } from "../core/verify/public_key.ts";
import { registerLibraryModule } from "../runtime/plugin_host.ts";

/** Largest plugin module fetched from a URL. */
export const MAX_PLUGIN_BYTES = 16 * 1024 * 1024;

/** How long fetching one plugin module from a URL may take, in milliseconds. */
export const PLUGIN_FETCH_TIMEOUT_MS = 60_000;

/** Redirects followed when fetching a plugin URL. */
const MAX_REDIRECTS = 5;

/** A plugin specifier and where it was named (for messages and the environment notice). */
export interface PluginSource {
  /** A path, or an `https://…#sha256=<hex>` URL. */
  spec: string;
  /** Where the user named it. */
  from: "--plugin" | "COSIGN_TS_PLUGINS";
}

/** Options for {@link loadPlugins}. */
export interface LoadPluginsOptions {
  /** Cancels fetching (the global `--timeout`). */
  signal?: AbortSignal;
  /** Receives the notice for each plugin named in COSIGN_TS_PLUGINS (one line, no newline). */
  notice?(message: string): void;
  /** Size cap for a plugin fetched from a URL (default {@link MAX_PLUGIN_BYTES}). */
  maxBytes?: number;
  /** Deadline for fetching one plugin from a URL (default {@link PLUGIN_FETCH_TIMEOUT_MS}). */
  fetchTimeoutMs?: number;
}

/** A plugin URL split into what is fetched and the digest it must have. */
export interface PinnedPluginUrl {
  /** The URL without its fragment. */
  url: string;
  /** Lower-case hex SHA-256 the content must have. */
  sha256: string;
}

/** Splits `COSIGN_TS_PLUGINS` (comma-separated) into specifiers. */
export function pluginsFromEnv(value: string | undefined): string[] {
  return (value ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
}

/** True for specifiers that are URLs fetched over the network. */
export function isRemotePluginSpec(spec: string): boolean {
  return /^https?:\/\//i.test(spec);
}

function refused(spec: string, what: string, hint: string): CosignError {
  return new CosignError("PLUGIN", `Cannot load plugin "${spec}": ${what}`, { hint });
}

const PIN_HINT =
  "Append the SHA-256 of the module to the URL: --plugin 'URL#sha256=<64 hex digits>' " +
  "(compute it with: curl -sL URL | sha256sum).";

/** Refuses a URL that is neither https:// nor http:// on loopback. */
function checkTransport(spec: string, url: URL): void {
  if (url.protocol === "https:") return;
  if (url.protocol === "http:" && isLoopbackHost(url.hostname)) return;
  throw refused(
    spec,
    url.protocol === "http:"
      ? `plain http:// is only accepted on loopback (127.0.0.1, ::1, localhost), not on "${url.host}"`
      : `the URL scheme "${url.protocol}" is not supported`,
    "Serve the plugin over https:// (still pinned with #sha256=…), or pass a local path.",
  );
}

/**
 * Parses and checks a plugin URL: https (or http on loopback) with a `#sha256=<64 hex>` pin.
 * Throws CosignError("PLUGIN") naming the URL and what to do.
 *
 * @example
 * ```ts
 * parsePinnedPluginUrl("https://example.com/p.js#sha256=" + "ab".repeat(32));
 * // { url: "https://example.com/p.js", sha256: "abab…" }
 * ```
 */
export function parsePinnedPluginUrl(spec: string): PinnedPluginUrl {
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw refused(spec, "it is not a valid URL", "Pass https://HOST/PATH#sha256=<64 hex digits>.");
  }
  checkTransport(spec, url);
  const pin = /^#sha256=([0-9a-fA-F]{64})$/.exec(url.hash);
  if (!pin) {
    throw refused(
      spec,
      url.hash === ""
        ? "a plugin URL must pin its content with #sha256=<64 hex digits>"
        : `the pin "${url.hash}" is not of the form #sha256=<64 hex digits>`,
      PIN_HINT,
    );
  }
  url.hash = "";
  return { url: url.href, sha256: pin[1].toLowerCase() };
}

/**
 * Fetches a pinned plugin URL and returns its bytes once their SHA-256 matches the pin.
 * Throws CosignError("PLUGIN") for a refused URL, a failed or oversized download, a redirect to
 * a refused URL, or a digest mismatch.
 */
export async function fetchPinnedPlugin(
  spec: string,
  options: LoadPluginsOptions = {},
): Promise<Uint8Array> {
  const { url, sha256: pinned } = parsePinnedPluginUrl(spec);
  const max = options.maxBytes ?? MAX_PLUGIN_BYTES;
  const ms = options.fetchTimeoutMs ?? PLUGIN_FETCH_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(ms);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const failed = (what: string, cause?: unknown) =>
    new CosignError("PLUGIN", `Cannot load plugin "${spec}": ${what}`, {
      cause,
      hint: "Check the URL and your network connection, or download the module and pass its path.",
    });
  let bytes: Uint8Array;
  let current = url;
  try {
    let res = await fetch(url, { signal, redirect: "manual" });
    // Follow redirects by hand, so a refused URL is never contacted.
    for (
      let hops = 0;
      res.status >= 300 && res.status < 400 && res.headers.has("location");
      hops++
    ) {
      await res.body?.cancel();
      const next = new URL(res.headers.get("location")!, res.url || url);
      if (hops >= MAX_REDIRECTS) throw failed(`more than ${MAX_REDIRECTS} redirects`);
      checkTransport(spec, next);
      current = next.href;
      res = await fetch(next, { signal, redirect: "manual" });
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw failed(`the server answered ${res.status} ${res.statusText}`.trim());
    }
    bytes = await readBodyCapped(
      res,
      max,
      () => failed(`the module is larger than ${max} bytes`),
    );
  } catch (e) {
    if (e instanceof CosignError) throw e;
    if (timeout.aborted) throw failed(`fetching it took longer than ${ms / 1000}s`, e);
    const f = describeFetchFailure(e, current, "plugin server");
    throw new CosignError("PLUGIN", `Cannot load plugin "${spec}": cannot fetch it: ${f.why}`, {
      cause: e,
      hint: `${f.hint} Or download the module and pass its path.`,
    });
  }
  const got = toHex(await sha256(bytes));
  if (got !== pinned) {
    throw refused(
      spec,
      `its content has sha256 ${got}, the URL pins sha256 ${pinned}`,
      "The module changed or the pin is wrong: review the module before changing the pin.",
    );
  }
  return bytes;
}

async function localUrl(spec: string): Promise<string> {
  if (/^(file|data):/i.test(spec)) return spec;
  const path = resolve(spec);
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new Error("not a file");
  } catch {
    throw new CosignError("PLUGIN", `Cannot load plugin "${spec}": no such file (${path})`, {
      hint: "Pass the path of a .ts or .js module to --plugin or COSIGN_TS_PLUGINS.",
    });
  }
  return pathToFileURL(path).href;
}

/** The file name verified bytes are imported under: the URL's own name when it is plain. */
function moduleFileName(url: string): string {
  const base = new URL(url).pathname.split("/").pop() ?? "";
  if (/^[A-Za-z0-9_.-]{1,100}\.(m?[jt]s)$/.test(base)) return base;
  return /\.m?ts$/.test(base) ? "plugin.ts" : "plugin.js";
}

/** Imports verified bytes from a fresh private directory (mode 0700, exclusive create). */
async function importVerified(url: string, bytes: Uint8Array): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), "cosign-ts-plugin-"));
  try {
    const file = join(dir, moduleFileName(url));
    await writeFile(file, bytes, { flag: "wx", mode: 0o600 });
    return await import(pathToFileURL(file).href);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A hint for import failures that concern the library module `cosign-ts`, else undefined. */
function libraryImportHint(message: string): string | undefined {
  if (!/["'`]cosign-ts[/"'`]/.test(message)) return undefined;
  if (/not found in module|does not provide an export/i.test(message)) {
    return 'Import only names that "cosign-ts" exports (the library entry point, mod.ts).';
  }
  return 'Import the library as "cosign-ts" (or "cosign-ts/mod.ts"; deeper paths do not exist). ' +
    'The compiled binary provides it; under Deno, map "cosign-ts" to its mod.ts in an import ' +
    'map (see the README, "Plugins").';
}

async function importPlugin(
  source: PluginSource,
  options: LoadPluginsOptions,
): Promise<Record<string, unknown>> {
  const { spec } = source;
  const remote = isRemotePluginSpec(spec);
  const bytes = remote ? await fetchPinnedPlugin(spec, options) : undefined;
  const url = remote ? spec : await localUrl(spec);
  if (source.from === "COSIGN_TS_PLUGINS") {
    options.notice?.(`Notice: loading plugin "${spec}" named in COSIGN_TS_PLUGINS`);
  }
  try {
    return bytes ? await importVerified(url, bytes) : await import(url);
  } catch (e) {
    const msg = describeError(e);
    throw new CosignError("PLUGIN", `Cannot load plugin "${spec}": ${msg}`, {
      cause: e,
      hint: libraryImportHint(msg) ??
        (remote
          ? "A plugin loaded from a URL must be one self-contained module (bundle it, e.g. " +
            'with bun build); it may import only "cosign-ts" and node: modules.'
          : "Check that the module exists and compiles."),
    });
  }
}

/**
 * Imports each plugin module and registers its plugin. Strings count as `--plugin` specifiers.
 * Throws CosignError("PLUGIN") for a missing file, a refused or mismatching URL, a module that
 * fails to import or has no default export, and a plugin the registry refuses. With at least
 * one plugin, first makes the library importable as `cosign-ts` (compiled binary).
 */
export async function loadPlugins(
  specs: (string | PluginSource)[],
  registry: PluginRegistry,
  options: LoadPluginsOptions = {},
): Promise<void> {
  if (specs.length > 0) registerLibraryModule(await import("../mod.ts"));
  for (const s of specs) {
    const source: PluginSource = typeof s === "string" ? { spec: s, from: "--plugin" } : s;
    const mod = await importPlugin(source, options);
    const plugin = mod.default ?? mod.plugin;
    if (plugin === undefined) {
      throw new CosignError(
        "PLUGIN",
        `Cannot load plugin "${source.spec}": the module has no default export`,
        {
          hint: "Export the plugin as: export default definePlugin({ name, apiVersion: 1, ... }).",
        },
      );
    }
    registry.register(plugin, `"${source.spec}"`);
  }
}
