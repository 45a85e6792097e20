/**
 * cosign's legacy `rekorBundle` (in `--bundle` files of the old format and in the
 * `dev.sigstore.cosign/bundle` annotation): `{"SignedEntryTimestamp", "Payload": {"body",
 * "integratedTime", "logIndex", "logID"}}`, made from a Rekor v1 TransparencyLogEntry. The
 * conversion is cosign's format, not Rekor's, so it lives in core/legacy_signature.ts; this
 * module keeps the plugin's historical names for it.
 *
 * @example
 * ```ts
 * const legacy = legacyRekorBundle(entry); // undefined for a Rekor v2 entry (no SET)
 * ```
 * @module
 */
export type { LegacyRekorBundle } from "../../core/legacy_bundle.ts";
export {
  /** The legacy bundle for an entry with an inclusion promise; undefined without one. */
  legacyRekorBundleOf as legacyRekorBundle,
} from "../../core/legacy_signature.ts";
