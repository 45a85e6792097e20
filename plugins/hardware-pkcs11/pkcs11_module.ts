/**
 * A PKCS#11 module loaded over the runtime's FFI (`Deno.dlopen` / `bun:ffi`): the Cryptoki
 * functions cosign needs, bound through `C_GetFunctionList` (so modules that export only that
 * symbol work), with CK_RV values turned into {@link CosignError}s that name the function, the
 * module and the return value. One loaded module per path per process, reference-counted: the
 * last {@link Pkcs11Module.release} calls `C_Finalize` and unloads the library.
 *
 * PINs are passed to `C_Login`/`C_SetPIN` only; they never appear in messages.
 *
 * @example
 * ```ts
 * const mod = await openPkcs11Module(ctx, "/usr/lib/softhsm/libsofthsm2.so");
 * try {
 *   for (const slot of mod.slots()) console.log(mod.tokenInfo(slot).label);
 * } finally {
 *   mod.release();
 * }
 * ```
 * @module
 */
import { stat } from "node:fs/promises";
import { isAbsolute } from "node:path";
import { CosignError } from "../../core/errors.ts";
import type { Context } from "../../core/plugin.ts";
import type { Ffi, FfiFunction, FfiLibrary, FfiSignature } from "../../core/runtime.ts";
import {
  CK_UNAVAILABLE_INFORMATION,
  CKF_RW_SESSION,
  CKF_SERIAL_SESSION,
  CKR,
  ckrName,
  CKU,
  FUNCTION_LIST_OFFSET,
  FUNCTION_NAMES,
  TOKEN_INFO_SIZE,
  ULONG_SIZE,
} from "./pkcs11_constants.ts";
import {
  allocate,
  encodeMechanism,
  encodeTemplate,
  keepAlive,
  paddedText,
  pinnedCopy,
  readUlong,
  type TemplateAttribute,
  ulongBuffer,
  writeUlong,
} from "./pkcs11_memory.ts";

/** What C_GetTokenInfo says about a token. */
export interface TokenInfo {
  /** Token label (blank padding removed). */
  label: string;
  /** Manufacturer ID. */
  manufacturer: string;
  /** Model. */
  model: string;
  /** Serial number. */
  serial: string;
  /** CKF_* token flags. */
  flags: bigint;
  /** Sessions open on the token (CK_UNAVAILABLE_INFORMATION when the module does not say). */
  sessionCount: bigint;
}

// Parameter kinds: "u" a CK_ULONG (or CK_BBOOL/handle) by value, "p" a pointer.
const SIGNATURES: Record<string, string> = {
  C_Initialize: "p",
  C_Finalize: "p",
  C_GetSlotList: "upp",
  C_GetTokenInfo: "up",
  C_SetPIN: "upupu",
  C_OpenSession: "uuppp",
  C_CloseSession: "u",
  C_Login: "uupu",
  C_Logout: "u",
  C_GetAttributeValue: "uupu",
  C_FindObjectsInit: "upu",
  C_FindObjects: "upup",
  C_FindObjectsFinal: "u",
  C_SignInit: "upu",
  C_Sign: "upupp",
  C_GenerateKeyPair: "uppupupp",
};

function signatureOf(kinds: string): FfiSignature {
  return {
    parameters: [...kinds].map((k) => (k === "p" ? "pointer" : "u64")),
    result: "u64",
  };
}

/** Loaded modules by path, shared within the process (Cryptoki is initialized once per process). */
const loaded = new Map<string, Pkcs11Module>();

/**
 * A loaded and initialized PKCS#11 module. Obtain it with {@link openPkcs11Module}; call
 * {@link Pkcs11Module.release} when done (in a `finally`).
 */
export class Pkcs11Module {
  readonly #ffi: Ffi;
  readonly #lib: FfiLibrary;
  readonly #fns: Record<string, FfiFunction>;
  #refs = 1;
  readonly #sessions = new Set<bigint>();
  /** The module's path, as given. */
  readonly path: string;

  private constructor(ffi: Ffi, lib: FfiLibrary, fns: Record<string, FfiFunction>, path: string) {
    this.#ffi = ffi;
    this.#lib = lib;
    this.#fns = fns;
    this.path = path;
  }

