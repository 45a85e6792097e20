/**
 * A key on a PKCS#11 token, as cosign's pkcs11key finds and uses it: the token by `slot-id` or
 * `token` label, the private key by `id` (which wins over `object`, as in cosign) or label, its
 * public half from the matching public-key object (else the certificate with that ID, else the
 * RSA private key's modulus), and the certificate stored with it (skipped when
 * `COSIGN_PKCS11_IGNORE_CERTIFICATE=1`). Signing hashes on the host and signs the SHA-256
 * digest: ECDSA with CKM_ECDSA (the token's raw r‖s converted to DER), RSA with CKM_RSA_PKCS
 * over the DigestInfo (PKCS#1 v1.5), so large inputs stream.
 *
 * The PIN comes from `pin-value`, else `pin-source`, else `COSIGN_PKCS11_PIN`, else a terminal
 * prompt when the token requires a login. The session stays open for the signer's life and is
 * closed (and the module finalized) by `close()`.
 *
 * @example
 * ```ts
 * const signer = await openPkcs11Signer(ctx, "pkcs11:token=cosign;object=ec?module-path=/usr/lib/softhsm/libsofthsm2.so");
 * try { sig = await signer.sign(data); } finally { await signer.close!(); }
 * ```
 * @module
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { toHex } from "../../core/encoding.ts";
import { CosignError } from "../../core/errors.ts";
import { bytesToBigint, derReadAll, oidToString } from "../../core/keys/der.ts";
import { pemEncode } from "../../core/keys/pem.ts";
import {
  curveByteLength,
  curveFromOid,
  parseSpki,
  type PublicKey,
  publicKeyMaterial,
  spkiFromCertificate,
} from "../../core/keys/public_key.ts";
import { ecdsaRawToDer, remoteSigner } from "../../core/keys/remote_signer.ts";
import { DIGEST_INFO } from "../../core/keys/rsa.ts";
import type { Context, Signer } from "../../core/plugin.ts";
import { CKA, CKF_LOGIN_REQUIRED, CKK, CKM, CKO } from "./pkcs11_constants.ts";
import { type TemplateAttribute, ulongValue } from "./pkcs11_memory.ts";
import { openPkcs11Module, type Pkcs11Module } from "./pkcs11_module.ts";
import {
  parsePkcs11Uri,
  type Pkcs11Uri,
  redactPkcs11Uri,
  requireKeyAttributes,
} from "./pkcs11_uri.ts";

/** How a key is opened. */
export interface OpenKeyOptions {
  /** Log in (and ask for a PIN if needed): true for signing. Verifying logs in only with a PIN at hand. */
  login: boolean;
  /** Names the key in messages instead of the URI (e.g. `security key slot "signature"`). */
  name?: string;
  /** Text after "Enter PIN for " in the prompt. */
  pinPrompt?: string;
}

/** An opened token key: its public half, certificate, and (when logged in) a signer. */
export interface Pkcs11Key {
  /** The public key. */
  publicKey: PublicKey;
  /** PEM certificate stored with the key, if any (and not ignored). */
  certificate?: string;
  /** Signs a SHA-256 digest (cosign's wire form: DER ECDSA, PKCS#1 v1.5 RSA). */
  signDigest(digest: Uint8Array): Uint8Array;
  /** Closes the session and releases the module. Idempotent. */
  close(): void;
}

/** Finds the slot the URI names: by slot-id (checking the label if also given) or by token label. */
export function findSlot(mod: Pkcs11Module, uri: Pkcs11Uri): bigint {
  const matches = (slot: bigint) => {
    const t = mod.tokenInfo(slot);
    return (uri.token === undefined || t.label === uri.token) &&
      (uri.manufacturer === undefined || t.manufacturer === uri.manufacturer) &&
      (uri.model === undefined || t.model === uri.model) &&
      (uri.serial === undefined || t.serial === uri.serial);
  };
  const slots = mod.slots();
  const found = uri.slotId !== undefined
    ? slots.find((s) => s === uri.slotId && matches(s))
    : slots.find(matches);
  if (found !== undefined) return found;
  const what = [
    uri.token !== undefined ? `token "${uri.token}"` : "",
    uri.slotId !== undefined ? `slot ${uri.slotId}` : "",
  ].filter(Boolean).join(" in ") || "a token";
  throw new CosignError(
    "KEY",
    `Cannot find ${what} in PKCS#11 module "${mod.path}": ${
      slots.length ? `the module has ${slots.length} token(s), none matches` : "no token present"
    }`,
    { hint: `List them with: cosign-ts pkcs11-tool list-tokens --module-path ${mod.path}` },
  );
}

