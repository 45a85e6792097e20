/**
 * End-to-end tests of generate-key-pair, import-key-pair and public-key on the compiled binary
 * dist/cosign-ts, checked against independent peers run at test time: Debian's Python with
 * python3-nacl + hashlib.scrypt (decrypts our key files), openssl (reads the PKCS#8 inside,
 * verifies signatures made with the keys), and a real pseudo-terminal (Python's pty) for the
 * password prompts.
 */
import { opensslVerify } from "./helpers/openssl.ts";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, cosign, ROOT, tempDir } from "./helpers/cli.ts";
import {
  openssl,
  PYTHON,
  pythonDecryptCosignKey,
  pythonEncryptCosignKey,
} from "./helpers/python.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** Runs the binary inside a real pseudo-terminal, answering each prompt in turn. */
function inTerminal(
  args: string[],
  cwd: string,
  answers: [string, string][],
): { code: number; output: string } {
  const script = `
import os, pty, sys, json, time
args, answers = json.loads(sys.argv[1]), json.loads(sys.argv[2])
env = {k: v for k, v in os.environ.items() if not k.startswith("COSIGN_")}
pid, fd = pty.fork()
if pid == 0:
    os.execve(args[0], args, env)
out = b""
def read_until(marker):
    global out
    deadline = time.time() + 20
    while marker.encode() not in out:
        if time.time() > deadline:
            os.kill(pid, 9)  # never leave the binary behind
            raise SystemExit("timeout waiting for " + marker + ": " + out.decode())
        try: chunk = os.read(fd, 4096)
        except OSError: return
        if not chunk: return
        out += chunk
for prompt, answer in answers:
    read_until(prompt)
    out = out.replace(prompt.encode(), b"<" + prompt.encode() + b">", 1)
    os.write(fd, answer.encode() + b"\\r")
while True:
    try: chunk = os.read(fd, 4096)
    except OSError: break
    if not chunk: break
    out += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.write(json.dumps({"code": os.waitstatus_to_exitcode(status), "output": out.decode(errors="replace")}))
`;
  const r = spawnSync(
    PYTHON,
    ["-c", script, JSON.stringify([BIN, ...args]), JSON.stringify(answers)],
    { cwd, timeout: 60_000 },
  );
  if (r.status !== 0) throw new Error(`pty driver failed: ${r.stderr} ${r.stdout}`);
  return JSON.parse(r.stdout.toString());
}

