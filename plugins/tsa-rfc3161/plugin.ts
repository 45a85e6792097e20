/**
 * The built-in "tsa-rfc3161" plugin, the "rfc3161" timestamp authority with both halves:
 *
 * - timestamp: sends an RFC 3161 `TimeStampReq` over the SHA-256 of the signature to the
 *   authority's URL (`--timestamp-server-url`, or a signing config's `tsaUrls`) and returns the
 *   DER `TimeStampResp` bundles keep; used for every `http://` and `https://` URL that no
 *   third-party TSA handles first, or when `--tsa rfc3161` names it;
 * - verify: a DER timestamp (response or bare token) over the signature, signed by a timestamp
 *   authority of the trusted root valid at its time (verify_timestamp.ts).
 *
 * @example
 * ```ts
 * const tsa = ctx.plugins.timestampAuthorityFor("https://timestamp.sigstore.dev/api/v1/timestamp");
 * const token = await tsa.timestamp(signature, ctx, { url });
 * const { time } = await tsa.verify(token, signature, trustedRoot, ctx);
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import { definePlugin, type Plugin, type TimestampAuthority } from "../../core/plugin.ts";
import type { CertificateAuthority } from "../../core/trust/trusted_root.ts";
import { lazyModule } from "../../core/lazy_module.ts";

// Loaded on first use, then reused (core/lazy_module.ts).
const verifier = lazyModule(() => import("./verify_timestamp.ts"));

/** The "rfc3161" timestamp authority. */
export const rfc3161TimestampAuthority: TimestampAuthority = {
  name: "rfc3161",
  description: "RFC 3161 timestamp authorities (application/timestamp-query over HTTP)",
  handles: (url) => /^https?:\/\//i.test(url),
  async timestamp(signature, ctx, target) {
    ctx.log.debug(`requesting an RFC 3161 timestamp from ${target.url}`);
    const { requestTimestamp } = await import("./tsa_client.ts");
    return (await requestTimestamp(target.url, signature, { signal: ctx.signal })).response;
  },
  // Any DER SEQUENCE: a TimeStampResp or a bare token (ContentInfo).
  recognizes: (token) => token.length > 1 && token[0] === 0x30,
  async verify(token, signature, trust) {
    const authorities = (trust as { timestampAuthorities?: unknown } | null | undefined)
      ?.timestampAuthorities;
    if (!Array.isArray(authorities)) {
      throw new CosignError(
        "VERIFY",
        "Cannot verify RFC 3161 timestamp: no trusted root was given",
        {
          check: "timestamp",
          hint: "Verify with a trusted root (--trusted-root, or the public-good root).",
        },
      );
    }
    const { verifyRfc3161Timestamp } = await verifier();
    let signer: CertificateAuthority | undefined;
    const time = await verifyRfc3161Timestamp(
      token,
      signature,
      authorities as CertificateAuthority[],
      (a) => (signer = a),
    );
    // Distinct authorities of the trusted root give distinct names (two may share a URI).
    const index = signer ? authorities.indexOf(signer) : -1;
    return { time, authority: `${signer?.uri ?? "?"} #${index}` };
  },
};

/** The plugin. */
export const tsaRfc3161Plugin: Plugin = definePlugin({
  name: "tsa-rfc3161",
  apiVersion: 1,
  description: "RFC 3161 timestamp authorities",
  timestamps: [rfc3161TimestampAuthority],
});

export default tsaRfc3161Plugin;
