/**
 * Independent peers for the key tests, run at test time: Debian's `/usr/bin/python3` with
 * `python3-nacl` (libsodium's secretbox) and `hashlib.scrypt` (OpenSSL's scrypt) to read and
 * write cosign's encrypted key format, and the `openssl` command line for keys and signatures.
 * Works under `deno test` and `bun test`.
 *
 * @example
 * ```ts
 * const pkcs8 = pythonDecryptCosignKey(pemText, "pw");
 * const pem = pythonEncryptCosignKey(pkcs8, "pw", { N: 32768, label: "ENCRYPTED COSIGN PRIVATE KEY" });
 * const der = openssl(["pkey", "-outform", "DER"], pemText);
 * ```
 * @module
 */
import { spawnSync } from "node:child_process";

/** Debian's Python (has python3-nacl), not a pyenv python3 that may be first on PATH. */
export const PYTHON = "/usr/bin/python3";

function run(cmd: string, args: string[], input?: Uint8Array | string): Uint8Array {
  const r = spawnSync(cmd, args, {
    input: input === undefined ? undefined : input,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr?.toString()}`);
  }
  return new Uint8Array(r.stdout);
}

/** Runs `openssl ARGS` with optional stdin; returns stdout. Throws on a non-zero exit. */
export function openssl(args: string[], input?: Uint8Array | string): Uint8Array {
  return run("openssl", args, input);
}

/** Runs `openssl ARGS` and returns the exit status (for verify commands). */
export function opensslStatus(args: string[], input?: Uint8Array | string): number {
  const r = spawnSync("openssl", args, { input });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

const DECRYPT = `
import sys, json, base64, hashlib, nacl.secret
pem = sys.stdin.read()
pw = sys.argv[1].encode()
lines = [l for l in pem.strip().splitlines()]
label = lines[0][len("-----BEGIN "):-len("-----")]
body = "".join(l for l in lines if not l.startswith("-----"))
raw = base64.b64decode(body, validate=True)
env = json.loads(raw)
assert list(env.keys()) == ["kdf", "cipher", "ciphertext"], list(env.keys())
assert list(env["kdf"].keys()) == ["name", "params", "salt"]
assert list(env["kdf"]["params"].keys()) == ["N", "r", "p"]
assert list(env["cipher"].keys()) == ["name", "nonce"]
assert raw == json.dumps(env, separators=(",", ":")).encode(), "not compact Go-style JSON"
kdf = env["kdf"]; p = kdf["params"]
assert kdf["name"] == "scrypt" and env["cipher"]["name"] == "nacl/secretbox"
salt = base64.b64decode(kdf["salt"], validate=True)
nonce = base64.b64decode(env["cipher"]["nonce"], validate=True)
assert len(salt) == 32 and len(nonce) == 24
key = hashlib.scrypt(pw, salt=salt, n=p["N"], r=p["r"], p=p["p"], maxmem=512*1024*1024, dklen=32)
out = nacl.secret.SecretBox(key).decrypt(base64.b64decode(env["ciphertext"], validate=True), nonce)
sys.stderr.write(json.dumps({"label": label, "N": p["N"], "r": p["r"], "p": p["p"]}))
sys.stdout.buffer.write(out)
`;

const ENCRYPT = `
import sys, os, json, base64, hashlib, nacl.secret, nacl.utils
der = sys.stdin.buffer.read()
pw = sys.argv[1].encode()
opts = json.loads(sys.argv[2])
N = opts.get("N", 65536); r = opts.get("r", 8); p = opts.get("p", 1)
label = opts.get("label", "ENCRYPTED SIGSTORE PRIVATE KEY")
salt = os.urandom(32)
# derive with the real parameters only when they are sane; hostile ones are for rejection tests
kN, kr, kp = (N, r, p) if (N <= 131072 and r == 8 and p == 1) else (32768, 8, 1)
key = hashlib.scrypt(pw, salt=salt, n=kN, r=kr, p=kp, maxmem=512*1024*1024, dklen=32)
nonce = nacl.utils.random(24)
ct = nacl.secret.SecretBox(key).encrypt(der, nonce).ciphertext
env = {"kdf": {"name": opts.get("kdf", "scrypt"), "params": {"N": N, "r": r, "p": p},
               "salt": base64.b64encode(salt).decode()},
       "cipher": {"name": opts.get("cipher", "nacl/secretbox"), "nonce": base64.b64encode(nonce).decode()},
       "ciphertext": base64.b64encode(ct).decode()}
body = base64.b64encode(json.dumps(env, separators=(",", ":")).encode()).decode()
lines = [body[i:i+64] for i in range(0, len(body), 64)]
sys.stdout.write("-----BEGIN %s-----\\n%s\\n-----END %s-----\\n" % (label, "\\n".join(lines), label))
`;

/** What {@link pythonDecryptCosignKey} saw in the envelope. */
export interface PythonEnvelopeInfo {
  /** PEM label. */
  label: string;
  /** scrypt N. */
  N: number;
  /** scrypt r. */
  r: number;
  /** scrypt p. */
  p: number;
}

/**
 * Decrypts a cosign encrypted key with Python + libsodium, checking the JSON is Go-style
 * (field order, compact). Returns the PKCS#8 DER and the envelope parameters.
 */
export function pythonDecryptCosignKey(
  pem: string,
  password: string,
): { pkcs8: Uint8Array; info: PythonEnvelopeInfo } {
  const r = spawnSync(PYTHON, ["-c", DECRYPT, password], { input: pem });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`python decrypt failed: ${r.stderr?.toString()}`);
  return { pkcs8: new Uint8Array(r.stdout), info: JSON.parse(r.stderr.toString()) };
}

/** Options for {@link pythonEncryptCosignKey}; hostile values make keys for rejection tests. */
export interface PythonEncryptOptions {
  /** scrypt N written in the envelope (default 65536). */
  N?: number;
  /** scrypt r (default 8). */
  r?: number;
  /** scrypt p (default 1). */
  p?: number;
  /** PEM label (default ENCRYPTED SIGSTORE PRIVATE KEY). */
  label?: string;
  /** KDF name (default scrypt). */
  kdf?: string;
  /** Cipher name (default nacl/secretbox). */
  cipher?: string;
}

/** Encrypts PKCS#8 DER into cosign's format with Python + libsodium. */
export function pythonEncryptCosignKey(
  pkcs8: Uint8Array,
  password: string,
  opts: PythonEncryptOptions = {},
): string {
  return new TextDecoder().decode(
    run(PYTHON, ["-c", ENCRYPT, password, JSON.stringify(opts)], pkcs8),
  );
}
