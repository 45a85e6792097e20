/**
 * The built-in "tlog-rekor" plugin: uploads hashedrekord and dsse entries to Rekor v1
 * (`/api/v1/log/entries`, default https://rekor.sigstore.dev) or Rekor v2
 * (`/api/v2/log/entries`, when `majorApiVersion` is 2, as a signing config names it).
 *
 * @example
 * ```ts
 * const entry = await ctx.plugins.tlog("rekor").submit(submission, ctx, { url, majorApiVersion: 1 });
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import { definePlugin, type Plugin } from "../../core/plugin.ts";
import { DEFAULT_REKOR_URL } from "./rekor_v1.ts";

/** The plugin. */
export const tlogRekorPlugin: Plugin = definePlugin({
  name: "tlog-rekor",
  apiVersion: 1,
  tlogs: [{
    name: "rekor",
    description: "Rekor v1 and v2 transparency logs (hashedrekord, dsse)",
    async submit(submission, ctx, options) {
      const url = options?.url ?? DEFAULT_REKOR_URL;
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
  }],
});

export default tlogRekorPlugin;
