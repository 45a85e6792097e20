/**
 * PKCS#11 (Cryptoki 2.40) constants used by the binding: return values, flags, user types,
 * object classes, key types, attribute types and mechanisms, and the layout facts of the
 * x86-64 Linux ABI (CK_ULONG and handles are 8 bytes; CK_ATTRIBUTE and CK_MECHANISM are
 * 24 bytes; function pointers in CK_FUNCTION_LIST start at offset 8, in specification order).
 *
 * @example
 * ```ts
 * if (rv === CKR.PIN_INCORRECT) throw wrongPin();
 * ```
 * @module
 */

/** Return values (CK_RV) the binding names in messages. */
export const CKR = {
  OK: 0x0n,
  HOST_MEMORY: 0x2n,
  SLOT_ID_INVALID: 0x3n,
  GENERAL_ERROR: 0x5n,
  FUNCTION_FAILED: 0x6n,
  ARGUMENTS_BAD: 0x7n,
  ATTRIBUTE_SENSITIVE: 0x11n,
  ATTRIBUTE_TYPE_INVALID: 0x12n,
  DEVICE_ERROR: 0x30n,
  DEVICE_MEMORY: 0x31n,
  DEVICE_REMOVED: 0x32n,
  FUNCTION_NOT_SUPPORTED: 0x54n,
  KEY_HANDLE_INVALID: 0x60n,
  KEY_TYPE_INCONSISTENT: 0x63n,
  KEY_FUNCTION_NOT_PERMITTED: 0x68n,
  MECHANISM_INVALID: 0x70n,
  MECHANISM_PARAM_INVALID: 0x71n,
  OBJECT_HANDLE_INVALID: 0x82n,
  OPERATION_ACTIVE: 0x90n,
  OPERATION_NOT_INITIALIZED: 0x91n,
  PIN_INCORRECT: 0xa0n,
  PIN_INVALID: 0xa1n,
  PIN_LEN_RANGE: 0xa2n,
  PIN_EXPIRED: 0xa3n,
  PIN_LOCKED: 0xa4n,
  SESSION_CLOSED: 0xb0n,
  SESSION_COUNT: 0xb1n,
  SESSION_HANDLE_INVALID: 0xb3n,
  TEMPLATE_INCOMPLETE: 0xd0n,
  TEMPLATE_INCONSISTENT: 0xd1n,
  TOKEN_NOT_PRESENT: 0xe0n,
  TOKEN_NOT_RECOGNIZED: 0xe1n,
  TOKEN_WRITE_PROTECTED: 0xe2n,
  USER_ALREADY_LOGGED_IN: 0x100n,
  USER_NOT_LOGGED_IN: 0x101n,
  USER_PIN_NOT_INITIALIZED: 0x102n,
  USER_TYPE_INVALID: 0x103n,
  BUFFER_TOO_SMALL: 0x150n,
  CRYPTOKI_NOT_INITIALIZED: 0x190n,
  CRYPTOKI_ALREADY_INITIALIZED: 0x191n,
} as const;

const CKR_NAMES = new Map<bigint, string>(
  Object.entries(CKR).map(([name, value]) => [value, `CKR_${name}`]),
);

/** The name of a return value (`CKR_PIN_INCORRECT`), or its hex value when unknown. */
export function ckrName(rv: bigint): string {
  return CKR_NAMES.get(rv) ?? `CKR 0x${rv.toString(16)}`;
}

/** Session flags (C_OpenSession). */
export const CKF_RW_SESSION = 0x2n;
/** Session flags (C_OpenSession): always set. */
export const CKF_SERIAL_SESSION = 0x4n;
/** Token flag: a login is needed before private objects can be used. */
export const CKF_LOGIN_REQUIRED = 0x4n;
/** Token flag: the token has been initialized. */
export const CKF_TOKEN_INITIALIZED = 0x400n;

/** User types (C_Login). */
export const CKU = { SO: 0n, USER: 1n, CONTEXT_SPECIFIC: 2n } as const;

/** Object classes (CKA_CLASS values). */
export const CKO = { CERTIFICATE: 1n, PUBLIC_KEY: 2n, PRIVATE_KEY: 3n } as const;

/** Key types (CKA_KEY_TYPE values). */
export const CKK = { RSA: 0n, EC: 3n } as const;