describe("keys end to end (dist/cosign-ts)", () => {
  it("generate-key-pair writes cosign's files; Python decrypts, openssl verifies signatures", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const r = await cosign(["generate-key-pair"], {
        cwd: dir,
        env: { COSIGN_PASSWORD: "s3cret" },
      });
      assert.equal(r.code, 0, r.err);
      assert.equal(r.err, "Private key written to cosign.key\nPublic key written to cosign.pub\n");
      assert.equal(statSync(join(dir, "cosign.key")).mode & 0o777, 0o600);
      const keyPem = readFileSync(join(dir, "cosign.key"), "utf8");
      const pubPem = readFileSync(join(dir, "cosign.pub"), "utf8");
      const { pkcs8, info } = pythonDecryptCosignKey(keyPem, "s3cret");
      assert.deepEqual(info, { label: "ENCRYPTED SIGSTORE PRIVATE KEY", N: 65536, r: 8, p: 1 });
      assert.match(text(openssl(["pkey", "-inform", "DER", "-noout", "-text"], pkcs8)), /P-256/);
      assert.equal(text(openssl(["pkey", "-inform", "DER", "-pubout"], pkcs8)), pubPem);
      // The key signs (sign-blob) and openssl verifies with the .pub.
      writeFileSync(join(dir, "blob"), "hello keys\n");
      const s = await cosign(["sign-blob", "--key", "cosign.key", "--tlog-upload=false", "blob"], {
        cwd: dir,
        env: { COSIGN_PASSWORD: "s3cret" },
      });
      assert.equal(s.code, 0, s.err);
      writeFileSync(join(dir, "sig"), Buffer.from(s.out.trim(), "base64"));
      assert.ok(
        await opensslVerify("p256", join(dir, "cosign.pub"), join(dir, "blob"), join(dir, "sig")),
      );
    } finally {
      await cleanup();
    }
  });

  it("generate-key-pair: empty password, --output-key-prefix, overwrite only with -y", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const env = { COSIGN_PASSWORD: "" };
      const r = await cosign(["generate-key-pair", "--output-key-prefix", "sub/../release"], {
        cwd: dir,
        env,
      });
      assert.equal(r.code, 1, "sub/ does not exist: must fail");
      assert.match(r.err, /Cannot write "sub\/..\/release.key"/);
      const ok = await cosign(["generate-key-pair", "--output-key-prefix=release"], {
        cwd: dir,
        env,
      });
      assert.equal(ok.code, 0, ok.err);
      assert.deepEqual(
        pythonDecryptCosignKey(readFileSync(join(dir, "release.key"), "utf8"), "").info.N,
        65536,
      );
      const before = readFileSync(join(dir, "release.key"), "utf8");
      const again = await cosign(["generate-key-pair", "--output-key-prefix", "release"], {
        cwd: dir,
        env,
      });
      assert.equal(again.code, 1);
      assert.match(again.err, /release\.key already exists/);
      assert.match(again.err, /--yes/);
      assert.equal(readFileSync(join(dir, "release.key"), "utf8"), before);
      const forced = await cosign(["generate-key-pair", "-output-key-prefix", "release", "-y"], {
        cwd: dir,
        env,
      });
      assert.equal(forced.code, 0, forced.err);
      assert.notEqual(readFileSync(join(dir, "release.key"), "utf8"), before);
    } finally {
      await cleanup();
    }
  });

  it("generate-key-pair without a terminal and without COSIGN_PASSWORD fails clearly", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const r = await cosign(["generate-key-pair"], { cwd: dir });
      assert.equal(r.code, 1);
      assert.match(
        r.err,
        /^Error: .*COSIGN_PASSWORD is not set and standard input is not a terminal/,
      );
      assert.doesNotMatch(r.err, /at .*\.ts:\d+/); // no stack trace
      assert.equal(existsSync(join(dir, "cosign.key")), false);
      assert.equal(existsSync(join(dir, "cosign.pub")), false);
    } finally {
      await cleanup();
    }
  });

  it("generate-key-pair in a terminal asks twice without echo; a mismatch aborts", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const ok = inTerminal(["generate-key-pair"], dir, [
        ["Enter password for private key: ", "tty-pass"],
        ["Enter password for private key again: ", "tty-pass"],
      ]);
      assert.equal(ok.code, 0, ok.output);
      assert.doesNotMatch(ok.output, /tty-pass/, "the password must not be echoed");
      assert.match(ok.output, /Private key written to cosign\.key/);
      pythonDecryptCosignKey(readFileSync(join(dir, "cosign.key"), "utf8"), "tty-pass");
      const bad = inTerminal(["generate-key-pair", "-y", "--output-key-prefix", "b"], dir, [
        ["Enter password for private key: ", "one"],
        ["Enter password for private key again: ", "two"],
      ]);
      assert.equal(bad.code, 1);
      assert.match(bad.output, /passwords do not match/);
      assert.equal(existsSync(join(dir, "b.key")), false);
      // Overwrite question answered "n" in the terminal: nothing changes.
      const before = readFileSync(join(dir, "cosign.key"), "utf8");
      const no = inTerminal(["generate-key-pair"], dir, [["Overwrite? [y/N]: ", "n"]]);
      assert.equal(no.code, 1);
      assert.equal(readFileSync(join(dir, "cosign.key"), "utf8"), before);
    } finally {
      await cleanup();
    }
  });

  const IMPORTS: [string, string[], string[]][] = [
    ["EC P-256 SEC1", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], ["ec"]],
    ["EC P-384 PKCS#8", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"], []],
    ["RSA PKCS#1", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], [
      "rsa",
      "-traditional",
    ]],
    ["RSA PKCS#8", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], []],
    ["Ed25519 PKCS#8", ["-algorithm", "ED25519"], []],
  ];
  for (const [name, gen, convert] of IMPORTS) {
    it(`import-key-pair ${name}: Python decrypts to openssl's PKCS#8; public-key matches`, async () => {
      const { dir, cleanup } = await tempDir();
      try {
        const generated = openssl(["genpkey", ...gen]);
        const pem = convert.length ? openssl(convert, generated) : generated;
        writeFileSync(join(dir, "in.pem"), pem);
        const env = { COSIGN_PASSWORD: "imp" };
        const r = await cosign(["import-key-pair", "--key", "in.pem"], { cwd: dir, env });
        assert.equal(r.code, 0, r.err);
        assert.equal(
          r.err,
          "Private key written to import-cosign.key\nPublic key written to import-cosign.pub\n",
        );
        assert.equal(statSync(join(dir, "import-cosign.key")).mode & 0o777, 0o600);
        const { pkcs8 } = pythonDecryptCosignKey(
          readFileSync(join(dir, "import-cosign.key"), "utf8"),
          "imp",
        );
        assert.deepEqual(pkcs8, openssl(["pkcs8", "-topk8", "-nocrypt", "-outform", "DER"], pem));
        const opensslPub = text(openssl(["pkey", "-pubout"], pem));
        assert.equal(readFileSync(join(dir, "import-cosign.pub"), "utf8"), opensslPub);
        const pk = await cosign(["public-key", "--key", "import-cosign.key"], { cwd: dir, env });
        assert.equal(pk.code, 0, pk.err);
        assert.equal(pk.out, opensslPub);
      } finally {
        await cleanup();
      }
    });
  }

  it("import-key-pair: -k/-o short flags, overwrite refusal, and bad input", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const env = { COSIGN_PASSWORD: "x" };
      const ec = openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]);
      writeFileSync(join(dir, "ec.pem"), ec);
      const ok = await cosign(["import-key-pair", "-k", "ec.pem", "-o", "mine"], { cwd: dir, env });
      assert.equal(ok.code, 0, ok.err);
      const again = await cosign(["import-key-pair", "-k", "ec.pem", "-o", "mine"], {
        cwd: dir,
        env,
      });
      assert.equal(again.code, 1);
      assert.match(again.err, /mine\.key already exists/);

      writeFileSync(join(dir, "garbage.pem"), "this is not a key\n");
      writeFileSync(join(dir, "pub.pem"), openssl(["pkey", "-pubout"], ec));
      writeFileSync(
        join(dir, "k1.pem"),
        openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1"]),
      );
      writeFileSync(
        join(dir, "rsa1024.pem"),
        openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"]),
      );
      const truncated = text(ec).split("\n");
      writeFileSync(
        join(dir, "trunc.pem"),
        [...truncated.slice(0, 2), ...truncated.slice(-2)].join("\n"),
      );
      const cases: [string[], number, RegExp][] = [
        [["import-key-pair"], 2, /needs --key/],
        [["import-key-pair", "--key", "absent.pem"], 1, /Cannot read key "absent\.pem"/],
        [
          ["import-key-pair", "--key", "garbage.pem"],
          1,
          /"garbage\.pem": it contains no PEM block/,
        ],
        [["import-key-pair", "--key", "pub.pem"], 1, /found PEM "PUBLIC KEY"/],
        [["import-key-pair", "--key", "mine.key"], 1, /already a cosign key/],
        [["import-key-pair", "--key", "k1.pem"], 1, /curve 1\.3\.132\.0\.10 is not supported/],
        [["import-key-pair", "--key", "trunc.pem"], 1, /Cannot read private key "trunc\.pem"/],
        [["import-key-pair", "--key", "rsa1024.pem"], 1, /1024-bit RSA key is too small/],
      ];
      for (const [args, code, pattern] of cases) {
        const r = await cosign([...args, "-y", "-o", "out"], { cwd: dir, env });
        assert.equal(r.code, code, `${args.join(" ")}: ${r.err}`);
        assert.match(r.err, pattern);
        assert.match(r.err, /^Error: /);
        assert.equal(existsSync(join(dir, "out.key")), false);
      }
    } finally {
      await cleanup();
    }
  });

  it("public-key: from .key (password), .pub, certificate, old-label key; --outfile; errors", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const gen = await cosign(["generate-key-pair"], { cwd: dir, env: { COSIGN_PASSWORD: "pw" } });
      assert.equal(gen.code, 0, gen.err);
      const pub = readFileSync(join(dir, "cosign.pub"), "utf8");
      const fromKey = await cosign(["public-key", "--key", "cosign.key"], {
        cwd: dir,
        env: { COSIGN_PASSWORD: "pw" },
      });
      assert.equal(fromKey.code, 0, fromKey.err);
      assert.equal(fromKey.out, pub);
      const fromPub = await cosign(["public-key", "--key=cosign.pub"], { cwd: dir });
      assert.equal(fromPub.out, pub);
      const out = await cosign(["public-key", "--key", "cosign.key", "--outfile", "o.pub"], {
        cwd: dir,
        env: { COSIGN_PASSWORD: "pw" },
      });
      assert.equal(out.code, 0, out.err);
      assert.equal(out.out, "");
      assert.equal(readFileSync(join(dir, "o.pub"), "utf8"), pub);

      // A key encrypted by Python with the old label and N=2^17.
      const rsa = openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]);
      const der = openssl(["pkcs8", "-topk8", "-nocrypt", "-outform", "DER"], rsa);
      writeFileSync(
        join(dir, "old.key"),
        pythonEncryptCosignKey(der, "old", { N: 131072, label: "ENCRYPTED COSIGN PRIVATE KEY" }),
      );
      const old = await cosign(["public-key", "--key", "old.key"], {
        cwd: dir,
        env: { COSIGN_PASSWORD: "old" },
      });
      assert.equal(old.code, 0, old.err);
      assert.equal(old.out, text(openssl(["pkey", "-pubout"], rsa)));

      writeFileSync(join(dir, "ec.pem"), openssl(["genpkey", "-algorithm", "ED25519"]));
      const cert = openssl([
        "req",
        "-x509",
        "-new",
        "-key",
        join(dir, "ec.pem"),
        "-subj",
        "/CN=x",
        "-days",
        "1",
      ]);
      writeFileSync(join(dir, "c.crt"), cert);
      const fromCert = await cosign(["public-key", "--key", "c.crt"], { cwd: dir });
      assert.equal(fromCert.out, text(openssl(["pkey", "-in", join(dir, "ec.pem"), "-pubout"])));

      // hostile scrypt N: rejected fast, before any work
      writeFileSync(join(dir, "hostile.key"), pythonEncryptCosignKey(der, "x", { N: 2 ** 31 }));
      const started = Date.now();
      const hostile = await cosign(["public-key", "--key", "hostile.key"], {
        cwd: dir,
        env: { COSIGN_PASSWORD: "x" },
      });
      assert.equal(hostile.code, 1);
      assert.match(hostile.err, /scrypt parameters N=2147483648, r=8, p=1 are not accepted/);
      assert.ok(Date.now() - started < 5000);

      const wrong = await cosign(["public-key", "--key", "cosign.key"], {
        cwd: dir,
        env: { COSIGN_PASSWORD: "nope" },
      });
      assert.equal(wrong.code, 1);
      assert.match(wrong.err, /^Error: Cannot decrypt private key "cosign\.key": wrong password\n/);
      const none = await cosign(["public-key"], { cwd: dir });
      assert.equal(none.code, 2);
      const kms = await cosign(["public-key", "--key", "nosuchkms://k"], { cwd: dir });
      assert.equal(kms.code, 1);
      assert.match(kms.err, /no plugin handles "nosuchkms:\/\/" keys/);
    } finally {
      await cleanup();
    }
  });

  it("generate-key-pair --kms asks the provider (a plugin from disk) and writes only P.pub", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      // A small KMS-like provider: generate() keeps the private key in a file of its own.
      writeFileSync(
        join(dir, "fake_kms.ts"),
        `import { definePlugin, generateEcdsaP256, pemEncode } from ${
          JSON.stringify(join(ROOT, "mod.ts"))
        };
import { writeFileSync } from "node:fs";
export default definePlugin({ name: "test-kms", apiVersion: 1, keys: [{
  scheme: "testkms", description: "test",
  signer() { throw new Error("unused"); },
  async generate(ref, ctx) {
    const { signer, pkcs8 } = generateEcdsaP256();
    writeFileSync(ctx.env("KMS_STORE") + "/" + ref.slice(10) + ".der", pkcs8);
    return await signer.publicKey();
  },
}] });
`,
      );
      const env = { KMS_STORE: dir };
      const r = await cosign(
        ["--plugin", join(dir, "fake_kms.ts"), "generate-key-pair", "--kms", "testkms://k1"],
        { cwd: dir, env },
      );
      assert.equal(r.code, 0, r.err);
      assert.equal(r.err, "Public key written to cosign.pub\n");
      assert.equal(existsSync(join(dir, "cosign.key")), false);
      const der = readFileSync(join(dir, "k1.der"));
      assert.equal(
        readFileSync(join(dir, "cosign.pub"), "utf8"),
        text(openssl(["pkey", "-inform", "DER", "-pubout"], der)),
      );
      const again = await cosign(
        ["--plugin", join(dir, "fake_kms.ts"), "generate-key-pair", "--kms", "testkms://k2"],
        { cwd: dir, env },
      );
      assert.equal(again.code, 1);
      assert.match(again.err, /cosign\.pub already exists/);
      const noGen = await cosign(["generate-key-pair", "--kms", "cosign.key"], { cwd: dir });
      assert.equal(noGen.code, 1);
      assert.match(noGen.err, /cannot create keys/);
    } finally {
      await cleanup();
    }
  });

  it("--help of each key command shows usage and an example", async () => {
    for (const c of ["generate-key-pair", "import-key-pair", "public-key"]) {
      const r = await cosign([c, "--help"]);
      assert.equal(r.code, 0);
      assert.match(r.out, new RegExp(`Usage:\\n  cosign-ts ${c}`));
      assert.match(r.out, /Examples:/);
    }
  });
});
