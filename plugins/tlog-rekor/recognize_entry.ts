/**
 * Which entries the "rekor" transparency log verifies (`recognizes`), kept apart from the
 * verification itself (entry_verifier.ts) so that the plugin's entry loads no verification code.
 *
 * Rekor takes every entry whose log ID is a log of the trusted root, and every entry of a Rekor
 * kind (hashedrekord, dsse, intoto, rekord) even from an unknown log, so that such an entry gets
 * Rekor's own answer ("log … is not a transparency log of the trusted root"). Third-party logs
 * are asked first, so a log plugin that recognizes its own entries keeps them.
 *
 * @example
 * ```ts
 * if (recognizesRekorEntry(entryJson, trustedRoot)) {
 *   const r = await verifyRekorEntry(entryJson, expected, trustedRoot);
 * }
 * ```
 * @module
 */
import type { TlogEntry } from "../../core/plugin.ts";
import type { LogAuthority } from "../../core/trust/trusted_root.ts";

const REKOR_KINDS = new Set(["hashedrekord", "dsse", "intoto", "rekord"]);

function trustedLogs(trust: unknown): LogAuthority[] | undefined {
  const tlogs = (trust as { tlogs?: unknown } | null | undefined)?.tlogs;
  return Array.isArray(tlogs) ? tlogs as LogAuthority[] : undefined;
}

// Strict RFC 4648 base64 (padded, no whitespace, zero pad bits), as @scure/base decodes it,
// without loading @scure/base: atob is lenient, so only a string that is its own canonical
// encoding is taken.
function logIdBytes(entry: TlogEntry): Uint8Array | undefined {
  const keyId = (entry.logId as { keyId?: unknown } | undefined)?.keyId;
  if (typeof keyId !== "string") return undefined;
  let binary: string;
  try {
    binary = atob(keyId);
  } catch {
    return undefined;
  }
  if (btoa(binary) !== keyId) return undefined;
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * True when Rekor verifies the entry: its log ID is a log of `trust` (a core/trust
 * `TrustedRoot`), or its kind is one Rekor records. Never throws.
 */
export function recognizesRekorEntry(entry: TlogEntry, trust: unknown): boolean {
  const kind = (entry?.kindVersion as { kind?: unknown } | undefined)?.kind;
  if (typeof kind === "string" && REKOR_KINDS.has(kind)) return true;
  const id = logIdBytes(entry ?? {});
  return !!id && !!trustedLogs(trust)?.some((l) => sameBytes(l.logId, id));
}