/** Attribute types (CK_ATTRIBUTE_TYPE). */
export const CKA = {
  CLASS: 0x0n,
  TOKEN: 0x1n,
  PRIVATE: 0x2n,
  LABEL: 0x3n,
  VALUE: 0x11n,
  CERTIFICATE_TYPE: 0x80n,
  KEY_TYPE: 0x100n,
  ID: 0x102n,
  SIGN: 0x108n,
  ALWAYS_AUTHENTICATE: 0x202n,
  MODULUS: 0x120n,
  MODULUS_BITS: 0x121n,
  PUBLIC_EXPONENT: 0x122n,
  EC_PARAMS: 0x180n,
  EC_POINT: 0x181n,
} as const;

/** Mechanisms (CK_MECHANISM_TYPE). */
export const CKM = {
  RSA_PKCS: 0x1n,
  SHA256_RSA_PKCS: 0x40n,
  ECDSA: 0x1041n,
  ECDSA_SHA256: 0x1044n,
  EC_KEY_PAIR_GEN: 0x1040n,
} as const;

/** CK_ULONG value that marks an attribute as unavailable (`(CK_ULONG)-1`). */
export const CK_UNAVAILABLE_INFORMATION = 0xffff_ffff_ffff_ffffn;

/** Bytes in a CK_ULONG, a handle and a pointer (x86-64 Linux, LP64). */
export const ULONG_SIZE = 8;
/** Bytes in a CK_ATTRIBUTE {type, pValue, ulValueLen}. */
export const ATTRIBUTE_SIZE = 24;
/** Bytes in a CK_MECHANISM {mechanism, pParameter, ulParameterLen}. */
export const MECHANISM_SIZE = 24;
/** Bytes in a CK_TOKEN_INFO (label 32, manufacturer 32, model 16, serial 16, 11 CK_ULONG, versions, time). */
export const TOKEN_INFO_SIZE = 208;
/** Offset of the first function pointer in CK_FUNCTION_LIST (after CK_VERSION, padded). */
export const FUNCTION_LIST_OFFSET = 8;

/**
 * The functions of CK_FUNCTION_LIST in specification order (PKCS#11 2.40 §5.x): the index of a
 * name is its slot in the table.
 */
export const FUNCTION_NAMES: readonly string[] = [
  "C_Initialize",
  "C_Finalize",
  "C_GetInfo",
  "C_GetFunctionList",
  "C_GetSlotList",
  "C_GetSlotInfo",
  "C_GetTokenInfo",
  "C_GetMechanismList",
  "C_GetMechanismInfo",
  "C_InitToken",
  "C_InitPIN",
  "C_SetPIN",
  "C_OpenSession",
  "C_CloseSession",
  "C_CloseAllSessions",
  "C_GetSessionInfo",
  "C_GetOperationState",
  "C_SetOperationState",
  "C_Login",
  "C_Logout",
  "C_CreateObject",
  "C_CopyObject",
  "C_DestroyObject",
  "C_GetObjectSize",
  "C_GetAttributeValue",
  "C_SetAttributeValue",
  "C_FindObjectsInit",
  "C_FindObjects",
  "C_FindObjectsFinal",
  "C_EncryptInit",
  "C_Encrypt",
  "C_EncryptUpdate",
  "C_EncryptFinal",
  "C_DecryptInit",
  "C_Decrypt",
  "C_DecryptUpdate",
  "C_DecryptFinal",
  "C_DigestInit",
  "C_Digest",
  "C_DigestUpdate",
  "C_DigestKey",
  "C_DigestFinal",
  "C_SignInit",
  "C_Sign",
  "C_SignUpdate",
  "C_SignFinal",
  "C_SignRecoverInit",
  "C_SignRecover",
  "C_VerifyInit",
  "C_Verify",
  "C_VerifyUpdate",
  "C_VerifyFinal",
  "C_VerifyRecoverInit",
  "C_VerifyRecover",
  "C_DigestEncryptUpdate",
  "C_DecryptDigestUpdate",
  "C_SignEncryptUpdate",
  "C_DecryptVerifyUpdate",
  "C_GenerateKey",
  "C_GenerateKeyPair",
  "C_WrapKey",
  "C_UnwrapKey",
  "C_DeriveKey",
  "C_SeedRandom",
  "C_GenerateRandom",
  "C_GetFunctionStatus",
  "C_CancelFunction",
  "C_WaitForSlotEvent",
];
