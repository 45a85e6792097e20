/**
 * Keys: PEM, cosign's encrypted key format, private and public key parsing, signers and
 * verifiers for ECDSA (P-256/384/521), RSA (PKCS#1 v1.5, PSS) and Ed25519.
 * @module
 */
export * from "./pem.ts";
export * from "./encrypted_key.ts";
export * from "./private_key.ts";
export * from "./public_key.ts";
export * from "./signer.ts";
export * from "./verifier.ts";
export * from "./generate.ts";
export { hashFn, hashLength, type RsaPadding, rsaSignDigest, rsaVerifyDigest } from "./rsa.ts";
export * from "./remote_signer.ts";
export * from "./kms_request.ts";
