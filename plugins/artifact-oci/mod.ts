/**
 * Image signatures in OCI registries, as cosign stores them: the simple-signing payload, the
 * `.sig` layout, race-free appending, reading and verifying, and the "oci" artifact plugin.
 * Used by the sign/verify/… commands and by copy/save/load.
 * @module
 */
export { artifactOciPlugin, default } from "./plugin.ts";
export * from "./oci_artifact.ts";
export * from "./simple_signing.ts";
export * from "./layout.ts";
export * from "./signature_location.ts";
export * from "./stored_signature.ts";
export * from "./read_signatures.ts";
export * from "./append_signatures.ts";
export * from "./verification_output.ts";
export * from "./referrer_bundles.ts";
export * from "./sign_image.ts";
// Image operations behind the registry commands (copy, save, load, tree, clean, …).
export * from "./copy_image.ts";
export * from "./copy_referrers.ts";
export * from "./select_platform.ts";
export * from "./save_load.ts";
export * from "./local_image.ts";
export * from "./attachment_tree.ts";
export * from "./clean_attachments.ts";
export * from "./triangulate.ts";
export * from "./generate_payload.ts";
export * from "./download_signatures.ts";
export * from "./attach_signature.ts";
export * from "./upload_files.ts";
export * from "./sniff_content_type.ts";
export * from "./signature_budget.ts";
// cosign v3 storage and attestations (bundles as OCI 1.1 referrers, .att layers).
export * from "./sign_statement.ts";
export * from "./bundle_referrer.ts";
export * from "./attestation_layer.ts";
export * from "./attach_stored.ts";
export * from "./attestation_files.ts";
export * from "./sbom_attachment.ts";
