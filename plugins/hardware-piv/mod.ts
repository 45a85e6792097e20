/**
 * The hardware-piv plugin's public face: the "piv" key provider (`--sk`/`--slot`), PIV slots,
 * the security-key lookup through libykcs11, and the `piv-tool` operations PKCS#11 allows.
 * @module
 */
export { PIV_KEY_DESCRIPTION } from "./plugin.ts";
export { pivKeyProvider } from "./key_provider.ts";
export { PIV_SLOTS, type PivSlot, pivSlot } from "./piv_slots.ts";
export {
  DEFAULT_YKCS11_MODULE,
  pivModulePath,
  securityKeyUri,
  slotOfReference,
  theCard,
} from "./security_key.ts";
export {
  DEFAULT_MANAGEMENT_KEY,
  DEFAULT_PIV_PIN,
  generatePivKey,
  type GeneratePivKeyOptions,
  notThroughPkcs11,
  setPivPin,
} from "./piv_tool.ts";