/**
 * The PIN for a token: `pin-value`, `pin-source` (a file, first line), `COSIGN_PKCS11_PIN`, or —
 * when the token requires a login — the terminal. Undefined when none is needed or available
 * and `ask` is false. Throws CosignError("ABORTED") when a PIN is needed and nothing can supply it.
 */
export async function resolvePin(
  ctx: Context,
  uri: Pkcs11Uri,
  loginRequired: boolean,
  ask: boolean,
  prompt: string,
): Promise<string | undefined> {
  if (uri.pinValue !== undefined) return uri.pinValue;
  if (uri.pinSource !== undefined) {
    const path = uri.pinSource.startsWith("file:") ? fileURLToPath(uri.pinSource) : uri.pinSource;
    const text = await readFile(path, "utf8").catch((e) => {
      throw new CosignError("IO", `Cannot read the PIN from pin-source "${path}": ${e.code ?? e}`);
    });
    return text.split(/\r?\n/)[0];
  }
  const env = ctx.env("COSIGN_PKCS11_PIN");
  if (env) return env;
  if (!loginRequired || !ask) return undefined;
  if (!ctx.runtime.isTerminal("stdin")) {
    throw new CosignError(
      "ABORTED",
      `Cannot log in to ${prompt}: a PIN is needed and standard input is not a terminal`,
      { hint: "Set COSIGN_PKCS11_PIN, or add pin-value or pin-source to the URI." },
    );
  }
  return await ctx.runtime.readSecret(`Enter PIN for ${prompt}: `);
}

function ecPoint(raw: Uint8Array, size: number): Uint8Array {
  // CKA_EC_POINT is DER OCTET STRING (04 len 04||X||Y) per the standard; some modules give the
  // bare point. A bare point has exactly 2*size+1 bytes.
  if (raw.length === 2 * size + 1 && raw[0] === 0x04) return raw;
  const e = derReadAll(raw);
  if (e.tag !== 0x04) throw new Error("CKA_EC_POINT is not an OCTET STRING");
  return e.value;
}

function readPublicKey(
  mod: Pkcs11Module,
  session: bigint,
  object: bigint,
  keyType: bigint,
): PublicKey | undefined {
  if (keyType === CKK.EC) {
    const params = mod.attribute(session, object, CKA.EC_PARAMS);
    const point = mod.attribute(session, object, CKA.EC_POINT);
    if (!params || !point) return undefined;
    const oid = derReadAll(params);
    const curve = oid.tag === 0x06 ? curveFromOid(oidToString(oid.value)) : undefined;
    if (!curve) {
      throw new CosignError("UNSUPPORTED", "the key's curve is not P-256, P-384 or P-521");
    }
    return { type: "ec", curve, point: ecPoint(point, curveByteLength(curve)) };
  }
  if (keyType === CKK.RSA) {
    const n = mod.attribute(session, object, CKA.MODULUS);
    const e = mod.attribute(session, object, CKA.PUBLIC_EXPONENT);
    if (!n || !e) return undefined;
    return { type: "rsa", n: bytesToBigint(n), e: bytesToBigint(e) };
  }
  throw new CosignError("UNSUPPORTED", "the key is neither ECDSA nor RSA");
}

/** Template selecting objects of a class by the URI's id (preferred, as cosign) or label. */
function selector(cls: bigint, id?: Uint8Array, label?: string): TemplateAttribute[] {
  const t: TemplateAttribute[] = [{ type: CKA.CLASS, value: ulongValue(cls) }];
  if (id?.length) t.push({ type: CKA.ID, value: id });
  else if (label !== undefined) t.push({ type: CKA.LABEL, value: new TextEncoder().encode(label) });
  return t;
}

/**
 * Opens the key a `pkcs11:` URI names. Throws CosignError: INVALID_INPUT (bad URI), KEY
 * (module, token or key not found, unsupported key), AUTH (wrong PIN), ABORTED (PIN needed, no
 * terminal). Nothing stays open when it throws.
 */
