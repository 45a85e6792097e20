/**
 * `pkcs11:` URIs (RFC 7512) as cosign reads and writes them: path attributes `token`, `object`,
 * `id`, `slot-id` (and `manufacturer`, `model`, `serial` to narrow the token), query attributes
 * `module-path`, `pin-value`, `pin-source`. cosign also accepts `;` between query attributes.
 * The module path falls back to `COSIGN_PKCS11_MODULE_PATH`. {@link formatPkcs11Uri} writes the
 * form cosign's `pkcs11-tool list-keys-uris` prints (`pkcs11:token=…;slot-id=…;id=%01;object=…
 * ?module-path=…&pin-value=…`), and {@link redactPkcs11Uri} hides a PIN for messages.
 *
 * @example
 * ```ts
 * const uri = parsePkcs11Uri("pkcs11:token=cosign;object=key?module-path=/usr/lib/softhsm/libsofthsm2.so");
 * uri.token; // "cosign"
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";

/** A parsed `pkcs11:` URI. Byte-valued attributes (`id`, labels) are decoded from %XX. */
export interface Pkcs11Uri {
  /** Token label (`token`). */
  token?: string;
  /** Token manufacturer ID (`manufacturer`). */
  manufacturer?: string;
  /** Token model (`model`). */
  model?: string;
  /** Token serial number (`serial`). */
  serial?: string;
  /** Slot ID (`slot-id`). */
  slotId?: bigint;
  /** Object label (`object`). */
  object?: string;
  /** Object ID bytes (`id`). */
  id?: Uint8Array;
  /** Absolute path of the module (`module-path`, else COSIGN_PKCS11_MODULE_PATH). */
  modulePath?: string;
  /** The PIN given in the URI (`pin-value`). */
  pinValue?: string;
  /** Where to read the PIN (`pin-source`: a file path or `file:` URI). */
  pinSource?: string;
}

function invalid(uri: string, what: string, hint?: string): CosignError {
  return new CosignError(
    "INVALID_INPUT",
    `Cannot parse PKCS#11 URI "${redactPkcs11Uri(uri)}": ${what}`,
    {
      hint: hint ??
        "Example: pkcs11:token=cosign;object=key?module-path=/usr/lib/softhsm/libsofthsm2.so",
    },
  );
}

function decodeBytes(uri: string, name: string, value: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (value[i] === "%") {
      const hex = value.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw invalid(uri, `bad percent-encoding in "${name}"`);
      out.push(parseInt(hex, 16));
      i += 2;
    } else if (c < 0x80) {
      out.push(c);
    } else {
      out.push(...new TextEncoder().encode(String.fromCodePoint(value.codePointAt(i)!)));
      if (c >= 0xd800 && c <= 0xdbff) i++;
    }
  }
  return new Uint8Array(out);
}

function decodeText(uri: string, name: string, value: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(decodeBytes(uri, name, value));
  } catch (e) {
    if (e instanceof CosignError) throw e;
    throw invalid(uri, `"${name}" is not UTF-8 text`);
  }
}

function attributes(uri: string, part: string, separator: RegExp): Map<string, string> {
  const m = new Map<string, string>();
  for (const item of part.split(separator)) {
    if (item === "") continue;
    const eq = item.indexOf("=");
    if (eq <= 0) throw invalid(uri, `attribute "${item.split("=")[0]}" has no value`);
    const name = item.slice(0, eq).toLowerCase();
    if (m.has(name)) throw invalid(uri, `attribute "${name}" appears twice`);
    m.set(name, item.slice(eq + 1));
  }
  return m;
}

/**
 * Parses a `pkcs11:` URI. `env` supplies COSIGN_PKCS11_MODULE_PATH when the URI has no
 * `module-path`. Throws CosignError("INVALID_INPUT") for another scheme, bad percent-encoding,
 * a repeated attribute or a `slot-id` that is not a number. What a key needs is checked by
 * {@link requireKeyAttributes}.
 */
