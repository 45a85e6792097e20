/**
 * The built-in "tlog-rekor" plugin, the "rekor" transparency log with both halves:
 *
 * - submit: uploads hashedrekord and dsse entries to Rekor v1 (`/api/v1/log/entries`, default
 *   https://rekor.sigstore.dev) or Rekor v2 (`/api/v2/log/entries`, when `majorApiVersion` is 2,
 *   as a signing config names it); used for every `http://` and `https://` log URL that no
 *   third-party log handles first, or when `--tlog rekor` names it;
 * - find: Rekor v1's index search by artifact hash (rekor_search.ts), for signatures that come
 *   without a bundle;
 * - verify: entries whose log ID is a log of the trusted root, or of a Rekor kind
 *   (recognize_entry.ts, entry_verifier.ts): body, SET, inclusion proof against a signed
 *   checkpoint.
 *
 * Light entry: only `handles` and `recognizes` load with the plugin; the clients and the
 * verification load on first use.
 *
 * @example
 * ```ts
 * const log = ctx.plugins.tlogFor("https://rekor.sigstore.dev"); // this log
 * const entry = await log.submit(submission, ctx, { url, majorApiVersion: 1 });
 * const r = await log.verify!(entry, expected, trustedRoot, ctx);
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import { definePlugin, type Plugin, type TransparencyLog } from "../../core/plugin.ts";
import { lazyModule } from "../../core/lazy_module.ts";
import { recognizesRekorEntry } from "./recognize_entry.ts";

// The clients and the verification load on first use: this file is the light entry main.ts
// lists, evaluated by every command.
const entryVerifier = lazyModule(() => import("./entry_verifier.ts"));
const defaultUrl = async (): Promise<string> => (await import("./rekor_v1.ts")).DEFAULT_REKOR_URL;

/** The "rekor" transparency log (Rekor v1 and v2). */
export const rekorTransparencyLog: TransparencyLog = {
  name: "rekor",
  description: "Rekor v1 and v2 transparency logs (hashedrekord, dsse)",
  handles: (url) => /^https?:\/\//i.test(url),
  async submit(submission, ctx, options) {
    const url = options?.url ?? await defaultUrl();
    const version = options?.majorApiVersion ?? 1;
    ctx.log.debug(`uploading a ${submission.kind} entry to Rekor v${version} at ${url}`);
    if (version === 1) {
      const { submitRekorV1 } = await import("./rekor_v1.ts");
      return await submitRekorV1(url, submission, ctx.signal);
    }
    if (version === 2) {
      const { submitRekorV2 } = await import("./rekor_v2.ts");
      return await submitRekorV2(url, submission, ctx.signal);
    }
    throw new CosignError("UNSUPPORTED", `Cannot upload to Rekor API version ${version}`, {
      hint: "Use a Rekor with majorApiVersion 1 or 2.",
    });
  },
  async find(query, ctx, options) {
    const url = options?.url ?? await defaultUrl();
    ctx.log.debug(`looking the signature up in Rekor at ${url}`);
    const { findRekorEntries } = await import("./rekor_search.ts");
    return await findRekorEntries(url, query, ctx.signal);
  },
  recognizes: recognizesRekorEntry,
  async verify(entry, expected, trust, ctx) {
    const { verifyRekorEntry } = await entryVerifier();
    // The runtime's synchronous digest (Bun) hashes the audit path; else WebCrypto.
    const digestSync = ctx?.runtime?.digestSync;
    return await verifyRekorEntry(
      entry,
      expected,
      trust,
      digestSync ? { sha256: (b) => digestSync("sha256", b) } : {},
    );
  },
};

/** The plugin. */
export const tlogRekorPlugin: Plugin = definePlugin({
  name: "tlog-rekor",
  apiVersion: 1,
  description: "Rekor transparency logs",
  tlogs: [rekorTransparencyLog],
});

export default tlogRekorPlugin;
