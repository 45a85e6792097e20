/**
 * Re-exports the runtime-neutral core.
 * @module
 */
export * from "./errors.ts";
export * from "./plugin.ts";
export * from "./keys/mod.ts";
export {
  type ArtifactInput,
  verifyBundle,
  type VerifyPolicy,
  type VerifyResult,
} from "./verify/verify_bundle.ts";
export { pae } from "./dsse.ts";
export type { CertificateIdentity, IdentityPolicy } from "./verify/identity.ts";
export {
  logForEntry,
  verifyLogEntry,
  verifyTimestampToken,
  type WitnessSource,
  type WitnessVerifiers,
} from "./verify/witnesses.ts";
export {
  type CertificateAuthority,
  type LogAuthority,
  parseTrustedRoot,
  publicGoodTrustedRoot,
  type TrustedRoot,
  type ValidityWindow,
  withinValidity,
} from "./trust/trusted_root.ts";
export { TufClient, type TufClientOptions, type TufStore } from "./trust/tuf_client.ts";
export type * from "./runtime.ts";
export { signArtifact, type SignArtifactOptions, type SignArtifactResult } from "./sign.ts";
export { artifactTitle, verifyArtifact, type VerifyArtifactOptions } from "./verify_artifact.ts";
export type { WitnessPlan } from "./signature_witnesses.ts";
export { tlogLookup, type TlogLookupOptions } from "./tlog_lookup.ts";
