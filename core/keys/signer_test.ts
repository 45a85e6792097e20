import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sha256 } from "@noble/hashes/sha2.js";
import { openssl, opensslStatus } from "../../tests/helpers/python.ts";
import { signerFromPkcs8, signerFromPrivateKeyPem } from "./signer.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

const KINDS: [string, string[]][] = [
  ["P-256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]],
  ["P-384", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]],
  ["P-521", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"]],
  ["RSA-2048", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]],
  ["Ed25519", ["-algorithm", "ED25519"]],
];

/** openssl's verdict on our signature (dgst for hashed schemes, pkeyutl -rawin for Ed25519). */
function opensslVerifies(
  dir: string,
  pubPem: string,
  data: Uint8Array,
  sig: Uint8Array,
  mode: "sha256" | "ed25519" | "pss",
): boolean {
  writeFileSync(join(dir, "pub.pem"), pubPem);
  writeFileSync(join(dir, "data"), data);
  writeFileSync(join(dir, "sig"), sig);
  const [pub, d, s] = ["pub.pem", "data", "sig"].map((f) => join(dir, f));
  if (mode === "ed25519") {
    return opensslStatus([
      "pkeyutl",
      "-verify",
      "-pubin",
      "-inkey",
      pub,
      "-rawin",
      "-in",
      d,
      "-sigfile",
      s,
    ]) === 0;
  }
  const pss = mode === "pss"
    ? ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:-2"]
    : [];
  return opensslStatus(["dgst", "-sha256", ...pss, "-verify", pub, "-signature", s, d]) === 0;
}

describe("signer", () => {
  const dir = mkdtempSync(join(tmpdir(), "signer-"));
  const data = new TextEncoder().encode("cosign-ts signer test payload\n");

  for (const [kind, args] of KINDS) {
    it(`${kind}: openssl verifies our signatures; tampered data fails`, async () => {
      const pem = text(openssl(["genpkey", ...args]));
      const signer = signerFromPrivateKeyPem(pem, { name: kind });
      const pub = await signer.publicKey();
      assert.equal(pub.pem, text(openssl(["pkey", "-pubout"], pem)));
      const mode = kind === "Ed25519" ? "ed25519" : "sha256";
      const sig = await signer.sign(data);
      assert.ok(opensslVerifies(dir, pub.pem, data, sig, mode));
      const other = data.slice();
      other[0] ^= 1;
      assert.equal(opensslVerifies(dir, pub.pem, other, sig, mode), false);
      if (signer.signDigest) {
        assert.equal(signer.hash, "sha256");
        const sig2 = await signer.signDigest(sha256(data));
        assert.ok(opensslVerifies(dir, pub.pem, data, sig2, mode));
      } else {
        assert.equal(kind, "Ed25519");
        assert.equal(signer.hash, undefined);
      }
    });
  }

  it("ECDSA and Ed25519 signatures are deterministic; ECDSA is DER", async () => {
    for (const [kind, args] of [KINDS[0], KINDS[4]]) {
      const pem = text(openssl(["genpkey", ...args]));
      const s = signerFromPrivateKeyPem(pem);
      const a = await s.sign(data), b = await s.sign(data);
      assert.deepEqual(a, b, kind);
      if (kind === "P-256") assert.equal(a[0], 0x30);
      if (kind === "Ed25519") assert.equal(a.length, 64);
    }
  });

  it("RSA-PSS (rsaPss) signatures verify with openssl's PSS and not as PKCS#1", async () => {
    const pem = text(openssl(["genpkey", ...KINDS[3][1]]));
    const der = openssl(["pkcs8", "-topk8", "-nocrypt", "-outform", "DER"], pem);
    const signer = signerFromPkcs8(der, { rsaPss: true });
    assert.equal(signer.algorithm, "rsa-pss-sha256");
    const sig = await signer.sign(data);
    const pub = (await signer.publicKey()).pem;
    assert.ok(opensslVerifies(dir, pub, data, sig, "pss"));
    assert.equal(opensslVerifies(dir, pub, data, sig, "sha256"), false);
  });

  it("cleans up", () => rmSync(dir, { recursive: true, force: true }));
});
