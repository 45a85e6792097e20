/**
 * openssl as an independent peer for blob signatures: key generation (PKCS#8 PEM), signing and
 * verifying files the way `openssl dgst -sha256` / `openssl pkeyutl -rawin` do.
 * @module
 */
import { join } from "node:path";
import { runProcess, type RunResult } from "./cli.ts";

/** Key kinds the tests use. */
export type KeyKind = "p256" | "p384" | "p521" | "rsa" | "ed25519";

/** Runs openssl and throws with its stderr when it fails. */
export async function openssl(args: string[], stdin?: Uint8Array | string): Promise<RunResult> {
  const r = await runProcess("openssl", args, { stdin });
  if (r.code !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${r.err}`);
  return r;
}

/** Generates a key pair in `dir`: `<name>.pem` (PKCS#8, unencrypted) and `<name>.pub` (SPKI PEM). */
export async function genKey(
  dir: string,
  name: string,
  kind: KeyKind,
): Promise<{ key: string; pub: string }> {
  const key = join(dir, `${name}.pem`);
  const pub = join(dir, `${name}.pub`);
  switch (kind) {
    case "p256":
    case "p384":
    case "p521": {
      const curve = { p256: "prime256v1", p384: "secp384r1", p521: "secp521r1" }[kind];
      const ec = join(dir, `${name}.ec.pem`);
      await openssl(["ecparam", "-name", curve, "-genkey", "-noout", "-out", ec]);
      await openssl(["pkcs8", "-topk8", "-nocrypt", "-in", ec, "-out", key]);
      break;
    }
    case "rsa":
      await openssl([
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        key,
      ]);
      break;
    case "ed25519":
      await openssl(["genpkey", "-algorithm", "ED25519", "-out", key]);
      break;
  }
  await openssl(["pkey", "-in", key, "-pubout", "-out", pub]);
  return { key, pub };
}

function padding(pss: boolean): string[] {
  return pss
    ? [
      "-sigopt",
      "rsa_padding_mode:pss",
      "-sigopt",
      "rsa_pss_saltlen:32",
      "-sigopt",
      "rsa_mgf1_md:sha256",
    ]
    : [];
}

/** Signs `file` with openssl; returns the raw signature (DER for ECDSA). */
export async function opensslSign(
  kind: KeyKind,
  key: string,
  file: string,
  out: string,
  opts: { pss?: boolean } = {},
): Promise<void> {
  if (kind === "ed25519") {
    await openssl(["pkeyutl", "-sign", "-rawin", "-inkey", key, "-in", file, "-out", out]);
  } else {
    await openssl(["dgst", "-sha256", ...padding(!!opts.pss), "-sign", key, "-out", out, file]);
  }
}

/** Verifies a raw signature over `file` with openssl; true when openssl says it verifies. */
export async function opensslVerify(
  kind: KeyKind,
  pub: string,
  file: string,
  sig: string,
  opts: { pss?: boolean } = {},
): Promise<boolean> {
  const args = kind === "ed25519"
    ? ["pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin", "-in", file, "-sigfile", sig]
    : ["dgst", "-sha256", ...padding(!!opts.pss), "-verify", pub, "-signature", sig, file];
  const r = await runProcess("openssl", args);
  return r.code === 0 && /Verified OK|Signature Verified Successfully/.test(r.out);
}
