/**
 * The hardware-pkcs11 plugin's public face: the "pkcs11" key provider, `pkcs11:` URI parsing
 * and formatting, the PKCS#11 module binding (over the runtime's FFI), and token listings for
 * `pkcs11-tool`. Other plugins (hardware-piv) and commands import from here only.
 * @module
 */
export { PKCS11_KEY_DESCRIPTION } from "./plugin.ts";
export { CKA, CKF_TOKEN_INITIALIZED, CKM, CKU } from "./pkcs11_constants.ts";
export { pkcs11KeyProvider, tokenSigner, tokenVerifier } from "./key_provider.ts";
export { type OpenKeyOptions, openPkcs11Key, type Pkcs11Key, pkcs11Signer } from "./pkcs11_key.ts";
export { openPkcs11Module, Pkcs11Module, type TokenInfo } from "./pkcs11_module.ts";
export {
  formatPkcs11Uri,
  parsePkcs11Uri,
  type Pkcs11Uri,
  type Pkcs11UriParts,
  redactPkcs11Uri,
} from "./pkcs11_uri.ts";
export { listKeyUris, listTokens, type SlotToken, type TokenKey } from "./token_list.ts";
