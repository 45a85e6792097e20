/**
 * The built-in command list. Each entry loads its module lazily so start-up stays fast.
 * Keep entries in the order `cosign-ts --help` should list them.
 * @module
 */
import type { CommandEntry } from "../command.ts";

/** All built-in commands. */
export const commands: CommandEntry[] = [
  // keys
  {
    name: "generate-key-pair",
    summary: "Generates a key-pair.",
    load: () => import("./generate_key_pair.ts"),
  },
  {
    name: "import-key-pair",
    summary: "Imports a PEM-encoded RSA, EC or Ed25519 private key.",
    load: () => import("./import_key_pair.ts"),
  },
  {
    name: "public-key",
    summary: "Gets a public key from the key-pair.",
    load: () => import("./public_key.ts"),
  },
  // blobs
  {
    name: "sign-blob",
    summary: "Signs the supplied blob, printing the base64-encoded signature to stdout.",
    load: () => import("./sign_blob.ts"),
  },
  {
    name: "verify-blob",
    summary: "Verifies a signature on the supplied blob.",
    load: () => import("./verify_blob.ts"),
  },
  {
    name: "attest-blob",
    summary: "Attest the supplied blob.",
    load: () => import("./attest_blob.ts"),
  },
  {
    name: "verify-blob-attestation",
    summary: "Verify an attestation on the supplied blob.",
    load: () => import("./verify_blob_attestation.ts"),
  },
  // images
  {
    name: "sign",
    summary: "Sign the supplied container image.",
    load: () => import("./sign.ts"),
  },
  {
    name: "verify",
    summary: "Verify a signature on the supplied container image.",
    load: () => import("./verify.ts"),
  },
  {
    name: "generate",
    summary: "Generates (unsigned) signature payloads from the supplied container image.",
    load: () => import("./generate.ts"),
  },
  {
    name: "attach signature",
    summary: "Attach signatures to the supplied container image.",
    load: () => import("./attach_signature.ts"),
  },
  {
    name: "download signature",
    summary: "Download signatures from the supplied container image.",
    load: () => import("./download_signature.ts"),
  },
  {
    name: "attest",
    summary: "Attest the supplied container image.",
    load: () => import("./attest.ts"),
  },
  {
    name: "verify-attestation",
    summary: "Verify an attestation on the supplied container image.",
    load: () => import("./verify_attestation.ts"),
  },
  {
    name: "attach attestation",
    summary: "Attach attestations to the supplied container image.",
    load: () => import("./attach_attestation.ts"),
  },
  {
    name: "attach sbom",
    summary: "Attach sbom to the supplied container image.",
    load: () => import("./attach_sbom.ts"),
  },
  {
    name: "download attestation",
    summary: "Download in-toto attestations from the supplied container image.",
    load: () => import("./download_attestation.ts"),
  },
  {
    name: "download sbom",
    summary: "Download SBOMs from the supplied container image.",
    load: () => import("./download_sbom.ts"),
  },
  {
    name: "triangulate",
    summary: "Outputs the located cosign image reference (where signatures are stored).",
    load: () => import("./triangulate.ts"),
  },
  {
    name: "tree",
    summary: "Display signatures, attestations and SBOMs stored for an image.",
    load: () => import("./tree.ts"),
  },
  {
    name: "clean",
    summary: "Remove all signatures from an image.",
    load: () => import("./clean.ts"),
  },
  {
    name: "login",
    summary: "Log in to a registry.",
    load: () => import("./login.ts"),
  },
  {
    name: "copy",
    summary: "Copies the supplied container image and signatures.",
    load: () => import("./copy.ts"),
  },
  {
    name: "save",
    summary: "Saves the container image and its signatures to an OCI image layout directory.",
    load: () => import("./save.ts"),
  },
  {
    name: "load",
    summary: "Loads a signed image saved with `save` from disk into a registry.",
    load: () => import("./load.ts"),
  },
  {
    name: "upload blob",
    summary: "Uploads one or more files to the supplied container image address.",
    load: () => import("./upload_blob.ts"),
  },
  {
    name: "sget",
    summary: "Fetches a blob uploaded with `upload blob`, verified by digest or by signature.",
    load: () => import("./sget.ts"),
  },
  // hardware keys
  {
    name: "pkcs11-tool list-tokens",
    summary: "list-tokens lists all PKCS11 tokens linked to a PKCS11 module",
    load: () => import("./pkcs11_tool.ts").then((m) => ({ command: m.listTokensCommand })),
  },
  {
    name: "pkcs11-tool list-keys-uris",
    summary: "list-keys-uris lists URIs of all keys in a PKCS11 token",
    load: () => import("./pkcs11_tool.ts").then((m) => ({ command: m.listKeysUrisCommand })),
  },
  {
    name: "piv-tool set-management-key",
    summary: "sets the management key of a hardware token",
    load: () => import("./piv_tool.ts").then((m) => m.pivToolCommand("set-management-key")),
  },
  {
    name: "piv-tool set-pin",
    summary: "sets the PIN on a hardware token",
    load: () => import("./piv_tool.ts").then((m) => m.pivToolCommand("set-pin")),
  },
  {
    name: "piv-tool set-puk",
    summary: "sets the PUK on a hardware token",
    load: () => import("./piv_tool.ts").then((m) => m.pivToolCommand("set-puk")),
  },
  {
    name: "piv-tool unblock",
    summary: "unblocks the hardware token, sets a new PIN",
    load: () => import("./piv_tool.ts").then((m) => m.pivToolCommand("unblock")),
  },
  {
    name: "piv-tool attestation",
    summary: "attestation contains commands to manage a hardware token",
    load: () => import("./piv_tool.ts").then((m) => m.pivToolCommand("attestation")),
  },
  {
    name: "piv-tool generate-key",
    summary: "generate-key generates a new signing key on the hardware token",
    load: () => import("./piv_tool.ts").then((m) => m.pivToolCommand("generate-key")),
  },
  {
    name: "piv-tool reset",
    summary: "reset resets the hardware token completely",
    load: () => import("./piv_tool.ts").then((m) => m.pivToolCommand("reset")),
  },
  // transparency and trust
  {
    name: "initialize",
    summary: "Initializes the Sigstore trusted root from a TUF repository.",
    load: () => import("./initialize.ts"),
  },
  {
    name: "trusted-root create",
    summary: "Create a Sigstore protobuf trusted root.",
    load: () => import("./trusted_root_create.ts"),
  },
  {
    name: "signing-config create",
    summary: "Create a Sigstore protobuf signing config.",
    load: () => import("./signing_config_create.ts"),
  },
  {
    name: "bundle create",
    summary: "Create a Sigstore protobuf bundle.",
    load: () => import("./bundle_create.ts"),
  },
  // misc
  {
    name: "env",
    summary: "Prints Cosign environment variables.",
    load: () => import("./env.ts"),
  },
  {
    name: "completion",
    summary: "Generate completion script.",
    load: () => import("./completion.ts"),
  },
  {
    name: "version",
    summary: "Prints the cosign-ts version.",
    load: () => import("./version.ts"),
  },
];