  /** Loads, binds and initializes the module at `path` (internal: use openPkcs11Module). */
  static load(ffi: Ffi, path: string): Pkcs11Module {
    const existing = loaded.get(path);
    if (existing) {
      existing.#refs++;
      return existing;
    }
    let lib: FfiLibrary;
    try {
      lib = ffi.open(path, { C_GetFunctionList: signatureOf("p") });
    } catch (e) {
      throw new CosignError(
        "KEY",
        `Cannot load PKCS#11 module "${path}": ${(e as Error).message ?? e}`,
        { hint: "module-path (or COSIGN_PKCS11_MODULE_PATH) must name a PKCS#11 shared library." },
      );
    }
    try {
      const listPtr = ulongBuffer();
      const rv = lib.symbols.C_GetFunctionList(ffi.address(listPtr));
      const list = readUlong(listPtr);
      if (rv !== CKR.OK || list === 0n) {
        throw new CosignError(
          "KEY",
          `Cannot load PKCS#11 module "${path}": C_GetFunctionList returned ${ckrName(rv)}`,
        );
      }
      const table = ffi.read(list, FUNCTION_LIST_OFFSET + FUNCTION_NAMES.length * ULONG_SIZE);
      const fns: Record<string, FfiFunction> = {};
      for (const [name, kinds] of Object.entries(SIGNATURES)) {
        const address = readUlong(table, FUNCTION_LIST_OFFSET + FUNCTION_NAMES.indexOf(name) * 8);
        if (address !== 0n) fns[name] = ffi.function(address, signatureOf(kinds));
      }
      const mod = new Pkcs11Module(ffi, lib, fns, path);
      const init = mod.#call("C_Initialize", 0n);
      // Another library in this process initialized it already: use it, but leave it initialized.
      if (init !== CKR.OK && init !== CKR.CRYPTOKI_ALREADY_INITIALIZED) {
        throw mod.error("initialize the module", init);
      }
      loaded.set(path, mod);
      return mod;
    } catch (e) {
      lib.close();
      if (e instanceof CosignError) throw e;
      throw new CosignError(
        "KEY",
        `Cannot load PKCS#11 module "${path}": ${(e as Error).message ?? e}`,
        { hint: "The library does not look like a PKCS#11 module (no C_GetFunctionList)." },
      );
    }
  }

