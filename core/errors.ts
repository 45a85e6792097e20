/**
 * The one error family of cosign-ts.
 *
 * Every failure a user can cause (bad input, wrong password, missing signature, unreachable
 * registry) is a {@link CosignError} with a stable `code`, a message that names the failed action
 * and the value involved, and an optional hint saying what to do. The CLI maps codes to exit
 * codes with {@link exitCodeFor}; anything that is not a CosignError is a bug and exits 1.
 *
 * @example
 * ```ts
 * throw new CosignError("KEY_PASSWORD", `Cannot read key "cosign.key": wrong password`, {
 *   hint: "Set COSIGN_PASSWORD to the password used when the key was generated.",
 * });
 * ```
 * @module
 */

/** Stable error codes. Documented in the README with their exit codes. */
export type ErrorCode =
  /** Wrong flags or arguments. */
  | "USAGE"
  /** A file could not be read or written. */
  | "IO"
  /** Input that does not parse: a corrupt key, a malformed bundle, bad JSON, a bad reference. */
  | "INVALID_INPUT"
  /** A key could not be loaded (unsupported type, bad encoding, bad KDF parameters). */
  | "KEY"
  /** The password does not decrypt the key. */
  | "KEY_PASSWORD"
  /** A feature or algorithm that is not supported (yet). */
  | "UNSUPPORTED"
  /** A plugin could not be loaded or broke its contract. */
  | "PLUGIN"
  /** A signature, certificate, log entry or timestamp did not verify. */
  | "VERIFY"
  /** No signatures were found for the artifact (cosign exit code 10). */
  | "NO_SIGNATURES"
  /** The image, tag or blob does not exist (cosign exit code 11). */
  | "NOT_FOUND"
  /** Signatures exist but none matched the key or policy (cosign exit code 12). */
  | "NO_MATCH"
  /** The network or a remote service failed. */
  | "NETWORK"
  /** Authentication or authorisation failed (401/403). */
  | "AUTH"
  /** Something exceeded a size or count limit. */
  | "TOO_LARGE"
  /** The user declined a prompt, or no terminal was there to ask. */
  | "ABORTED"
  /** An internal error. */
  | "INTERNAL";

/** Exit code for each error code. 0 is success; 1 is the generic failure, as in cosign. */
export const EXIT_CODES: Readonly<Record<ErrorCode, number>> = {
  USAGE: 2,
  IO: 1,
  INVALID_INPUT: 1,
  KEY: 1,
  KEY_PASSWORD: 1,
  UNSUPPORTED: 1,
  PLUGIN: 1,
  VERIFY: 12,
  NO_SIGNATURES: 10,
  NOT_FOUND: 11,
  NO_MATCH: 12,
  NETWORK: 1,
  AUTH: 1,
  TOO_LARGE: 1,
  ABORTED: 1,
  INTERNAL: 1,
};

/**
 * Which verification check failed, for errors with code "VERIFY" or "NO_MATCH" (exit 12), as
 * jose and sigstore-js name theirs. Stable: scripts and tests may rely on these values.
 */
export type FailedCheck =
  /** The signature does not verify over the payload, content or DSSE envelope. */
  | "signature"
  /** The certificate does not chain to a trusted CA at the signing time. */
  | "certificate-chain"
  /** The certificate's identity or issuer is not the one asked for. */
  | "identity"
  /** The certificate's signed certificate timestamps do not verify. */
  | "sct"
  /** A transparency log entry is missing, does not match, or its promise/proof fails. */
  | "tlog-entry"
  /** A signed timestamp does not verify or does not cover the signature. */
  | "timestamp"
  /** The signed digest or in-toto subject is not the artifact's. */
  | "digest"
  /** The signed payload's claims (image reference, annotations) do not hold. */
  | "claims"
  /** A policy (CUE, Rego, TypeScript) rejected what was verified. */
  | "policy"
  /** The bundle or stored signature is malformed. */
  | "bundle";

/** Options for {@link CosignError}. */
export interface CosignErrorOptions {
  /** For verification failures: which check failed. */
  check?: FailedCheck;
  /** One sentence telling the user what to do next. */
  hint?: string;
  /** The underlying error, kept for `COSIGN_TS_DEBUG=1`. */
  cause?: unknown;
}

/**
 * A user-facing error: `code` selects the exit code, `message` names the action and the value,
 * `hint` says what to do.
 */
export class CosignError extends Error {
  /** Stable machine-readable code. */
  readonly code: ErrorCode;
  /** What the user can do about it. */
  readonly hint?: string;
  /** For verification failures: which check failed (see {@link FailedCheck}). */
  readonly check?: FailedCheck;

  /** Creates an error; see the module documentation for the conventions. */
  constructor(code: ErrorCode, message: string, options: CosignErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CosignError";
    this.code = code;
    this.hint = options.hint;
    if (options.check !== undefined) this.check = options.check;
  }

  /**
   * `instanceof CosignError` also recognises errors made by another copy of this module: a
   * plugin loaded from disk by the compiled binary imports its own copy of the library.
   */
  static override [Symbol.hasInstance](x: unknown): boolean {
    if (!(x instanceof Error) || x.name !== "CosignError") return false;
    const code = (x as { code?: unknown }).code;
    return typeof code === "string" && Object.hasOwn(EXIT_CODES, code);
  }
}

/** True when `e` is a {@link CosignError} (optionally with the given code). */
export function isCosignError(e: unknown, code?: ErrorCode): e is CosignError {
  return e instanceof CosignError && (code === undefined || e.code === code);
}

/** The process exit code for an error: its code's entry in {@link EXIT_CODES}, or 1. */
export function exitCodeFor(e: unknown): number {
  return e instanceof CosignError ? EXIT_CODES[e.code] : 1;
}

/** Short text of any thrown value, for wrapping foreign errors into a message. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
