/**
 * SoftHSM2 tokens for the PKCS#11 tests: a temporary token directory and `softhsm2.conf`
 * (`SOFTHSM2_CONF` points there, so nothing outside the directory is touched), tokens made with
 * `softhsm2-util --init-token`, key pairs made with OpenSC's `pkcs11-tool --keypairgen`, and
 * openssl-made keys with certificates written with `pkcs11-tool --write-object`.
 *
 * @example
 * ```ts
 * const hsm = await softHsm();
 * try {
 *   await hsm.initToken("cosign", "1234");
 *   await hsm.keyPair("cosign", "1234", { type: "EC:prime256v1", id: "01", label: "ec" });
 * } finally {
 *   await hsm.cleanup();
 * }
 * ```
 * @module
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { currentRuntime } from "../../runtime/mod.ts";
import { runProcess, type RunResult, tempDir } from "./cli.ts";
import { openssl } from "./openssl.ts";

/** Debian's SoftHSM2 module. */
export const SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so";

/** A SoftHSM2 instance confined to a temporary directory. */
export interface SoftHsm {
  /** The temporary directory (config and tokens). */
  dir: string;
  /** Environment that makes SoftHSM use this instance (`SOFTHSM2_CONF`). */
  env: Record<string, string>;
  /** Initializes a token in the next free slot; returns its slot ID. */
  initToken(label: string, pin: string, soPin?: string): Promise<bigint>;
  /**
   * Generates a key pair on a token with `pkcs11-tool --keypairgen`; `alwaysAuth` sets
   * CKA_ALWAYS_AUTHENTICATE (the PIN for every signature, as PIV's signature slot wants it).
   */
  keyPair(
    token: string,
    pin: string,
    key: { type: string; id: string; label: string; alwaysAuth?: boolean },
  ): Promise<void>;
  /**
   * Puts a key made by openssl (EC P-256) and a self-signed certificate for it onto a token
   * with `pkcs11-tool --write-object` (no public-key object); returns the certificate's PEM file.
   */
  importKeyWithCertificate(
    token: string,
    pin: string,
    key: { id: string; label: string; subject: string },
  ): Promise<string>;
  /** The public key with this ID as `pkcs11-tool --read-object` reads it, in PEM (via openssl). */
  publicKeyPem(id: string): Promise<string>;
  /** Runs OpenSC's pkcs11-tool against the module (throws when it fails). */
  tool(args: string[]): Promise<RunResult>;
  /** Removes the directory. */
  cleanup(): Promise<void>;
}