export async function openPkcs11Key(
  ctx: Context,
  ref: string,
  options: OpenKeyOptions,
): Promise<Pkcs11Key> {
  const uri = parsePkcs11Uri(ref, (n) => ctx.env(n));
  requireKeyAttributes(ref, uri);
  const name = options.name ?? `PKCS#11 key "${redactPkcs11Uri(ref)}"`;
  const mod = await openPkcs11Module(ctx, uri.modulePath!);
  let session: bigint | undefined;
  let loggedIn = false;
  const close = () => {
    if (session !== undefined) {
      if (loggedIn) mod.logout(session);
      mod.closeSession(session);
      session = undefined;
    }
    mod.release();
  };
  try {
    const slot = findSlot(mod, uri);
    const token = mod.tokenInfo(slot);
    session = mod.openSession(slot);
    const prompt = options.pinPrompt ??
      `key '${uri.object ?? ""}' in PKCS11 token '${token.label}'`;
    const pin = await resolvePin(
      ctx,
      uri,
      (token.flags & CKF_LOGIN_REQUIRED) !== 0n,
      options.login,
      prompt,
    );
    if (pin !== undefined) {
      mod.login(session, pin);
      loggedIn = true;
    }
    const s = session;
    const privs = mod.findObjects(s, selector(CKO.PRIVATE_KEY, uri.id, uri.object));
    const publics = mod.findObjects(s, selector(CKO.PUBLIC_KEY, uri.id, uri.object));
    if (options.login && privs.length === 0) {
      throw new CosignError(
        "KEY",
        `Cannot use ${name}: no private key with ${
          uri.id?.length ? `id ${toHex(uri.id)}` : `label "${uri.object}"`
        } on token "${token.label}"${loggedIn ? "" : " (not logged in: is a PIN needed?)"}`,
        {
          hint:
            `List the keys with: cosign-ts pkcs11-tool list-keys-uris --module-path ${mod.path} --slot-id ${slot}`,
        },
      );
    }
    const keyObject = privs[0];
    // Keys that want the PIN for every signature (CKA_ALWAYS_AUTHENTICATE; PIV's signature slot)
    // get it again right before each C_Sign.
    const always = keyObject !== undefined &&
      mod.attribute(s, keyObject, CKA.ALWAYS_AUTHENTICATE)?.[0] === 1;
    const contextPin = always ? pin : undefined;
    const keyType = decodeUlong(
      mod.attribute(s, keyObject ?? publics[0] ?? 0n, CKA.KEY_TYPE),
    );
    // The certificate stored with the key: its public key stands in for a missing public-key
    // object; it is attached to signatures unless COSIGN_PKCS11_IGNORE_CERTIFICATE=1.
    const certs = mod.findObjects(s, selector(CKO.CERTIFICATE, uri.id, uri.object));
    const cert = certs.length ? mod.attribute(s, certs[0], CKA.VALUE) : undefined;
    const useCert = ctx.env("COSIGN_PKCS11_IGNORE_CERTIFICATE") !== "1";
    let publicKey = publics.length && keyType !== undefined
      ? readPublicKey(mod, s, publics[0], keyType)
      : undefined;
    if (!publicKey && cert) publicKey = parseSpki(spkiFromCertificate(cert), name);
    if (!publicKey && keyObject !== undefined && keyType === CKK.RSA) {
      publicKey = readPublicKey(mod, s, keyObject, keyType);
    }
    if (!publicKey) {
      throw new CosignError(
        "KEY",
        `Cannot use ${name}: no public key or certificate with ${
          uri.id?.length ? `id ${toHex(uri.id)}` : `label "${uri.object}"`
        } on token "${token.label}"`,
        {
          hint:
            `List the keys with: cosign-ts pkcs11-tool list-keys-uris --module-path ${mod.path} --slot-id ${slot}`,
        },
      );
    }
    const key = publicKey;
    return {
      publicKey: key,
      certificate: cert && useCert ? pemEncode("CERTIFICATE", cert) : undefined,
      signDigest(digest) {
        if (session === undefined || keyObject === undefined) {
          throw new CosignError("INTERNAL", `Cannot sign with ${name}: the key is closed`);
        }
        if (key.type === "ec") {
          return ecdsaRawToDer(
            mod.sign(session, CKM.ECDSA, keyObject, digest, contextPin),
            key.curve,
          );
        }
        if (key.type === "rsa") {
          const info = new Uint8Array([...DIGEST_INFO.sha256, ...digest]);
          return mod.sign(session, CKM.RSA_PKCS, keyObject, info, contextPin);
        }
        throw new CosignError("UNSUPPORTED", `Cannot sign with ${name}: unsupported key type`);
      },
      close,
    };
  } catch (e) {
    close();
    if (e instanceof CosignError) throw e;
    throw new CosignError("KEY", `Cannot use ${name}: ${(e as Error).message ?? e}`);
  }
}

function decodeUlong(v: Uint8Array | undefined): bigint | undefined {
  return v && v.length === 8
    ? new DataView(v.buffer, v.byteOffset).getBigUint64(0, true)
    : undefined;
}

/**
 * A {@link Signer} for a token key (signing hashes SHA-256 on the host, as cosign does). Close
 * it to end the session.
 */
export function pkcs11Signer(key: Pkcs11Key): Signer {
  return remoteSigner({
    publicKey: publicKeyMaterial(key.publicKey),
    hash: "sha256",
    signDigest: (digest) => {
      try {
        return Promise.resolve(key.signDigest(digest));
      } catch (e) {
        return Promise.reject(e);
      }
    },
    certificateChain: () => Promise.resolve(key.certificate ? [key.certificate] : undefined),
    close: () => Promise.resolve(key.close()),
  });
}
