import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sha256, sha384 } from "@noble/hashes/sha2.js";
import { spawnSync } from "node:child_process";
import { Buffer } from "node:buffer";
import { openssl, PYTHON } from "../../tests/helpers/python.ts";
import { modPow, rsaSignDigest, rsaVerifyDigest } from "./rsa.ts";
import { parsePrivateKeyPem, publicKeyOf } from "./private_key.ts";
import type { RsaPublicKey } from "./public_key.ts";

describe("rsa", () => {
  const dir = mkdtempSync(join(tmpdir(), "rsa-"));
  const keyPath = join(dir, "k.pem");
  const pem = new TextDecoder().decode(
    openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"]),
  );
  writeFileSync(keyPath, pem);
  const key = parsePrivateKeyPem(pem);
  if (key.type !== "rsa") throw new Error("expected RSA");
  const pub = publicKeyOf(key) as RsaPublicKey;
  const digest = sha256(new TextEncoder().encode("digest me"));
  const digestPath = join(dir, "digest");
  writeFileSync(digestPath, digest);

  it("modPow agrees with Python's pow() on random 1024-bit values", () => {
    const rnd = () =>
      BigInt("0x" + Buffer.from(crypto.getRandomValues(new Uint8Array(128))).toString("hex"));
    const triples = [[4n, 13n, 497n], [2n, 0n, 7n], [rnd(), rnd(), rnd() | 1n]];
    const script = "import sys\nfor l in sys.stdin: b,e,m=map(int,l.split()); print(pow(b,e,m))";
    const out = spawnSync(PYTHON, ["-c", script], {
      input: triples.map((t) => t.join(" ")).join("\n") + "\n",
    }).stdout.toString().trim().split("\n");
    triples.forEach(([b, e, m], i) => assert.equal(modPow(b, e, m), BigInt(out[i])));
  });

  it("PKCS#1 v1.5 over a digest is byte-identical to openssl pkeyutl (deterministic)", () => {
    const ours = rsaSignDigest(key, digest, "sha256", "pkcs1");
    const theirs = openssl([
      "pkeyutl",
      "-sign",
      "-inkey",
      keyPath,
      "-pkeyopt",
      "digest:sha256",
      "-in",
      digestPath,
    ]);
    assert.deepEqual(ours, theirs);
    assert.ok(rsaVerifyDigest(pub, digest, theirs, "sha256", "pkcs1"));
  });

  it("PSS over a digest: openssl verifies ours, we verify openssl's", () => {
    const ours = rsaSignDigest(key, digest, "sha256", "pss");
    const sigPath = join(dir, "sig");
    writeFileSync(sigPath, ours);
    const verdict = new TextDecoder().decode(openssl([
      "pkeyutl",
      "-verify",
      "-inkey",
      keyPath,
      "-pkeyopt",
      "digest:sha256",
      "-pkeyopt",
      "rsa_padding_mode:pss",
      "-pkeyopt",
      "rsa_pss_saltlen:32",
      "-in",
      digestPath,
      "-sigfile",
      sigPath,
    ]));
    assert.match(verdict, /Verified Successfully/);
    const theirs = openssl([
      "pkeyutl",
      "-sign",
      "-inkey",
      keyPath,
      "-pkeyopt",
      "digest:sha256",
      "-pkeyopt",
      "rsa_padding_mode:pss",
      "-pkeyopt",
      "rsa_pss_saltlen:max",
      "-in",
      digestPath,
    ]);
    assert.ok(rsaVerifyDigest(pub, digest, theirs, "sha256", "pss"));
  });

  it("returns false for wrong digests, lengths, hashes and values >= n", () => {
    const sig = rsaSignDigest(key, digest, "sha256", "pkcs1");
    const other = sha256(new TextEncoder().encode("other"));
    assert.equal(rsaVerifyDigest(pub, other, sig, "sha256", "pkcs1"), false);
    assert.equal(rsaVerifyDigest(pub, digest, sig.subarray(1), "sha256", "pkcs1"), false);
    assert.equal(rsaVerifyDigest(pub, digest, sig, "sha256", "pss"), false);
    assert.equal(rsaVerifyDigest(pub, sha384(digest), sig, "sha256", "pkcs1"), false);
    assert.equal(
      rsaVerifyDigest(pub, digest, new Uint8Array(sig.length).fill(0xff), "sha256", "pkcs1"),
      false,
    );
  });

  it("cleans up", () => rmSync(dir, { recursive: true, force: true }));
});