/** Creates a SoftHSM2 instance in a fresh temporary directory. */
export async function softHsm(): Promise<SoftHsm> {
  const { dir, cleanup } = await tempDir("cosign-ts-softhsm-");
  const tokens = join(dir, "tokens");
  await mkdir(tokens);
  const conf = join(dir, "softhsm2.conf");
  await writeFile(
    conf,
    `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\n`,
  );
  const env = { SOFTHSM2_CONF: conf };
  const run = async (cmd: string, args: string[]) => {
    const r = await runProcess(cmd, args, { env });
    if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.err}${r.out}`);
    return r;
  };
  const tool = (args: string[]) => run("pkcs11-tool", ["--module", SOFTHSM_MODULE, ...args]);
  const asUser = (token: string, pin: string, args: string[]) =>
    tool(["--token-label", token, "--login", "--pin", pin, ...args]);
  return {
    dir,
    env,
    async initToken(label, pin, soPin = "5678") {
      const r = await run("softhsm2-util", [
        "--init-token",
        "--free",
        "--label",
        label,
        "--so-pin",
        soPin,
        "--pin",
        pin,
      ]);
      const m = /reassigned to slot (\d+)/.exec(r.out);
      if (!m) throw new Error(`softhsm2-util did not name the slot: ${r.out}`);
      return BigInt(m[1]);
    },
    async keyPair(token, pin, key) {
      await asUser(token, pin, [
        "--keypairgen",
        "--key-type",
        key.type,
        "--id",
        key.id,
        "--label",
        key.label,
        ...(key.alwaysAuth ? ["--always-auth"] : []),
      ]);
    },
    async importKeyWithCertificate(token, pin, key) {
      const base = join(dir, `import-${key.id}`);
      await openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${base}.key`]);
      await openssl([
        "pkcs8",
        "-topk8",
        "-nocrypt",
        "-in",
        `${base}.key`,
        "-outform",
        "DER",
        "-out",
        `${base}.p8`,
      ]);
      await openssl([
        "req",
        "-new",
        "-x509",
        "-key",
        `${base}.key`,
        "-subj",
        key.subject,
        "-days",
        "1",
        "-out",
        `${base}.crt`,
      ]);
      await openssl(["x509", "-in", `${base}.crt`, "-outform", "DER", "-out", `${base}.der`]);
      for (const [file, type] of [[`${base}.p8`, "privkey"], [`${base}.der`, "cert"]]) {
        await asUser(token, pin, [
          "--write-object",
          file,
          "--type",
          type,
          "--id",
          key.id,
          "--label",
          key.label,
        ]);
      }
      return `${base}.crt`;
    },
    async publicKeyPem(id) {
      const der = join(dir, `pub-${id}-${Date.now()}.der`);
      const read = await runProcess("pkcs11-tool", [
        "--module",
        SOFTHSM_MODULE,
        "--read-object",
        "--type",
        "pubkey",
        "--id",
        id,
        "--output-file",
        der,
      ], { env });
      if (read.code === 0) {
        return (await openssl(["pkey", "-pubin", "-inform", "DER", "-in", der])).out;
      }
      // OpenSC 0.23 cannot export some EC keys (P-384: "cannot create EVP_PKEY"): take the point
      // and curve pkcs11-tool lists and let python3-cryptography write the PEM.
      const listing = (await tool(["--list-objects", "--type", "pubkey"])).out;
      const block = listing.split(/\n(?=\S)/).find((b) => new RegExp(`ID:\\s+${id}\\b`).test(b));
      const point = /EC_POINT:\s+([0-9a-f]+)/.exec(block ?? "")?.[1];
      const params = /EC_PARAMS:\s+([0-9a-f]+)/.exec(block ?? "")?.[1];
      if (!point || !params) {
        throw new Error(`pkcs11-tool cannot read public key ${id}: ${read.err}`);
      }
      const py = [
        "import sys",
        "from cryptography.hazmat.primitives.asymmetric import ec",
        "from cryptography.hazmat.primitives import serialization as s",
        "curves = {'06082a8648ce3d030107': ec.SECP256R1(), '06052b81040022': ec.SECP384R1(), '06052b81040023': ec.SECP521R1()}",
        "der = bytes.fromhex(sys.argv[1]); n = der[1]; off = 2",
        "if n & 0x80: off = 2 + (n & 0x7f)",
        "k = ec.EllipticCurvePublicKey.from_encoded_point(curves[sys.argv[2]], der[off:])",
        "sys.stdout.write(k.public_bytes(s.Encoding.PEM, s.PublicFormat.SubjectPublicKeyInfo).decode())",
      ].join("\n");
      const r = await runProcess("python3", ["-c", py, point, params]);
      if (r.code !== 0) throw new Error(`python3-cryptography failed: ${r.err}`);
      return r.out;
    },
    tool,
    cleanup,
  };
}

/**
 * Sets an environment variable for native code in this process too (libc `setenv`, through the
 * runtime's FFI): Bun's `process.env` does not reach `getenv` in loaded libraries, and SoftHSM
 * reads `SOFTHSM2_CONF` with `getenv` in C_Initialize. `undefined` unsets it.
 */
export async function setNativeEnv(name: string, value: string | undefined): Promise<void> {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  const ffi = await currentRuntime().ffi!();
  const libc = ffi.open("libc.so.6", {
    setenv: { parameters: ["pointer", "pointer", "i32"], result: "i32" },
    unsetenv: { parameters: ["pointer"], result: "i32" },
  });
  try {
    const cstr = (s: string) => {
      const b = new TextEncoder().encode(s);
      const out = new Uint8Array(new ArrayBuffer(b.length + 1));
      out.set(b);
      return out;
    };
    const n = cstr(name);
    if (value === undefined) libc.symbols.unsetenv(ffi.address(n));
    else {
      const v = cstr(value);
      libc.symbols.setenv(ffi.address(n), ffi.address(v), 1);
    }
  } finally {
    libc.close();
  }
}