  #call(name: string, ...args: (bigint | number)[]): bigint {
    const fn = this.#fns[name];
    if (!this.#refs && name !== "C_CloseSession") {
      throw new CosignError("INTERNAL", `PKCS#11 module "${this.path}" is closed`);
    }
    if (!fn) return CKR.FUNCTION_NOT_SUPPORTED;
    return fn(...args);
  }

  /** A CosignError for a failed call: names the action, the module and the CK_RV. */
  error(action: string, rv: bigint): CosignError {
    return new CosignError(
      rv === CKR.PIN_INCORRECT || rv === CKR.PIN_LOCKED ? "AUTH" : "KEY",
      `Cannot ${action} with PKCS#11 module "${this.path}": ${ckrName(rv)}`,
      rv === CKR.DEVICE_ERROR
        ? { hint: "The module cannot reach its device (smart cards need pcscd running)." }
        : {},
    );
  }

  #check(action: string, rv: bigint): void {
    if (rv !== CKR.OK) throw this.error(action, rv);
  }

  /** Slot IDs; only slots with a token present unless `all`. */
  slots(all = false): bigint[] {
    const count = ulongBuffer();
    const tokenPresent = all ? 0n : 1n;
    this.#check(
      "list slots",
      this.#call("C_GetSlotList", tokenPresent, 0n, this.#ffi.address(count)),
    );
    for (;;) {
      const n = Number(readUlong(count));
      const list = allocate(n * ULONG_SIZE);
      const rv = this.#call(
        "C_GetSlotList",
        tokenPresent,
        this.#ffi.address(list),
        this.#ffi.address(count),
      );
      if (rv === CKR.BUFFER_TOO_SMALL) continue;
      this.#check("list slots", rv);
      return Array.from({ length: Number(readUlong(count)) }, (_, i) => readUlong(list, i * 8));
    }
  }

  /** The token in a slot. */
  tokenInfo(slot: bigint): TokenInfo {
    const info = allocate(TOKEN_INFO_SIZE);
    this.#check(
      `read the token in slot ${slot}`,
      this.#call("C_GetTokenInfo", slot, this.#ffi.address(info)),
    );
    return {
      label: paddedText(info, 0, 32),
      manufacturer: paddedText(info, 32, 32),
      model: paddedText(info, 64, 16),
      serial: paddedText(info, 80, 16),
      flags: readUlong(info, 96),
      sessionCount: readUlong(info, 112),
    };
  }

  /** Opens a session (read-only unless `rw`); close it with {@link Pkcs11Module.closeSession}. */
  openSession(slot: bigint, rw = false): bigint {
    const h = ulongBuffer();
    this.#check(
      `open a session on slot ${slot}`,
      this.#call(
        "C_OpenSession",
        slot,
        CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0n),
        0n,
        0n,
        this.#ffi.address(h),
      ),
    );
    const session = readUlong(h);
    this.#sessions.add(session);
    return session;
  }

  /** Closes a session; errors are ignored (the session is gone either way). */
  closeSession(session: bigint): void {
    this.#sessions.delete(session);
    this.#call("C_CloseSession", session);
  }

  /** How many sessions opened through this object are still open. */
  get openSessions(): number {
    return this.#sessions.size;
  }

  /** True while a module with this path is loaded (and initialized) in this process. */
  static isLoaded(path: string): boolean {
    return loaded.has(path);
  }

  /**
   * Logs in (CKU_USER unless `userType`). Already logged in counts as success. A wrong or locked
   * PIN is CosignError("AUTH"); the PIN is never part of a message.
   */
  login(session: bigint, pin: string, userType: bigint = CKU.USER): void {
    const encoded = new TextEncoder().encode(pin);
    const bytes = pinnedCopy(encoded);
    encoded.fill(0);
    const rv = this.#call(
      "C_Login",
      session,
      userType,
      this.#ffi.address(bytes),
      encoded.length,
    );
    bytes.fill(0);
    if (rv === CKR.USER_ALREADY_LOGGED_IN) return;
    if (rv === CKR.PIN_INCORRECT) {
      throw new CosignError(
        "AUTH",
        `Cannot log in to the token with PKCS#11 module "${this.path}": wrong PIN (CKR_PIN_INCORRECT)`,
        { hint: "Check the PIN in COSIGN_PKCS11_PIN, pin-value or pin-source." },
      );
    }
    this.#check("log in to the token", rv);
  }

  /** Logs out; errors are ignored. */
  logout(session: bigint): void {
    this.#call("C_Logout", session);
  }

  /** Changes a PIN (the user PIN after a CKU_USER login). Never shows either PIN. */
  setPin(session: bigint, oldPin: string, newPin: string): void {
    const oldBytes = new TextEncoder().encode(oldPin);
    const newBytes = new TextEncoder().encode(newPin);
    const o = pinnedCopy(oldBytes);
    const n = pinnedCopy(newBytes);
    const rv = this.#call(
      "C_SetPIN",
      session,
      this.#ffi.address(o),
      oldBytes.length,
      this.#ffi.address(n),
      newBytes.length,
    );
    oldBytes.fill(0);
    newBytes.fill(0);
    o.fill(0);
    n.fill(0);
    this.#check("change the PIN", rv);
  }

  /** Handles of the objects matching a template (all of them, in the module's order). */
  findObjects(session: bigint, attrs: TemplateAttribute[]): bigint[] {
    const t = encodeTemplate(this.#ffi, attrs);
    this.#check(
      "search the token",
      this.#call("C_FindObjectsInit", session, this.#ffi.address(t.array), t.count),
    );
    keepAlive(t);
    const found: bigint[] = [];
    try {
      const batch = allocate(32 * ULONG_SIZE);
      const n = ulongBuffer();
      for (;;) {
        this.#check(
          "search the token",
          this.#call(
            "C_FindObjects",
            session,
            this.#ffi.address(batch),
            32,
            this.#ffi.address(n),
          ),
        );
        const got = Number(readUlong(n));
        for (let i = 0; i < got; i++) found.push(readUlong(batch, i * 8));
        if (got === 0) break;
      }
    } finally {
      this.#call("C_FindObjectsFinal", session);
    }
    return found;
  }

  /**
   * One attribute's value, or undefined when the object does not have it (or it is sensitive).
   */
  attribute(session: bigint, object: bigint, type: bigint): Uint8Array | undefined {
    const t = allocate(24);
    writeUlong(t, 0, type);
    let rv = this.#call("C_GetAttributeValue", session, object, this.#ffi.address(t), 1);
    if (rv === CKR.ATTRIBUTE_TYPE_INVALID || rv === CKR.ATTRIBUTE_SENSITIVE) return undefined;
    this.#check("read an object's attribute", rv);
    const len = readUlong(t, 16);
    if (len === CK_UNAVAILABLE_INFORMATION) return undefined;
    const value = allocate(Number(len));
    writeUlong(t, 8, this.#ffi.address(value));
    rv = this.#call("C_GetAttributeValue", session, object, this.#ffi.address(t), 1);
    this.#check("read an object's attribute", rv);
    return value.slice(0, Number(readUlong(t, 16)));
  }

  /**
   * Signs `data` with a private key and a parameterless mechanism (CKM_ECDSA, CKM_RSA_PKCS).
   * `contextPin`: the key has CKA_ALWAYS_AUTHENTICATE (PIV's signature slot), so the PIN is
   * given again (CKU_CONTEXT_SPECIFIC) between C_SignInit and C_Sign.
   */
  sign(
    session: bigint,
    mechanism: bigint,
    key: bigint,
    data: Uint8Array,
    contextPin?: string,
  ): Uint8Array {
    const mech = encodeMechanism(mechanism);
    this.#check(
      "start signing",
      this.#call("C_SignInit", session, this.#ffi.address(mech), key),
    );
    if (contextPin !== undefined) this.login(session, contextPin, CKU.CONTEXT_SPECIFIC);
    const input = pinnedCopy(data);
    const len = ulongBuffer(1024n);
    // A signature fits in 1024 bytes (RSA 8192); a module that wants more says so and keeps the
    // operation active for a second call with a buffer of the size it named.
    for (let attempt = 0;; attempt++) {
      const out = allocate(Number(readUlong(len)));
      const rv = this.#call(
        "C_Sign",
        session,
        this.#ffi.address(input),
        input.length,
        this.#ffi.address(out),
        this.#ffi.address(len),
      );
      keepAlive(mech, input);
      if (rv === CKR.BUFFER_TOO_SMALL && attempt === 0) continue;
      this.#check("sign", rv);
      return out.slice(0, Number(readUlong(len)));
    }
  }

  /**
   * Generates a key pair with a parameterless mechanism and the given templates; returns the
   * handles {publicKey, privateKey}.
   */
  generateKeyPair(
    session: bigint,
    mechanism: bigint,
    publicTemplate: TemplateAttribute[],
    privateTemplate: TemplateAttribute[],
  ): { publicKey: bigint; privateKey: bigint } {
    const mech = encodeMechanism(mechanism);
    const pub = encodeTemplate(this.#ffi, publicTemplate);
    const priv = encodeTemplate(this.#ffi, privateTemplate);
    const hPub = ulongBuffer();
    const hPriv = ulongBuffer();
    this.#check(
      "generate a key pair",
      this.#call(
        "C_GenerateKeyPair",
        session,
        this.#ffi.address(mech),
        this.#ffi.address(pub.array),
        pub.count,
        this.#ffi.address(priv.array),
        priv.count,
        this.#ffi.address(hPub),
        this.#ffi.address(hPriv),
      ),
    );
    keepAlive(mech, pub, priv);
    return { publicKey: readUlong(hPub), privateKey: readUlong(hPriv) };
  }

  /**
   * Drops one reference; the last one calls C_Finalize and unloads the library. Safe to call
   * more than once per reference holder only if each holder calls it once.
   */
  release(): void {
    if (this.#refs === 0) return;
    if (--this.#refs > 0) return;
    loaded.delete(this.path);
    try {
      for (const session of [...this.#sessions]) this.closeSession(session);
      this.#fns.C_Finalize?.(0n);
    } finally {
      this.#lib.close();
    }
  }
}

/**
 * Loads (or shares) the module at `path` with the context's FFI. Throws CosignError("KEY") for a
 * relative path, a missing file, something that is not a PKCS#11 module or a failing
 * C_Initialize, and CosignError("UNSUPPORTED") when the runtime has no FFI (Node).
 */
export async function openPkcs11Module(ctx: Context, path: string): Promise<Pkcs11Module> {
  if (!isAbsolute(path)) {
    throw new CosignError("KEY", `Cannot load PKCS#11 module "${path}": not an absolute path`, {
      hint: "Give module-path (or COSIGN_PKCS11_MODULE_PATH) as an absolute path.",
    });
  }
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) {
    throw new CosignError(
      "KEY",
      `Cannot load PKCS#11 module "${path}": ${info ? "not a regular file" : "no such file"}`,
      { hint: "Install the module (e.g. softhsm2, ykcs11) or correct module-path." },
    );
  }
  if (!ctx.runtime.ffi) {
    throw new CosignError(
      "UNSUPPORTED",
      `Cannot load PKCS#11 module "${path}": the ${ctx.runtime.name} runtime has no FFI`,
      { hint: "Use the cosign-ts binary (Bun) or run under Deno with --allow-ffi." },
    );
  }
  return Pkcs11Module.load(await ctx.runtime.ffi(), path);
}