export function parsePkcs11Uri(
  uri: string,
  env: (name: string) => string | undefined = () => undefined,
): Pkcs11Uri {
  if (!/^pkcs11:/i.test(uri)) throw invalid(uri, `not a "pkcs11:" URI`);
  const rest = uri.slice("pkcs11:".length);
  const q = rest.indexOf("?");
  const path = attributes(uri, q < 0 ? rest : rest.slice(0, q), /;/);
  const query = attributes(uri, q < 0 ? "" : rest.slice(q + 1), /[&;]/);
  const text = (m: Map<string, string>, name: string) =>
    m.has(name) ? decodeText(uri, name, m.get(name)!) : undefined;
  const out: Pkcs11Uri = {
    token: text(path, "token"),
    manufacturer: text(path, "manufacturer"),
    model: text(path, "model"),
    serial: text(path, "serial"),
    object: text(path, "object"),
    modulePath: text(query, "module-path") || env("COSIGN_PKCS11_MODULE_PATH") || undefined,
    pinValue: text(query, "pin-value"),
    pinSource: text(query, "pin-source"),
  };
  if (path.has("id")) out.id = decodeBytes(uri, "id", path.get("id")!);
  const slot = text(path, "slot-id");
  if (slot !== undefined) {
    if (!/^\d+$/.test(slot)) throw invalid(uri, `slot-id "${slot}" is not a number`);
    out.slotId = BigInt(slot);
  }
  for (const k of Object.keys(out) as (keyof Pkcs11Uri)[]) if (out[k] === undefined) delete out[k];
  return out;
}

/**
 * Checks a parsed URI names a key the way cosign requires: a module path, a token (`token` or
 * `slot-id`) and an object (`object` or `id`). Throws CosignError("INVALID_INPUT").
 */
export function requireKeyAttributes(uri: string, parsed: Pkcs11Uri): void {
  if (!parsed.modulePath) {
    throw invalid(
      uri,
      "no module-path, and COSIGN_PKCS11_MODULE_PATH is not set",
      "Add ?module-path=/absolute/path/to/module.so or set COSIGN_PKCS11_MODULE_PATH.",
    );
  }
  if (parsed.token === undefined && parsed.slotId === undefined) {
    throw invalid(uri, "one of token and slot-id must be set");
  }
  if (parsed.object === undefined && parsed.id === undefined) {
    throw invalid(uri, "one of object and id must be set");
  }
}

const PATH_CHARS = /[A-Za-z0-9\-._~:[\]@!$'()*+,=&]/;
const QUERY_CHARS = /[A-Za-z0-9\-._~:[\]@!$'()*+,=/?|]/;

function encode(bytes: Uint8Array, allowed: RegExp | undefined): string {
  let s = "";
  for (const b of bytes) {
    const ch = String.fromCharCode(b);
    s += allowed && b < 0x80 && allowed.test(ch) ? ch : `%${b.toString(16).padStart(2, "0")}`;
  }
  return s;
}

/** What {@link formatPkcs11Uri} writes. */
export interface Pkcs11UriParts {
  /** Module path (required). */
  modulePath: string;
  /** Token label. */
  token?: string;
  /** Slot ID. */
  slotId?: bigint;
  /** Object ID bytes (always fully percent-encoded, as cosign writes them). */
  id?: Uint8Array;
  /** Object label. */
  object?: string;
  /** PIN to include as `pin-value`. */
  pinValue?: string;
}

/**
 * Writes a URI as cosign's `Pkcs11UriConfig.Construct` does: `pkcs11:token=…;slot-id=…;id=…;
 * object=…?module-path=…&pin-value=…`, omitting what is absent.
 */
export function formatPkcs11Uri(parts: Pkcs11UriParts): string {
  const te = new TextEncoder();
  const path: string[] = [];
  if (parts.token) path.push(`token=${encode(te.encode(parts.token), PATH_CHARS)}`);
  if (parts.slotId !== undefined) path.push(`slot-id=${parts.slotId}`);
  if (parts.id?.length) path.push(`id=${encode(parts.id, undefined)}`);
  if (parts.object) path.push(`object=${encode(te.encode(parts.object), PATH_CHARS)}`);
  let uri = `pkcs11:${path.join(";")}?module-path=${
    encode(te.encode(parts.modulePath), QUERY_CHARS)
  }`;
  if (parts.pinValue) uri += `&pin-value=${encode(te.encode(parts.pinValue), QUERY_CHARS)}`;
  return uri;
}

/** The URI with any `pin-value` replaced by `***`, for messages and logs. */
export function redactPkcs11Uri(uri: string): string {
  return uri.replace(/([?&;]pin-value=)[^&;]*/gi, "$1***");
}
