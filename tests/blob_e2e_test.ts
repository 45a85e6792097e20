/**
 * End-to-end tests of sign-blob / verify-blob on the compiled binary, cross-checked with openssl
 * (both directions, every key type), @sigstore/verify (our Sigstore bundles), and bad input.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import { cosign, runProcess, tempDir } from "./helpers/cli.ts";
import { genKey, type KeyKind, opensslSign, opensslVerify } from "./helpers/openssl.ts";

const NO_TLOG = "--tlog-upload=false";
const IGNORE_TLOG = "--insecure-ignore-tlog";

let dir: string;
let cleanup: () => Promise<void>;
let blob: string;
const keys: Record<string, { key: string; pub: string }> = {};
const KINDS: KeyKind[] = ["p256", "p384", "rsa", "ed25519"];

before(async () => {
  ({ dir, cleanup } = await tempDir("cosign-ts-blob-"));
  blob = join(dir, "blob.bin");
  const bytes = new Uint8Array(200_000);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + (i >> 8)) & 0xff;
  await writeFile(blob, bytes);
  await Promise.all(KINDS.map(async (k) => keys[k] = await genKey(dir, k, k)));
  keys.other = await genKey(dir, "other", "p256");
});

after(async () => {
  await cleanup();
});

async function signOurs(kind: KeyKind, extra: string[] = []): Promise<Uint8Array> {
  const r = await cosign(["sign-blob", "--key", keys[kind].key, NO_TLOG, ...extra, blob]);
  assert.equal(r.code, 0, r.err);
  return Buffer.from(r.out.trim(), "base64");
}

describe("sign-blob / verify-blob interop with openssl", () => {
  for (const kind of KINDS) {
    for (const pss of kind === "rsa" ? [false, true] : [false]) {
      const label = `${kind}${pss ? " (PSS)" : ""}`;
      const extra = pss ? ["--rsa-pss"] : [];

      it(`${label}: our signature verifies with openssl`, async () => {
        const sig = await signOurs(kind, extra);
        const sigFile = join(dir, `ours-${label}.sig`);
        await writeFile(sigFile, sig);
        assert.ok(await opensslVerify(kind, keys[kind].pub, blob, sigFile, { pss }));
      });

      it(`${label}: openssl's signature verifies with us (raw file and base64 text)`, async () => {
        const sigFile = join(dir, `openssl-${label}.sig`);
        await opensslSign(kind, keys[kind].key, blob, sigFile, { pss });
        let r = await cosign([
          "verify-blob",
          "--key",
          keys[kind].pub,
          "--signature",
          sigFile,
          IGNORE_TLOG,
          ...extra,
          blob,
        ]);
        assert.equal(r.code, 0, r.err);
        assert.match(r.err, /Verified OK/);
        const b64 = Buffer.from(await readFile(sigFile)).toString("base64");
        r = await cosign([
          "verify-blob",
          "--key",
          keys[kind].pub,
          "--signature",
          b64,
          IGNORE_TLOG,
          ...extra,
          blob,
        ]);
        assert.equal(r.code, 0, r.err);
        // Tampered content fails with cosign's exit code 12.
        const tampered = join(dir, `tampered-${label}.bin`);
        const t = new Uint8Array(await readFile(blob));
        t[1000] ^= 1;
        await writeFile(tampered, t);
        r = await cosign([
          "verify-blob",
          "--key",
          keys[kind].pub,
          "--signature",
          sigFile,
          IGNORE_TLOG,
          ...extra,
          tampered,
        ]);
        assert.equal(r.code, 12, r.err);
        assert.match(r.err, /signature does not match/);
      });
    }
  }

  it("RSA: a PSS signature does not pass as PKCS#1 v1.5 (and the hint says so)", async () => {
    const sigFile = join(dir, "pss-as-pkcs1.sig");
    await opensslSign("rsa", keys.rsa.key, blob, sigFile, { pss: true });
    const r = await cosign([
      "verify-blob",
      "--key",
      keys.rsa.pub,
      "--signature",
      sigFile,
      IGNORE_TLOG,
      blob,
    ]);
    assert.equal(r.code, 12);
    assert.match(r.err, /--rsa-pss/);
  });

  it("a cosign encrypted key from generate-key-pair signs; openssl verifies with cosign.pub", async () => {
    const env = { COSIGN_PASSWORD: "pw-blob" };
    const prefix = join(dir, "enc");
    let r = await cosign(["generate-key-pair", "--output-key-prefix", prefix], { env });
    assert.equal(r.code, 0, r.err);
    r = await cosign(["sign-blob", "--key", `${prefix}.key`, NO_TLOG, blob], { env });
    assert.equal(r.code, 0, r.err);
    const sigFile = join(dir, "enc.sig");
    await writeFile(sigFile, Buffer.from(r.out.trim(), "base64"));
    assert.ok(await opensslVerify("p256", `${prefix}.pub`, blob, sigFile));
  });
});

describe("stdin, digests and output files", () => {
  it("signs and verifies standard input; ECDSA (RFC 6979) gives the file's signature", async () => {
    const content = await readFile(blob);
    const fromFile = await cosign(["sign-blob", "--key", keys.p256.key, NO_TLOG, blob]);
    const fromStdin = await cosign(["sign-blob", "--key", keys.p256.key, NO_TLOG, "-"], {
      stdin: content,
    });
    assert.equal(fromStdin.code, 0, fromStdin.err);
    assert.equal(fromStdin.out, fromFile.out);
    assert.doesNotMatch(fromStdin.err, /Using payload from/);
    const r = await cosign([
      "verify-blob",
      "--key",
      keys.p256.pub,
      "--signature",
      fromStdin.out.trim(),
      IGNORE_TLOG,
      "-",
    ], { stdin: content });
    assert.equal(r.code, 0, r.err);
  });

  it("Ed25519 signs standard input too (whole message)", async () => {
    const r = await cosign(["sign-blob", "--key", keys.ed25519.key, NO_TLOG, "-"], {
      stdin: await readFile(blob),
    });
    assert.equal(r.code, 0, r.err);
    const sigFile = join(dir, "ed-stdin.sig");
    await writeFile(sigFile, Buffer.from(r.out.trim(), "base64"));
    assert.ok(await opensslVerify("ed25519", keys.ed25519.pub, blob, sigFile));
  });

  it("verifies against sha256:<hex> (digest from sha256sum) instead of the file", async () => {
    const sum = (await runProcess("sha256sum", [blob])).out.split(" ")[0];
    const sig = (await cosign(["sign-blob", "--key", keys.p256.key, NO_TLOG, blob])).out.trim();
    let r = await cosign([
      "verify-blob",
      "--key",
      keys.p256.pub,
      "--signature",
      sig,
      IGNORE_TLOG,
      `sha256:${sum}`,
    ]);
    assert.equal(r.code, 0, r.err);
    const wrong = sum.slice(0, -1) + (sum.endsWith("0") ? "1" : "0");
    r = await cosign([
      "verify-blob",
      "--key",
      keys.p256.pub,
      "--signature",
      sig,
      IGNORE_TLOG,
      `sha256:${wrong}`,
    ]);
    assert.equal(r.code, 12, r.err);
    // Ed25519 needs the content itself: a clear error.
    const edSig = (await cosign(["sign-blob", "--key", keys.ed25519.key, NO_TLOG, blob])).out
      .trim();
    r = await cosign([
      "verify-blob",
      "--key",
      keys.ed25519.pub,
      "--signature",
      edSig,
      IGNORE_TLOG,
      `sha256:${sum}`,
    ]);
    assert.equal(r.code, 1);
    assert.match(r.err, /needs the whole content/);
  });

  it("writes --output-signature (base64, 0600) and --b64=false raw bytes", async () => {
    const out = join(dir, "out.sig");
    let r = await cosign([
      "sign-blob",
      "--key",
      keys.p256.key,
      NO_TLOG,
      "--output-signature",
      out,
      blob,
    ]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, "");
    assert.match(r.err, /Wrote signature to file/);
    const { statSync } = await import("node:fs");
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const raw = join(dir, "out.der");
    r = await cosign([
      "sign-blob",
      "--key",
      keys.p256.key,
      NO_TLOG,
      "--b64=false",
      "--output-signature",
      raw,
      blob,
    ]);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(
      Buffer.from(await readFile(raw)).toString("base64"),
      (await readFile(out, "utf8")).trim(),
    );
    assert.ok(await opensslVerify("p256", keys.p256.pub, blob, raw));
  });
});

describe("bundles", () => {
  it("legacy bundle: cosign's shape, verifies; tampering is caught", async () => {
    const path = join(dir, "legacy.bundle");
    const r = await cosign(["sign-blob", "--key", keys.p256.key, NO_TLOG, "--bundle", path, blob]);
    assert.equal(r.code, 0, r.err);
    const text = await readFile(path, "utf8");
    const json = JSON.parse(text);
    assert.deepEqual(Object.keys(json), ["base64Signature"]);
    assert.equal(json.base64Signature, r.out.trim());
    let v = await cosign([
      "verify-blob",
      "--key",
      keys.p256.pub,
      "--bundle",
      path,
      IGNORE_TLOG,
      blob,
    ]);
    assert.equal(v.code, 0, v.err);
    // Signature from another key, same shape.
    const other = await cosign(["sign-blob", "--key", keys.other.key, NO_TLOG, blob]);
    await writeFile(path, JSON.stringify({ base64Signature: other.out.trim() }));
    v = await cosign(["verify-blob", "--key", keys.p256.pub, "--bundle", path, IGNORE_TLOG, blob]);
    assert.equal(v.code, 12);
    // Not base64, truncated JSON, wrong types.
    for (
      const bad of ['{"base64Signature":"not base64!"}', text.slice(0, 20), '{"base64Signature":7}']
    ) {
      await writeFile(path, bad);
      v = await cosign([
        "verify-blob",
        "--key",
        keys.p256.pub,
        "--bundle",
        path,
        IGNORE_TLOG,
        blob,
      ]);
      assert.equal(v.code, 1, bad);
      assert.match(v.err, /Cannot read bundle/);
    }
  });

  // @sigstore/verify checks message signatures with node:crypto verify(hash, ...), which cannot
  // take Ed25519 keys: Ed25519 bundles are cross-checked through openssl above instead.
  for (const kind of ["p256", "rsa", "ed25519"] as const) {
    const peer = kind !== "ed25519";
    it(`Sigstore bundle v0.3 (${kind}): verifies with us${peer ? " and with @sigstore/verify" : ""}`, async () => {
      const path = join(dir, `${kind}.sigstore.json`);
      const r = await cosign([
        "sign-blob",
        "--key",
        keys[kind].key,
        NO_TLOG,
        "--new-bundle-format",
        "--bundle",
        path,
        blob,
      ]);
      assert.equal(r.code, 0, r.err);
      const json = JSON.parse(await readFile(path, "utf8"));
      assert.equal(json.mediaType, "application/vnd.dev.sigstore.bundle.v0.3+json");
      // The hint is base64(SHA-256(SPKI DER)); openssl computes the DER independently.
      const der =
        (await runProcess("openssl", ["pkey", "-pubin", "-in", keys[kind].pub, "-outform", "DER"]))
          .stdout;
      const { createHash } = await import("node:crypto");
      const hint = createHash("sha256").update(der).digest("base64");
      assert.equal(json.verificationMaterial.publicKey.hint, hint);
      let v = await cosign([
        "verify-blob",
        "--key",
        keys[kind].pub,
        "--bundle",
        path,
        IGNORE_TLOG,
        blob,
      ]);
      assert.equal(v.code, 0, v.err);

      if (peer) await crossCheckWithSigstoreJs(json, hint, der);

      // Tampered signature byte → 12; unknown version / DSSE content → clear error 1.
      const sig = Buffer.from(json.messageSignature.signature, "base64");
      sig[sig.length - 5] ^= 0x01;
      await writeFile(
        path,
        JSON.stringify({
          ...json,
          messageSignature: { ...json.messageSignature, signature: sig.toString("base64") },
        }),
      );
      v = await cosign([
        "verify-blob",
        "--key",
        keys[kind].pub,
        "--bundle",
        path,
        IGNORE_TLOG,
        blob,
      ]);
      assert.equal(v.code, 12, v.err);
      await writeFile(
        path,
        JSON.stringify({ ...json, mediaType: "application/vnd.dev.sigstore.bundle.v0.9+json" }),
      );
      v = await cosign([
        "verify-blob",
        "--key",
        keys[kind].pub,
        "--bundle",
        path,
        IGNORE_TLOG,
        blob,
      ]);
      assert.equal(v.code, 1);
      assert.match(v.err, /version 0.9 is not supported/);
    });
  }

  it("bundle digest that does not match the blob is caught before the signature", async () => {
    const path = join(dir, "digest.sigstore.json");
    await cosign([
      "sign-blob",
      "--key",
      keys.p256.key,
      NO_TLOG,
      "--new-bundle-format",
      "--bundle",
      path,
      blob,
    ]);
    const json = JSON.parse(await readFile(path, "utf8"));
    const d = Buffer.from(json.messageSignature.messageDigest.digest, "base64");
    d[0] ^= 0xff;
    json.messageSignature.messageDigest.digest = d.toString("base64");
    await writeFile(path, JSON.stringify(json));
    const v = await cosign([
      "verify-blob",
      "--key",
      keys.p256.pub,
      "--bundle",
      path,
      IGNORE_TLOG,
      blob,
    ]);
    assert.equal(v.code, 12);
    assert.match(v.err, /digest .* is not the one in the bundle/);
  });

  it("a DSSE (attestation) bundle is refused with a pointer to verify-blob-attestation", async () => {
    const path = join(dir, "dsse.json");
    await writeFile(
      path,
      JSON.stringify({
        mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
        verificationMaterial: { publicKey: { hint: "x" } },
        dsseEnvelope: {
          payload: "e30=",
          payloadType: "application/vnd.in-toto+json",
          signatures: [{ sig: "AAAA" }],
        },
      }),
    );
    const v = await cosign([
      "verify-blob",
      "--key",
      keys.p256.pub,
      "--bundle",
      path,
      IGNORE_TLOG,
      blob,
    ]);
    assert.equal(v.code, 1);
    assert.match(v.err, /DSSE envelope/);
  });
});

async function crossCheckWithSigstoreJs(
  json: unknown,
  hint: string,
  der: Uint8Array,
): Promise<void> {
  const { bundleFromJSON } = await import("@sigstore/bundle");
  const { toSignedEntity, toTrustMaterial, Verifier } = await import("@sigstore/verify");
  const keyDetails = 0;
  const trust = toTrustMaterial(
    {
      mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
      tlogs: [],
      certificateAuthorities: [],
      ctlogs: [],
      timestampAuthorities: [],
    },
    { [hint]: { rawBytes: Buffer.from(der), keyDetails, validFor: undefined } },
  );
  const verifier = new Verifier(trust, {
    tlogThreshold: 0,
    ctlogThreshold: 0,
    timestampThreshold: 0,
  });
  const bundle = bundleFromJSON(json);
  verifier.verify(toSignedEntity(bundle, await readFile(blob)));
  assert.throws(() => verifier.verify(toSignedEntity(bundle, Buffer.from("other content"))));
}

describe("keys that come with a certificate (a plugin key provider)", () => {
  // A third-party key provider, loaded with --plugin, that wraps the file provider and hands out
  // a certificate made by openssl: what KMS and hardware keys with certificates look like.
  it("--output-certificate, the legacy bundle's cert and the v0.3 bundle's certificate", async () => {
    const cert = join(dir, "cert.pem");
    const r0 = await runProcess("openssl", [
      "req",
      "-new",
      "-x509",
      "-key",
      keys.p256.key,
      "-subj",
      "/CN=blob-test",
      "-days",
      "2",
      "-out",
      cert,
    ]);
    assert.equal(r0.code, 0, r0.err);
    const certPem = await readFile(cert, "utf8");
    const plugin = join(dir, "certkey_plugin.js");
    await writeFile(
      plugin,
      `import { readFileSync } from "node:fs";
export default {
  name: "certkey-test",
  apiVersion: 1,
  keys: [{
    scheme: "certkey",
    description: "file key + certificate (test)",
    async signer(ref, ctx, options) {
      const inner = await ctx.plugins.signer(ref.slice("certkey:".length), ctx, options);
      return {
        algorithm: inner.algorithm, hash: inner.hash,
        publicKey: () => inner.publicKey(),
        sign: (m) => inner.sign(m),
        signDigest: inner.signDigest ? (d) => inner.signDigest(d) : undefined,
        certificateChain: async () => [readFileSync(${JSON.stringify(cert)}, "utf8")],
      };
    },
  }],
};
`,
    );
    const legacy = join(dir, "cert-legacy.bundle");
    const fresh = join(dir, "cert.sigstore.json");
    const certOut = join(dir, "cert.out");
    const key = `certkey:${keys.p256.key}`;
    let r = await cosign([
      "--plugin",
      plugin,
      "sign-blob",
      "--key",
      key,
      NO_TLOG,
      "--bundle",
      legacy,
      "--output-certificate",
      certOut,
      blob,
    ]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /Wrote certificate to file/);
    assert.equal(Buffer.from(await readFile(certOut, "utf8"), "base64").toString(), certPem);
    const lj = JSON.parse(await readFile(legacy, "utf8"));
    assert.deepEqual(Object.keys(lj), ["base64Signature", "cert"]);
    assert.equal(Buffer.from(lj.cert, "base64").toString(), certPem);
    r = await cosign([
      "--plugin",
      plugin,
      "sign-blob",
      "--key",
      key,
      NO_TLOG,
      "--new-bundle-format",
      "--bundle",
      fresh,
      blob,
    ]);
    assert.equal(r.code, 0, r.err);
    const nj = JSON.parse(await readFile(fresh, "utf8"));
    const der = (await runProcess("openssl", ["x509", "-in", cert, "-outform", "DER"])).stdout;
    assert.equal(nj.verificationMaterial.certificate.rawBytes, Buffer.from(der).toString("base64"));
    assert.equal(nj.verificationMaterial.publicKey, undefined);
    for (const b of [legacy, fresh]) {
      const v = await cosign([
        "verify-blob",
        "--key",
        keys.p256.pub,
        "--bundle",
        b,
        IGNORE_TLOG,
        blob,
      ]);
      assert.equal(v.code, 0, v.err);
    }
  });
});

describe("bad input and transparency log", () => {
  it("sign-blob that would upload, unconfirmed, fails clearly and writes nothing", async () => {
    const out = join(dir, "nothing");
    const r = await cosign([
      "sign-blob",
      "--key",
      keys.p256.key,
      "--bundle",
      `${out}.bundle`,
      "--output-signature",
      `${out}.sig`,
      blob,
    ]);
    // Without a confirmed upload (no terminal to ask, no --yes) nothing is signed or written.
    assert.notEqual(r.code, 0);
    assert.match(r.err, /--tlog-upload=false/);
    assert.equal(r.out, "");
    assert.ok(!existsSync(`${out}.bundle`) && !existsSync(`${out}.sig`));
  });

  it("verify-blob without --insecure-ignore-tlog explains why and what to pass", async () => {
    const sig = (await cosign(["sign-blob", "--key", keys.p256.key, NO_TLOG, blob])).out.trim();
    const r = await cosign(["verify-blob", "--key", keys.p256.pub, "--signature", sig, blob]);
    assert.equal(r.code, 1);
    assert.match(r.err, /--insecure-ignore-tlog/);
  });

  it("wrong key, garbage, truncated, non-base64 and PEM-as-signature give clear errors", async () => {
    const sig = (await cosign(["sign-blob", "--key", keys.p256.key, NO_TLOG, blob])).out.trim();
    const verify = (key: string, s: string) =>
      cosign(["verify-blob", "--key", key, "--signature", s, IGNORE_TLOG, blob]);
    let r = await verify(keys.other.pub, sig);
    assert.equal(r.code, 12);
    r = await verify(keys.rsa.pub, sig);
    assert.equal(r.code, 12);
    r = await verify(keys.p256.pub, "AAAAAAAA");
    assert.equal(r.code, 12);
    const raw = Buffer.from(sig, "base64");
    r = await verify(keys.p256.pub, raw.subarray(0, raw.length >> 1).toString("base64"));
    assert.equal(r.code, 12);
    r = await verify(keys.p256.pub, "this is not a signature!");
    assert.equal(r.code, 1);
    assert.match(r.err, /neither a file nor base64/);
    r = await verify(keys.p256.pub, keys.p256.key);
    assert.equal(r.code, 1);
    assert.match(r.err, /PEM "PRIVATE KEY", not a signature/);
    assert.doesNotMatch(r.err, /\n\s+at /); // no stack trace
    const garbage = join(dir, "garbage.sig");
    await writeFile(garbage, new Uint8Array(300).fill(7));
    r = await verify(keys.p256.pub, garbage);
    assert.equal(r.code, 12);
    const huge = join(dir, "huge.sig");
    await writeFile(huge, new Uint8Array(1 << 20));
    r = await verify(keys.p256.pub, huge);
    assert.equal(r.code, 1);
    assert.match(r.err, /more than/);
  });

  it("missing blob → exit 11; a directory → 1; unwritable bundle path leaves no file", async () => {
    let r = await cosign(["sign-blob", "--key", keys.p256.key, NO_TLOG, join(dir, "nope.bin")]);
    assert.equal(r.code, 11);
    assert.match(r.err, /no such file/);
    r = await cosign(["sign-blob", "--key", keys.p256.key, NO_TLOG, dir]);
    assert.equal(r.code, 1);
    assert.match(r.err, /directory/);
    const before = await readdir(dir);
    r = await cosign([
      "sign-blob",
      "--key",
      keys.p256.key,
      NO_TLOG,
      "--bundle",
      join(dir, "no-such-dir", "b.json"),
      blob,
    ]);
    assert.equal(r.code, 1);
    assert.match(r.err, /Cannot write/);
    assert.deepEqual(await readdir(dir), before);
  });

  it("a public key given to sign-blob is refused", async () => {
    const r = await cosign(["sign-blob", "--key", keys.p256.pub, NO_TLOG, blob]);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /^Error: /m);
    assert.doesNotMatch(r.err, /\n\s+at /);
  });

  it("verify-blob needs --signature or --bundle (usage error)", async () => {
    const r = await cosign(["verify-blob", "--key", keys.p256.pub, IGNORE_TLOG, blob]);
    assert.equal(r.code, 2);
  });
});
