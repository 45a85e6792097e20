/**
 * scrypt through node:crypto (OpenSSL in Deno's and Bun's Node layers): about twice as fast as
 * the pure-JS default for cosign's N = 2^16, which is most of the time spent opening a key.
 * Results are checked against @noble/hashes and Python's hashlib in the tests.
 *
 * @example
 * ```ts
 * const pkcs8 = decryptPrivateKey(pem, password, "cosign.key", { scrypt: nativeScrypt });
 * ```
 * @module
 */
import { scryptSync } from "node:crypto";
import type { ScryptFunction } from "../../core/keys/mod.ts";

/** node:crypto scryptSync with enough `maxmem` for the parameters (128·r·N bytes + slack). */
export const nativeScrypt: ScryptFunction = (password, salt, { N, r, p, dkLen }) =>
  new Uint8Array(
    scryptSync(password, salt, dkLen, { N, r, p, maxmem: 128 * r * N * p + (32 << 20) }),
  );
